// node:zlib behind the core's DeflateEngine (deflate.ts): the one Node adapter, used by the
// server and by the core's tests. Node only (`@wirebench/transports/ws/zlib`); the browser
// entry, index.ts, does not reach it.
import zlib from 'node:zlib';
import type { DeflateEngine, DeflateStream } from './deflate.ts';

/** What an engine's streams did, for tests and measurements. */
export interface ZlibWatch {
  /** A stream was created. */
  opened?(): void;
  /** A stream was destroyed (its window and tables freed). */
  closed?(): void;
  /** zlib produced `bytes` of output (counted before the caller sees them, even after a stop). */
  produced?(bytes: number): void;
}

// #region zlib-engine
/** One node:zlib raw stream behind the core's DeflateStream: write, then flush with Z_SYNC_FLUSH. */
class ZlibStream implements DeflateStream {
  ended = false;
  private output: ((out: Uint8Array) => boolean) | null = null;
  private settle: (() => void) | null = null;

  constructor(
    private readonly z: zlib.DeflateRaw | zlib.InflateRaw,
    private readonly watch: ZlibWatch,
  ) {
    watch.opened?.();
    z.on('data', (chunk: Uint8Array) => {
      watch.produced?.(chunk.byteLength);
      // Past what the caller takes (the message limit), zlib is stopped between two output chunks.
      if (this.output && !this.output(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))) this.close();
    });
    z.on('end', () => (this.ended = true)); // an inflater that met BFINAL
    z.on('error', () => {}); // reported to write()'s caller
  }

  write(input: Uint8Array, onOutput: (out: Uint8Array) => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        this.settle = null;
        reject(err);
      };
      this.output = onOutput;
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

  close(): void {
    this.output = null;
    if (!this.z.destroyed) {
      this.z.destroy(); // frees zlib's window and tables now, not at GC
      this.watch.closed?.();
    }
    this.settle?.();
  }
}

/** A DeflateEngine on node:zlib's raw streams; `watch` sees them open, close and produce. */
export function createZlibEngine(watch: ZlibWatch = {}): DeflateEngine {
  return {
    createDeflate: ({ windowBits, memLevel, level }) => new ZlibStream(zlib.createDeflateRaw({ windowBits, memLevel, level }), watch),
    createInflate: ({ windowBits }) => new ZlibStream(zlib.createInflateRaw({ windowBits, finishFlush: zlib.constants.Z_SYNC_FLUSH }), watch),
  };
}

export const zlibEngine: DeflateEngine = createZlibEngine();
// #endregion zlib-engine
