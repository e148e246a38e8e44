// permessage-deflate's payload transformation (RFC 7692 §7.2) for one connection. The DEFLATE
// algorithm itself is injected (DeflateEngine: the server passes node:zlib's raw deflate and
// inflate), so this file stays free of I/O; what it adds is the framing around it: the
// 00 00 ff ff tail, context takeover or a fresh window per message, streams created only when
// a message needs them (an idle connection that resets its windows holds no zlib memory), and
// one WorkQueue shared by every connection that bounds how much zlib work runs at once.
import type { DeflateParams } from './extension.ts';
import { allocBytes } from './bytes.ts';

/** One raw DEFLATE stream (no zlib or gzip wrapper), compressing or decompressing. */
export interface DeflateStream {
  /**
   * Feeds `input` and flushes it (Z_SYNC_FLUSH), handing the output to `onOutput` piece by
   * piece as it is produced. When onOutput returns false, the work stops there and the stream
   * is unusable (close it). Resolves once the input is consumed or the work stopped; rejects
   * when the input is not valid DEFLATE data.
   */
  write(input: Uint8Array, onOutput: (output: Uint8Array) => boolean): Promise<void>;
  /** An inflater that met a block with BFINAL set takes no more input: the next message needs a new one. */
  readonly ended: boolean;
  /** Frees the stream's memory (its window and, for a compressor, its hash tables). */
  close(): void;
}

export interface DeflateEngine {
  /** windowBits 9–15, memLevel 1–9, level 0–9 (zlib's meanings). */
  createDeflate(options: { windowBits: number; memLevel: number; level: number }): DeflateStream;
  createInflate(options: { windowBits: number }): DeflateStream;
}

/**
 * Runs at most `concurrency` tasks at once, the rest in order of arrival. One queue is shared
 * by every connection of a server, so a thousand connections cannot start a thousand zlib jobs
 * (and their buffers) at the same moment.
 */
export class WorkQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly concurrency: number) {
    if (!(concurrency >= 1)) throw new RangeError('concurrency is at least 1');
  }

  get active(): number {
    return this.running;
  }

  get queued(): number {
    return this.waiting.length;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency) return this.start(task);
    return new Promise<T>((resolve) => this.waiting.push(() => resolve(this.start(task))));
  }

  // The task's own promise goes back to the caller: one promise per job, no wrapper around it.
  private start<T>(task: () => Promise<T>): Promise<T> {
    this.running++;
    let done: Promise<T>;
    try {
      done = task();
    } catch (err) {
      done = Promise.reject(err);
    }
    done.then(this.next, this.next);
    return done;
  }

  private readonly next = (): void => {
    this.running--;
    this.waiting.shift()?.();
  };
}

export interface DeflateTuning {
  /** zlib memLevel of our compressor, 1–9: its hash tables take 2^(memLevel + 9) bytes. */
  memLevel?: number;
  /** zlib compression level, 0–9. */
  level?: number;
  /** Messages shorter than this are sent uncompressed (RSV1 clear), which RFC 7692 allows per message. */
  minBytes?: number;
}

// #region defaults
/**
 * Defaults chosen from measurements (docs/12-compression.md, with context takeover): a 2^12-byte
 * window makes a 200-byte chat message 17 % of its size (14 % with 2^15) and costs an idle
 * connection about 113 KiB of zlib memory instead of 268 KiB; memLevel 9 gains nothing here.
 */
export const DEFLATE_DEFAULTS = {
  serverMaxWindowBits: 12,
  clientMaxWindowBits: 12,
  memLevel: 8,
  level: 6,
  minBytes: 0,
  /** zlib jobs running at once across every connection (Node's thread pool has 4 threads). */
  concurrency: 8,
} as const;
// #endregion defaults

// #region tail
// 7.2.1 "Remove 4 octets (that are 0x00 0x00 0xff 0xff) from the tail end", and 7.2.2
// "Append 4 octets of 0x00 0x00 0xff 0xff to the tail end of the payload of the message."
// Z_SYNC_FLUSH ends its output with exactly these: an empty stored block, BFINAL 0.
export const DEFLATE_TAIL: Uint8Array = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

function endsWithTail(bytes: Uint8Array): boolean {
  const n = bytes.length;
  return n >= 4 && bytes[n - 4] === 0x00 && bytes[n - 3] === 0x00 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xff;
}
// #endregion tail

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = allocBytes(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/**
 * One connection's compressor and decompressor, from its own side: a server compresses with
 * the server_* parameters and inflates what the client compressed with the client_* ones.
 */
export class MessageDeflate {
  private deflater: DeflateStream | null = null;
  private inflater: DeflateStream | null = null;
  private readonly sendReset: boolean;
  private readonly receiveReset: boolean;
  private readonly sendBits: number;
  private readonly receiveBits: number;
  private readonly memLevel: number;
  private readonly level: number;
  readonly minBytes: number;
  private closed = false;

  constructor(
    readonly params: DeflateParams,
    role: 'server' | 'client',
    private readonly engine: DeflateEngine,
    private readonly queue: WorkQueue,
    tuning: DeflateTuning = {},
  ) {
    const server = role === 'server';
    this.sendReset = server ? params.serverNoContextTakeover : params.clientNoContextTakeover;
    this.receiveReset = server ? params.clientNoContextTakeover : params.serverNoContextTakeover;
    this.sendBits = server ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    // A window larger than the sender's decodes its data too; zlib inflates with 9 bits at least.
    this.receiveBits = Math.max(9, server ? params.clientMaxWindowBits : params.serverMaxWindowBits);
    this.memLevel = tuning.memLevel ?? DEFLATE_DEFAULTS.memLevel;
    this.level = tuning.level ?? DEFLATE_DEFAULTS.level;
    this.minBytes = tuning.minBytes ?? DEFLATE_DEFAULTS.minBytes;
  }

  /** zlib streams this connection holds now (0 for an idle connection without takeover). */
  get streams(): number {
    return (this.deflater ? 1 : 0) + (this.inflater ? 1 : 0);
  }

  // #region compress
  /** 7.2.1 a whole message compressed: the payload of its first (and here only) frame, RSV1 set. */
  compress(data: Uint8Array): Promise<Uint8Array> {
    return this.queue.run(async () => {
      if (this.closed) throw new Error('closed');
      this.deflater ??= this.engine.createDeflate({ windowBits: this.sendBits, memLevel: this.memLevel, level: this.level });
      const chunks: Uint8Array[] = [];
      let total = 0;
      await this.deflater.write(data, (out) => {
        chunks.push(out);
        total += out.length;
        return true;
      });
      let payload = concat(chunks, total);
      if (endsWithTail(payload)) payload = payload.subarray(0, payload.length - 4);
      // 7.2.1 / 7.1.1.1 without context takeover the next message starts from an empty window.
      if (this.sendReset) this.dropDeflater();
      return payload;
    });
  }
  // #endregion compress

  // #region decompress
  /**
   * 7.2.2 one frame's payload of a compressed message, inflated; the tail is appended after
   * the message's last frame. Output goes to `onOutput` as zlib produces it; returning false
   * stops the inflater at once (a message over the size limit, text that is not UTF-8).
   */
  decompress(payload: Uint8Array, fin: boolean, onOutput: (output: Uint8Array) => boolean): Promise<void> {
    return this.queue.run(async () => {
      if (this.closed) throw new Error('closed');
      const inflater = (this.inflater ??= this.engine.createInflate({ windowBits: this.receiveBits }));
      let stopped = false;
      const take = (out: Uint8Array): boolean => {
        if (stopped) return false;
        if (!onOutput(out)) stopped = true;
        return !stopped;
      };
      try {
        if (payload.length > 0) await inflater.write(payload, take);
        if (fin && !stopped && !inflater.ended) await inflater.write(DEFLATE_TAIL, take);
      } catch (err) {
        this.dropInflater();
        throw err;
      }
      // A stream that was stopped part-way is in an unknown state; one that saw BFINAL is done.
      if (stopped || inflater.ended || (fin && this.receiveReset)) this.dropInflater();
    });
  }
  // #endregion decompress

  close(): void {
    this.closed = true;
    this.dropDeflater();
    this.dropInflater();
  }

  private dropDeflater(): void {
    this.deflater?.close();
    this.deflater = null;
  }

  private dropInflater(): void {
    this.inflater?.close();
    this.inflater = null;
  }
}
