// A client's options: what the caller gave, with defaults filled in and every injectable
// (fetch, sockets, clock, timers, randomness) resolved to a function. Three of them can
// change while the client runs (setOptions): the name, the poll interval, the long-poll hold.
import { resolveBackoff } from './backoff.ts';
import type { BackoffOptions, ClientOptions } from './types.ts';

export interface ResolvedOptions {
  baseUrl: string;
  name: string | undefined;
  pollIntervalMs: number;
  longPollTimeoutMs: number;
  compress: boolean;
  backoff: BackoffOptions;
  fetch: typeof fetch;
  WebSocket: typeof WebSocket | undefined;
  EventSource: typeof EventSource | undefined;
  now: () => number;
  random: () => number;
  getRandomValues: (bytes: Uint8Array) => Uint8Array;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

export const DEFAULT_POLL_INTERVAL_MS = 1_000;
export const DEFAULT_LONG_POLL_TIMEOUT_MS = 30_000;

/** The options setOptions() takes while the client runs. */
export type LiveOptions = Partial<Pick<ClientOptions, 'pollIntervalMs' | 'longPollTimeoutMs' | 'name'>>;
/** The live options a transport reacts to (the name applies to the next send by itself). */
export type TimingChange = Partial<Pick<ClientOptions, 'pollIntervalMs' | 'longPollTimeoutMs'>>;

export function resolveOptions(options: ClientOptions): ResolvedOptions {
  const g = globalThis as typeof globalThis & { location?: { origin?: string } };
  const baseUrl = options.baseUrl ?? g.location?.origin;
  if (!baseUrl) throw new TypeError('client: baseUrl is required outside a browser page');
  return {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    name: options.name,
    pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    longPollTimeoutMs: options.longPollTimeoutMs ?? DEFAULT_LONG_POLL_TIMEOUT_MS,
    compress: options.compress ?? false,
    backoff: resolveBackoff(options.backoff),
    // Globals are looked up at call time, so fake timers installed later still apply,
    // and fetch is never called with a foreign `this`.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    WebSocket: options.WebSocket ?? g.WebSocket,
    EventSource: options.EventSource ?? g.EventSource,
    now: options.now ?? (() => performance.timeOrigin + performance.now()),
    random: options.random ?? Math.random,
    // getRandomValues, unlike randomUUID, also exists on a page served over plain http (a classroom LAN).
    getRandomValues: options.getRandomValues ?? ((bytes) => globalThis.crypto.getRandomValues(bytes)),
    setTimeout: options.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms)),
    clearTimeout:
      options.clearTimeout ?? ((h) => globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>)),
  };
}

/** Applies live options to `opts`, in order (a bad timing throws when reached); returns the timings that changed. */
export function applyLiveOptions(opts: ResolvedOptions, options: LiveOptions): TimingChange {
  const changed: TimingChange = {};
  if (options.name !== undefined) opts.name = options.name;
  if (options.pollIntervalMs !== undefined && options.pollIntervalMs !== opts.pollIntervalMs) {
    if (!(options.pollIntervalMs >= 0)) throw new RangeError('pollIntervalMs must be >= 0');
    opts.pollIntervalMs = changed.pollIntervalMs = options.pollIntervalMs;
  }
  if (options.longPollTimeoutMs !== undefined && options.longPollTimeoutMs !== opts.longPollTimeoutMs) {
    if (!(options.longPollTimeoutMs >= 0)) throw new RangeError('longPollTimeoutMs must be >= 0');
    opts.longPollTimeoutMs = changed.longPollTimeoutMs = options.longPollTimeoutMs;
  }
  return changed;
}
