// Test doubles for the client tests: a manual clock, fetch, WebSocket, EventSource
// and a tiny in-memory room that answers like the contract says.
import type { ChatMessage, TransportId } from '../../src/contract.ts';
import type { ClientOptions, WireRecord } from '../../src/client/types.ts';
import type { TransportClient } from '../../src/client/index.ts';

/** Lets pending promise chains run (fetch answers, response.text()). */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export class FakeClock {
  time = 1_000_000;
  private timers: Timer[] = [];
  private nextId = 1;
  now = (): number => this.time;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const timer = { id: this.nextId++, at: this.time + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  };
  clearTimeout = (handle: unknown): void => {
    this.timers = this.timers.filter((t) => t.id !== handle);
  };
  /** Delays of the timers now pending, soonest first. */
  pending(): number[] {
    return this.timers.map((t) => t.at - this.time).sort((a, b) => a - b);
  }
  /** Moves time forward, running due timers in order and letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    await flush();
    for (;;) {
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.time = due.at;
      due.fn();
      await flush();
    }
    this.time = end;
    await flush();
  }
}

// ---- fetch -----------------------------------------------------------------------------

export interface FetchCall {
  method: string;
  url: URL;
  body: unknown;
  rawBody: string | undefined;
  signal: AbortSignal | undefined;
  settled: boolean;
  aborted: boolean;
  respond(status: number, body?: unknown, headers?: Record<string, string>): void;
  fail(error?: Error): void;
}

/** Returns an answer, or undefined to hold the request until the test answers it. */
export type FetchHandler = (call: FetchCall) => { status: number; body?: unknown; headers?: Record<string, string> } | undefined;

export class FakeFetch {
  calls: FetchCall[] = [];
  /** By default nothing listens: every request fails as fetch does when a connection is refused. */
  handler: FetchHandler = (call) => {
    queueMicrotask(() => call.fail());
    return undefined;
  };

  fetch = ((input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    return new Promise<Response>((resolve, reject) => {
      const rawBody = typeof init.body === 'string' ? init.body : undefined;
      const call: FetchCall = {
        method: init.method ?? 'GET',
        url: new URL(String(input)),
        body: rawBody === undefined ? undefined : JSON.parse(rawBody),
        rawBody,
        signal: init.signal ?? undefined,
        settled: false,
        aborted: false,
        respond: (status, body, headers = {}) => {
          if (call.settled) return;
          call.settled = true;
          const text = body === undefined ? '' : JSON.stringify(body);
          resolve(new Response(text, { status, headers: { 'content-type': 'application/json', ...headers } }));
        },
        fail: (error = new TypeError('fetch failed')) => {
          if (call.settled) return;
          call.settled = true;
          reject(error);
        },
      };
      call.signal?.addEventListener('abort', () => {
        call.aborted = true;
        call.fail(new DOMException('The operation was aborted.', 'AbortError'));
      });
      this.calls.push(call);
      const reply = this.handler(call);
      if (reply) call.respond(reply.status, reply.body, reply.headers);
    });
  }) as typeof fetch;

  /** Requests to a path, oldest first. */
  to(path: string): FetchCall[] {
    return this.calls.filter((c) => c.url.pathname === path);
  }
  open(path: string): FetchCall[] {
    return this.to(path).filter((c) => !c.settled);
  }
}

// ---- a room that answers like the server --------------------------------------------------

/** The secret FakeRoom gives client `id`: with characters a URL encodes, so redaction must catch every form. */
export function secretOf(clientId: string): string {
  return `s/${clientId}+~ 9f3e`;
}

function refusal(status: number, code: string, message = code): { status: number; body: unknown } {
  return { status, body: { error: { code, message } } };
}

export class FakeRoom {
  messages: ChatMessage[] = [];
  clients = new Set<string>();
  /** CONTRACT v2 "the teacher": removed ids keep refusing with CLIENT_REMOVED. */
  removed = new Set<string>();
  /** While locked, join answers 423 ROOM_LOCKED. */
  locked = false;
  /** Play a server that answers a poll or stream open attributed to a removed client with 403 CLIENT_REMOVED. */
  refuseRemovedPolls = false;
  private nextClient = 1;
  historyLimit = 100;
  time = 0;
  /** The room's epoch; undefined plays a server from before epochs (answers carry none). */
  epoch: string | undefined = 'e1';
  /** False plays a server that ignores `?epoch=` and answers the cursor as if it were this room's. */
  honourEpoch = true;
  private restarts = 0;

  join(): { clientId: string; clientSecret: string; lastSeq: number; epoch?: string; messages: ChatMessage[] } {
    const clientId = `c${this.nextClient++}`;
    this.clients.add(clientId);
    return { clientId, clientSecret: secretOf(clientId), ...this.position(), messages: this.history() };
  }

  remove(clientId: string): void {
    this.removed.add(clientId);
  }

  /**
   * What acting as `clientId` with `clientSecret` gets, as the server's registry decides:
   * unknown 404, a wrong or missing secret 403 NOT_YOUR_CLIENT, then removed 403 CLIENT_REMOVED.
   */
  authenticate(clientId: unknown, clientSecret: unknown): { status: number; body: unknown } | null {
    if (typeof clientId !== 'string' || !this.clients.has(clientId)) return refusal(404, 'UNKNOWN_CLIENT', 'who?');
    if (clientSecret !== secretOf(clientId)) return refusal(403, 'NOT_YOUR_CLIENT');
    if (this.removed.has(clientId)) return refusal(403, 'CLIENT_REMOVED', 'removed by the teacher');
    return null;
  }

  /** `lastSeq` and, when the room has one, `epoch`: what every answer carrying lastSeq says. */
  position(): { lastSeq: number; epoch?: string } {
    return this.epoch === undefined ? { lastSeq: this.lastSeq } : { lastSeq: this.lastSeq, epoch: this.epoch };
  }

  /**
   * What a poll, stream or socket asking with these parameters gets: CONTRACT "the epoch":
   * another epoch is answered "as for a cursor above lastSeq (no messages, the current
   * lastSeq and epoch)".
   */
  answer(query: URLSearchParams): { messages: ChatMessage[]; lastSeq: number; epoch?: string } {
    const after = query.has('after') ? Number(query.get('after')) : undefined;
    const otherEpoch = this.honourEpoch && query.has('epoch') && query.get('epoch') !== this.epoch;
    const ahead = after !== undefined && after > this.lastSeq;
    return { messages: otherEpoch || ahead ? [] : this.after(after), ...this.position() };
  }

  get lastSeq(): number {
    return this.messages.length === 0 ? 0 : this.messages[this.messages.length - 1]!.seq;
  }

  history(): ChatMessage[] {
    return this.messages.slice(-this.historyLimit);
  }

  after(after: number | undefined): ChatMessage[] {
    return after === undefined ? this.history() : this.messages.filter((m) => m.seq > after);
  }

  /** Stores a message; a repeated (clientId, clientMsgId) returns the first copy and `false`. */
  post(clientId: string, text: string, clientMsgId: string | null, via: TransportId, name = 'anon'): { message: ChatMessage; created: boolean } {
    const existing = clientMsgId === null ? undefined : this.messages.find((m) => m.clientId === clientId && m.clientMsgId === clientMsgId);
    if (existing) return { message: existing, created: false };
    const message: ChatMessage = {
      type: 'message',
      seq: this.lastSeq + 1,
      clientId,
      name,
      text,
      clientMsgId,
      via,
      serverTime: ++this.time,
    };
    this.messages.push(message);
    return { message, created: true };
  }

  /** The server restarts: everything forgotten, numbering from 1 under a new epoch (if it has epochs). */
  restart(): void {
    this.messages = [];
    this.clients.clear();
    this.removed.clear();
    this.restarts += 1;
    if (this.epoch !== undefined) this.epoch = `e${this.restarts + 1}`;
  }

  /** A fetch handler for join, poll and messages; long polls are answered at once only if there is news (or timeout=0). */
  handler(): FetchHandler {
    return (call) => {
      const path = call.url.pathname;
      const q = call.url.searchParams;
      if (path === '/api/join') return this.locked ? refusal(423, 'ROOM_LOCKED') : { status: 201, body: this.join() };
      if (path === '/api/info') return { status: 200, body: { locked: this.locked } };
      if (path === '/api/class/me') {
        const b = call.body as { clientId?: unknown; clientSecret?: unknown };
        return this.authenticate(b.clientId, b.clientSecret) ?? { status: 200, body: { transport: null, locked: this.locked } };
      }
      if (this.refuseRemovedPolls && this.removed.has(q.get('clientId') ?? '')) return refusal(403, 'CLIENT_REMOVED');
      if (path === '/api/poll') return { status: 200, body: this.answer(q) };
      if (path === '/api/longpoll') {
        // Held only while there is nothing to say: no news for a cursor of this room.
        const answer = this.answer(q);
        const after = q.has('after') ? Number(q.get('after')) : undefined;
        const otherRoom = (q.has('epoch') && q.get('epoch') !== this.epoch) || (after !== undefined && after > this.lastSeq);
        if (answer.messages.length > 0 || otherRoom || q.get('timeout') === '0') return { status: 200, body: answer };
        return undefined;
      }
      if (path === '/api/messages') {
        const b = call.body as { clientId: string; clientSecret?: string; text: string; clientMsgId?: string; via?: TransportId; name?: string };
        const refused = this.authenticate(b.clientId, b.clientSecret);
        if (refused) return refused;
        const { message, created } = this.post(b.clientId, b.text, b.clientMsgId ?? null, b.via ?? 'short-poll', b.name);
        return { status: created ? 201 : 200, body: { message } };
      }
      return { status: 404, body: { error: { code: 'NOT_FOUND', message: path } } };
    };
  }
}

// ---- WebSocket -------------------------------------------------------------------------

export class FakeWebSocket {
  static instances: FakeWebSocket[] = [];
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  readonly url: URL;
  readyState = 0;
  sent: string[] = [];
  closedWith: { code?: number; reason?: string } | null = null;
  terminated = false;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;

  constructor(url: string) {
    this.url = new URL(url);
    FakeWebSocket.instances.push(this);
  }
  static reset(): void {
    FakeWebSocket.instances = [];
  }
  static last(): FakeWebSocket {
    const ws = FakeWebSocket.instances[FakeWebSocket.instances.length - 1];
    if (!ws) throw new Error('no socket');
    return ws;
  }
  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(data);
  }
  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }
  /** Frames sent by the client, parsed. */
  sentFrames(): Array<{ type: string; text: string; clientMsgId: string; name?: string }> {
    return this.sent.map((s) => JSON.parse(s));
  }
  // driven by tests
  serverOpen(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverSend(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
  }
  serverDrop(code = 1006): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code, reason: '' });
  }
}

/** Like the `ws` library's socket: has terminate(). */
export class TerminableFakeWebSocket extends FakeWebSocket {
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
}

// ---- EventSource -----------------------------------------------------------------------

export class FakeEventSource {
  static instances: FakeEventSource[] = [];
  readonly url: URL;
  closed = false;
  /** As EventSource: 0 connecting (also while it reconnects by itself), 1 open, 2 closed (given up). */
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: string; lastEventId: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  private named = new Map<string, Array<(ev: { data: string; lastEventId: string }) => void>>();

  constructor(url: string) {
    this.url = new URL(url);
    FakeEventSource.instances.push(this);
  }
  addEventListener(type: string, listener: (ev: { data: string; lastEventId: string }) => void): void {
    this.named.set(type, [...(this.named.get(type) ?? []), listener]);
  }
  /** A named event, as Wirebench's `state` event that opens every stream. */
  serverNamed(type: string, data: unknown): void {
    if (this.closed) return;
    for (const listener of this.named.get(type) ?? []) listener({ data: JSON.stringify(data), lastEventId: '' });
  }
  static reset(): void {
    FakeEventSource.instances = [];
  }
  static last(): FakeEventSource {
    const es = FakeEventSource.instances[FakeEventSource.instances.length - 1];
    if (!es) throw new Error('no event source');
    return es;
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
  serverOpen(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverEvent(message: ChatMessage): void {
    this.onmessage?.({ data: JSON.stringify(message), lastEventId: String(message.seq) });
  }
  /** The stream failed and the EventSource gave up (readyState 2), as on an answer other than 200 text/event-stream. */
  serverError(): void {
    this.readyState = 2;
    this.onerror?.({});
  }
  /** The stream dropped (or a reconnection attempt failed) and the EventSource reconnects by itself (readyState 0). */
  serverDrop(): void {
    this.readyState = 0;
    this.onerror?.({});
  }
}

// ---- wiring --------------------------------------------------------------------------------

export function msg(seq: number, extra: Partial<ChatMessage> = {}): ChatMessage {
  return {
    type: 'message',
    seq,
    clientId: 'other',
    name: 'anon',
    text: `m${seq}`,
    clientMsgId: null,
    via: 'ws-raw',
    serverTime: seq,
    ...extra,
  };
}

export interface Harness {
  clock: FakeClock;
  fetch: FakeFetch;
  options: ClientOptions;
  /** Random values handed to the client, in order; 0 when exhausted. */
  randoms: number[];
}

export function harness(overrides: ClientOptions = {}): Harness {
  const clock = new FakeClock();
  const fetchFake = new FakeFetch();
  const randoms: number[] = [];
  FakeWebSocket.reset();
  FakeEventSource.reset();
  const options: ClientOptions = {
    baseUrl: 'http://chat.test:3000',
    fetch: fetchFake.fetch,
    WebSocket: FakeWebSocket as unknown as typeof WebSocket,
    EventSource: FakeEventSource as unknown as typeof EventSource,
    now: clock.now,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    random: () => randoms.shift() ?? 0,
    ...overrides,
  };
  return { clock, fetch: fetchFake, options, randoms };
}

/** Records everything a client emits. */
export function observe(client: TransportClient): {
  messages: ChatMessage[];
  errors: Array<{ code: string; message: string }>;
  records: WireRecord[];
  statuses: string[];
  acks: Array<{ clientMsgId: string; seq: number }>;
  seqs(): number[];
} {
  const seen = {
    messages: [] as ChatMessage[],
    errors: [] as Array<{ code: string; message: string }>,
    records: [] as WireRecord[],
    statuses: [] as string[],
    acks: [] as Array<{ clientMsgId: string; seq: number }>,
    seqs: () => seen.messages.map((m) => m.seq),
  };
  client.on('message', (m) => seen.messages.push(m));
  client.on('error', (e) => seen.errors.push(e));
  client.on('request', (r) => seen.records.push(r));
  client.on('status', (s) => seen.statuses.push(s));
  client.on('ack', (a) => seen.acks.push(a));
  return seen;
}
