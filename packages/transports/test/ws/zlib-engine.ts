// The DEFLATE engine for the core's tests: node:zlib raw streams behind the core's
// DeflateEngine interface (the server has its own, apps/server/src/transports/ws-raw-socket.ts).
// It can also answer later than zlib does (`delay`), or count what is alive, for the tests.
import zlib from 'node:zlib';
import type { DeflateEngine, DeflateStream } from '../../src/ws/deflate.ts';

class TestStream implements DeflateStream {
  ended = false;
  private settle: (() => void) | null = null;
  private output: ((out: Uint8Array) => boolean) | null = null;

  constructor(
    private readonly z: zlib.DeflateRaw | zlib.InflateRaw,
    private readonly counts: { open: number; produced: number },
  ) {
    counts.open++;
    z.on('data', (chunk: Uint8Array) => {
      counts.produced += chunk.length;
      if (this.output && !this.output(new Uint8Array(chunk))) this.stop();
    });
    z.on('end', () => (this.ended = true));
    z.on('error', () => {});
  }

  write(input: Uint8Array, onOutput: (out: Uint8Array) => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.output = onOutput;
      const onError = (err: Error): void => {
        this.settle = null;
        reject(err);
      };
      this.settle = () => {
        this.z.off('error', onError);
        this.output = null;
        this.settle = null;
        resolve();
      };
      this.z.once('error', onError);
      this.z.write(input);
      this.z.flush(zlib.constants.Z_SYNC_FLUSH, () => this.settle?.());
    });
  }

  private stop(): void {
    this.output = null;
    if (!this.z.destroyed) {
      this.counts.open--;
      this.z.destroy();
    }
    this.settle?.();
  }

  close(): void {
    this.stop();
  }
}

export function testEngine(): DeflateEngine & { counts: { open: number; produced: number } } {
  const counts = { open: 0, produced: 0 };
  return {
    counts,
    createDeflate: ({ windowBits, memLevel, level }) => new TestStream(zlib.createDeflateRaw({ windowBits, memLevel, level }), counts),
    createInflate: ({ windowBits }) => new TestStream(zlib.createInflateRaw({ windowBits }), counts),
  };
}
