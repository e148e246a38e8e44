// The messages between the driver (run.ts) and its load workers (load/worker.ts), over the
// child_process IPC channel. Every command gets exactly one reply with the same id.
import { TRANSPORT_IDS, type TransportId } from '@wirebench/transports/contract';

/** The order scenarios run and reports list the transports in; a Record, so every TransportId has a place. */
const BENCH_ORDER: Record<TransportId, number> = { 'ws-raw': 0, 'ws-lib': 1, sse: 2, 'long-poll': 3, 'short-poll': 4 };
export const CHAT_TRANSPORTS: readonly TransportId[] = [...TRANSPORT_IDS].sort((a, b) => BENCH_ORDER[a] - BENCH_ORDER[b]);

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
      transport: TransportId;
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
      transport: TransportId;
      base: string;
      tag: string;
      count: number;
      /** 0: as fast as acks allow (window); otherwise one message every spacingMs. */
      spacingMs: number;
      /** Sends in flight at once when spacingMs is 0. */
      window: number;
      /** Pads each text to this many characters (benchText). */
      padTo?: number;
    }
  | { cmd: 'cpu' }
  // The dashboard's class: simulated students (load/students.ts).
  | {
      cmd: 'students-open';
      base: string;
      /** One entry per student: the transport it receives and sends on. */
      transports: TransportId[];
      concurrency: number;
    }
  | {
      cmd: 'students-drive';
      tag: string;
      /** Each student sends one message this often, the class spread evenly over the period. */
      everyMs: number;
      durationMs: number;
    }
  // The slow-readers scenario's peers (load/slow-peers.ts).
  | { cmd: 'peers-open'; caseId: SlowCaseId; mode: PeerMode; base: string; count: number; concurrency: number }
  | {
      cmd: 'peers-drive';
      durationMs: number;
      /** Poll peers ask again this often (a pipelined GET when slow). */
      pollEveryMs: number;
      /** Echo peers send one binary message of echoBytes this often. */
      echoBytes: number;
      echoEveryMs: number;
    }
  | { cmd: 'peers-status' }
  | { cmd: 'echo-probe'; url: string; count: number; spacingMs: number; settleMs: number }
  // The compression scenario's clients (load/compression.ts); deflate: offer permessage-deflate or nothing.
  | {
      cmd: 'deflate-echo';
      url: string;
      deflate: boolean;
      clients: number;
      /** Bytes of each JSON text message. */
      size: number;
      warmupMs: number;
      durationMs: number;
      /** The server, whose CPU the worker reads from /proc over the measured window. */
      serverPid: number;
    }
  | { cmd: 'deflate-open'; url: string; deflate: boolean; count: number; concurrency: number }
  | { cmd: 'deflate-wire' }
  | { cmd: 'deflate-send'; url: string; tag: string; count: number; window: number; size: number }
  | { cmd: 'deflate-idle'; url: string; deflate: boolean; count: number; size: number; concurrency: number };

/** The two echo endpoints, beside the chat transports, in the slow-readers scenario. */
export const ECHO_ENDPOINTS = ['ws-raw-echo', 'ws-lib-echo'] as const;
export type EchoEndpoint = (typeof ECHO_ENDPOINTS)[number];
export type SlowCaseId = TransportId | EchoEndpoint;
/** Slow peers never read what the server sends; reading peers (the reference) read and discard it. */
export type PeerMode = 'slow' | 'reading';

export interface PeersOpenResult {
  opened: number;
  failed: number;
  firstError: string | null;
}

export interface PeersStatus {
  peers: number;
  /** Peers whose connection the server closed or reset. */
  dropped: number;
  /** Echo sends left out because the peer's own send buffer held over 1 MiB (the server stopped reading). */
  sendsSkipped: number;
  sends: number;
  errors: number;
}

export interface EchoProbeResult {
  sent: number;
  /** Distinct messages that came back. */
  received: number;
  errors: number;
}

/**
 * A bench message's text: b|<tag>|<index>|<sent at, ms since the epoch with fractions>, then
 * `|xxx…` up to `padTo` characters when asked (room-filling messages of a realistic size).
 */
export function benchText(tag: string, k: number, sentAt: number, padTo = 0): string {
  const text = `b|${tag}|${k}|${sentAt.toFixed(3)}`;
  return text.length + 1 < padTo ? `${text}|${'x'.repeat(padTo - text.length - 1)}` : text;
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

export interface StudentsOpenResult {
  opened: number;
  failed: number;
  firstError: string | null;
}

export interface StudentsDriveResult {
  sent: number;
  /** Sends the server refused or that failed on the way. */
  errors: number;
  firstError: string | null;
}

export type Reply =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string };
