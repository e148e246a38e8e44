// The messages between the driver (run.ts) and its load workers (worker.ts), over the
// child_process IPC channel. Every command gets exactly one reply with the same id.

export type ChatTransport = 'ws-raw' | 'ws-lib' | 'sse' | 'long-poll' | 'short-poll';
export const CHAT_TRANSPORTS: ChatTransport[] = ['ws-raw', 'ws-lib', 'sse', 'long-poll', 'short-poll'];

export type EchoTarget = 'ws-raw' | 'ws-lib' | 'tcp';

export type Command =
  | {
      cmd: 'echo';
      target: EchoTarget;
      /** ws://… for the WebSocket targets, the port for tcp. */
      url: string;
      port: number;
      clients: number;
      size: number;
      warmupMs: number;
      durationMs: number;
    }
  | {
      cmd: 'open';
      transport: ChatTransport;
      base: string;
      count: number;
      /** The room's lastSeq: receivers start after it (no history replay). */
      after: number;
      /** Short polling period; 0 polls once and then keeps the socket idle. */
      pollIntervalMs: number;
      /** Long-poll hold requested per request. */
      longPollTimeoutMs: number;
      /** Connections opened at once while connecting. */
      concurrency: number;
    }
  | { cmd: 'reset' }
  | { cmd: 'collect'; tag: string; withLatencies: boolean }
  | { cmd: 'close' }
  | {
      cmd: 'send';
      transport: ChatTransport;
      base: string;
      tag: string;
      count: number;
      /** 0: as fast as acks allow (window); otherwise one message every spacingMs. */
      spacingMs: number;
      /** Sends in flight at once when spacingMs is 0. */
      window: number;
    }
  | { cmd: 'cpu' };

/** A bench message's text: b|<tag>|<index>|<sent at, ms since the epoch with fractions>. */
export function benchText(tag: string, k: number, sentAt: number): string {
  return `b|${tag}|${k}|${sentAt.toFixed(3)}`;
}

export interface CpuSample {
  /** process.cpuUsage() user + system, µs. */
  cpuMicros: number;
  /** Wall clock, ms (performance.timeOrigin + now). */
  at: number;
}

export interface EchoResult {
  count: number;
  elapsedMs: number;
  samples: number[];
  seen: number;
  errors: number;
  cpu: { start: CpuSample; end: CpuSample };
}

export interface OpenResult {
  opened: number;
  failed: number;
  firstError: string | null;
  elapsedMs: number;
}

export interface CollectResult {
  /** Per message index: the latencies (ms) of every receiver that got it. */
  latencies: Record<string, number[]>;
  /** Total deliveries of this tag, and the first/last arrival (ms since the epoch). */
  deliveries: number;
  firstAt: number;
  lastAt: number;
  /** Long-poll answers and short-poll requests made since the last reset. */
  requests: number;
  errors: number;
}

export interface SendResult {
  sent: number;
  firstSentAt: number;
  lastSentAt: number;
  errors: number;
  firstError: string | null;
}

export type Reply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };
