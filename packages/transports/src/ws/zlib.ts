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
/**
 * One node:zlib raw stream behind the core's DeflateStream. It is created with `flush:
 * Z_SYNC_FLUSH`, so each write is deflated or inflated and flushed in one thread-pool job
 * (a write followed by flush() would take two).
 */
class ZlibStream implements DeflateStream {
  ended = false;
  private output: ((out: Uint8Array) => boolean) | null = null;
  private settle: ((err?: Error | null) => void) | null = null;

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
    z.on('error', (err: Error) => this.settle?.(err)); // reported to write()'s caller
  }

  write(input: Uint8Array, onOutput: (out: Uint8Array) => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.output = onOutput;
      this.settle = (err) => {
        this.output = null;
        this.settle = null;
        if (err) reject(err);
        else resolve();
      };
      this.z.write(input, (err) => this.settle?.(err));
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

const SYNC_FLUSH = zlib.constants.Z_SYNC_FLUSH;

/** A DeflateEngine on node:zlib's raw streams; `watch` sees them open, close and produce. */
export function createZlibEngine(watch: ZlibWatch = {}): DeflateEngine {
  return {
    createDeflate: ({ windowBits, memLevel, level }) => new ZlibStream(zlib.createDeflateRaw({ windowBits, memLevel, level, flush: SYNC_FLUSH }), watch),
    createInflate: ({ windowBits }) => new ZlibStream(zlib.createInflateRaw({ windowBits, flush: SYNC_FLUSH, finishFlush: SYNC_FLUSH }), watch),
  };
}

export const zlibEngine: DeflateEngine = createZlibEngine();
// #endregion zlib-engine
