// The fan-out layer on a memory room, with channels that stand in for sockets
// and a clock the test moves: paced replays, the one backpressure policy,
// delay, cut, heartbeat, drain timeout and shutdown, without a real socket.
import type { Socket } from 'node:net';
import { beforeEach, describe, expect, it } from 'vitest';
import { FanOut, type Channel, type FanOutOptions, type FanOutTimers } from '../../src/room/fanout.ts';
import { MemoryRoom } from '../../src/room/memory-room.ts';
import { Stats } from '../../src/room/stats.ts';
import type { Chunk } from '../../src/room/wire.ts';

/** Timers that fire only when the test moves the clock. */
class ManualClock implements FanOutTimers {
  t = 0;
  private seq = 0;
  private readonly jobs = new Map<number, { at: number; fn: () => void; every?: number }>();
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number): unknown => this.add(fn, ms);
  setInterval = (fn: () => void, ms: number): unknown => this.add(fn, ms, ms);
  clearTimeout = (h: unknown): void => void this.jobs.delete(h as number);
  clearInterval = (h: unknown): void => void this.jobs.delete(h as number);
  private add(fn: () => void, ms: number, every?: number): number {
    const id = ++this.seq;
    this.jobs.set(id, { at: this.t + ms, fn, ...(every ? { every } : {}) });
    return id;
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void; every?: number }] | undefined;
      for (const entry of this.jobs) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      const [id, job] = next;
      this.t = job.at;
      if (job.every) job.at += job.every;
      else this.jobs.delete(id);
      job.fn();
    }
    this.t = end;
  }
}

/** A socket stand-in: `kernel` bytes are taken at once, the rest waits until `drain()`. */
class FakeChannel implements Channel {
  readonly socket = { bytesRead: 0, bytesWritten: 0 } as unknown as Socket;
  chunks: Chunk[] = [];
  waiting = 0;
  kernel = Infinity;
  closed: [number, string] | null = null;
  terminated = false;
  pings = 0;
  paused = false;
  onDrain: () => void = () => {};
  write(chunk: Chunk): void {
    this.chunks.push(chunk);
    const size = chunk.length;
    const taken = Math.min(size, Math.max(0, this.kernel));
    this.kernel -= taken;
    this.waiting += size - taken;
  }
  buffered(): number {
    return this.waiting;
  }
  close(code: number, reason: string): void {
    this.closed = [code, reason];
  }
  terminate(): void {
    this.terminated = true;
  }
  ping(): void {
    this.pings++;
  }
  pauseInput(): void {
    this.paused = true;
  }
  resumeInput(): void {
    this.paused = false;
  }
  /** The reader takes everything waiting (and `kernel` more bytes later). */
  drain(kernel = 0): void {
    this.waiting = 0;
    this.kernel = kernel;
    this.onDrain();
  }
  /** The JSON of every chunk, as the ws-lib form writes them. */
  json(): { type: string; seq?: number }[] {
    return this.chunks.map((c) => JSON.parse(String(c)));
  }
  seqs(): number[] {
    return this.json().filter((f) => f.type === 'message').map((f) => f.seq!);
  }
}

const options: FanOutOptions = {
  maxBufferedBytes: 64 * 1024,
  drainTimeoutMs: 30_000,
  heartbeatMs: 30_000,
  sseHeartbeatMs: 15_000,
  historyLimit: 3,
  retainLimit: 10_000,
  maxAnswerBytes: 2_000,
};

let clock: ManualClock;
let room: MemoryRoom;
let stats: Stats;
let fanout: FanOut;
let sender: string;
let senderSecret: string;

async function joinSender(): Promise<void> {
  ({ clientId: sender, clientSecret: senderSecret } = await room.join({ address: 'a' }));
}

function build(overrides: Partial<FanOutOptions> = {}, retainLimit = options.retainLimit): void {
  clock = new ManualClock();
  room = new MemoryRoom({
    historyLimit: 3,
    retainLimit,
    maxTextLength: 2_000,
    sendRateLimit: 1e9,
    sendRateWindowMs: 10_000,
    sendRateLimitPerAddress: 1e9,
    joinRateLimit: 1e9,
    joinRateWindowMs: 60_000,
    maxClients: 1_000,
    now: clock.now,
  });
  stats = new Stats(clock.now);
  fanout = new FanOut(room, stats, { ...options, ...overrides, retainLimit }, clock);
}

async function post(n: number, text = (i: number) => `message ${i}`): Promise<void> {
  for (let i = 0; i < n; i++) await room.send({ clientId: sender, clientSecret: senderSecret, text: text(i), via: 'short-poll', address: 'a' });
}

async function stream(after: number | undefined, channel = new FakeChannel(), clientId?: string) {
  const peer = fanout.attachStream({
    transport: 'ws-lib',
    clientId,
    channel,
    connection: true,
    form: 'json',
    after,
    epoch: undefined,
    greet: (head) => JSON.stringify({ type: 'welcome', ...head }),
  });
  channel.onDrain = () => peer.drained();
  await peer.ready;
  return { peer, channel };
}

const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

beforeEach(async () => {
  build();
  await joinSender();
});

describe('fan-out: streams', () => {
  it('greets first, then the history, then every live message, each once and in order', async () => {
    await post(5);
    const { channel } = await stream(undefined);
    await post(2);
    expect(channel.json()[0]).toMatchObject({ type: 'welcome', lastSeq: 5, epoch: room.head.epoch, truncated: false });
    expect(channel.seqs()).toEqual([3, 4, 5, 6, 7]);
    expect(stats.snapshot({ ...room.head, clients: 0 }).transports['ws-lib'].delivered).toBe(5);
  });

  it('paces a replay by the socket: never much more than highWater waits, and every message arrives', async () => {
    build({ maxBufferedBytes: 1 << 30 }, 3_000);
    await joinSender();
    await post(2_000, (i) => `${i} `.padEnd(1_000, 'x')); // 2 MB, far beyond the recent cache
    const channel = new FakeChannel();
    channel.kernel = 0;
    const { peer } = await stream(0, channel);
    let rounds = 0;
    let worst = 0;
    while (channel.seqs().length < 2_000 && rounds < 10_000) {
      worst = Math.max(worst, peer.pending());
      channel.drain();
      await settle();
      rounds++;
    }
    expect(channel.seqs()).toEqual(Array.from({ length: 2_000 }, (_, i) => i + 1));
    expect(worst).toBeLessThanOrEqual(fanout.highWater + 1_100);
    expect(rounds).toBeGreaterThan(20); // it really waited for the socket
    expect(channel.closed).toBeNull();
    // Caught up: live messages follow at once.
    await post(1);
    expect(channel.seqs().at(-1)).toBe(2_001);
  });

  it('a live peer that stops reading is dropped as a slow consumer once it owes maxBufferedBytes', async () => {
    build({ maxBufferedBytes: 32 * 1024 });
    await joinSender();
    const channel = new FakeChannel();
    channel.kernel = 0;
    await stream(undefined, channel);
    await post(20, () => 'y'.repeat(1_000));
    expect(channel.closed).toBeNull();
    await post(40, () => 'y'.repeat(1_000));
    expect(channel.closed).toEqual([1008, 'slow consumer']);
    expect(stats.snapshot({ ...room.head, clients: 0 }).transports['ws-lib'].slowConsumers).toBe(1);
    // Its goodbye is not taken: the socket is cut after a linger.
    clock.advance(2_000);
    expect(channel.terminated).toBe(true);
  });

  it('a replay that falls out of the retained window while catching up is dropped', async () => {
    build({ maxBufferedBytes: 1 << 30 }, 500);
    await joinSender();
    await post(400, () => 'z'.repeat(500));
    const channel = new FakeChannel();
    channel.kernel = 0;
    await stream(0, channel);
    await post(600, () => 'z'.repeat(500)); // seq 1..500 leave the window while it is paused
    for (let i = 0; i < 200 && !channel.closed; i++) {
      channel.drain();
      await settle();
    }
    expect(channel.closed).toEqual([1008, 'slow consumer']);
    const seqs = channel.seqs();
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1)); // no gap before the drop
  });

  it('written bytes that do not drain within drainTimeoutMs drop the peer', async () => {
    build({ drainTimeoutMs: 5_000 });
    await joinSender();
    const channel = new FakeChannel();
    channel.kernel = 10;
    await stream(undefined, channel);
    clock.advance(4_000);
    expect(channel.closed).toBeNull();
    clock.advance(2_000);
    expect(channel.closed).toEqual([1008, 'slow consumer']);
  });

  it('a cursor of another epoch or above lastSeq gets the greeting and nothing to replay', async () => {
    await post(3);
    const channel = new FakeChannel();
    const peer = fanout.attachStream({
      transport: 'sse', clientId: undefined, channel, connection: true, form: 'json', after: 1, epoch: 'old-room',
      greet: (head) => JSON.stringify({ type: 'state', ...head }),
    });
    await peer.ready;
    expect(channel.json()).toEqual([{ type: 'state', lastSeq: 3, epoch: room.head.epoch, truncated: false }]);
    await post(1);
    expect(channel.seqs()).toEqual([4]);
  });
});

describe('fan-out: controls', () => {
  it("delays a client's deliveries by its debug delay, in order", async () => {
    const { clientId } = await room.join({ address: 'a' });
    const { channel } = await stream(undefined, new FakeChannel(), clientId);
    fanout.setDelay(clientId, 1_000);
    await post(2);
    expect(channel.seqs()).toEqual([]);
    clock.advance(999);
    expect(channel.seqs()).toEqual([]);
    clock.advance(1);
    expect(channel.seqs()).toEqual([1, 2]);
  });

  it('cut drops every connection of that client, and only of it', async () => {
    const { clientId } = await room.join({ address: 'a' });
    const mine = [await stream(undefined, new FakeChannel(), clientId), await stream(undefined, new FakeChannel(), clientId)];
    const other = await stream(undefined, new FakeChannel(), sender);
    expect(fanout.cut(clientId)).toBe(2);
    expect(mine.map((s) => s.channel.terminated)).toEqual([true, true]);
    expect(other.channel.terminated).toBe(false);
  });

  it('the heartbeat ends a peer that did not answer the previous ping', async () => {
    const a = await stream(undefined);
    const b = await stream(undefined);
    clock.advance(30_000);
    expect([a.channel.pings, b.channel.pings]).toEqual([1, 1]);
    a.peer.alive();
    clock.advance(30_000);
    expect(a.channel.terminated).toBe(false);
    expect(b.channel.terminated).toBe(true);
  });

  it('shutdown says goodbye to every peer with 1001, and a stream opened afterwards gets its greeting then ends', async () => {
    const a = await stream(undefined);
    const echo = fanout.attachEcho({ transport: null, channel: new FakeChannel(), connection: false });
    fanout.shutdown();
    expect(a.channel.closed).toEqual([1001, 'server shutting down']);
    expect((echo.channel as FakeChannel).closed).toEqual([1001, 'server shutting down']);
    const late = await stream(undefined);
    expect(late.channel.json()[0]).toMatchObject({ type: 'welcome' });
    expect(late.channel.closed).toEqual([1001, 'server shutting down']);
  });

  it('detach forgets the peer, its pin and its delay', async () => {
    const { clientId } = await room.join({ address: 'a' });
    const { peer } = await stream(undefined, new FakeChannel(), clientId);
    fanout.setDelay(clientId, 500);
    expect(fanout.size).toBe(1);
    peer.detach();
    expect(fanout.size).toBe(0);
    expect(fanout.delay(clientId)).toBe(0);
    expect(fanout.cut(clientId)).toBe(0);
  });
});

describe('fan-out: echo peers and poll answers', () => {
  it('an echo peer stops being read while its echoes wait, and is read again once they drain', () => {
    const channel = new FakeChannel();
    channel.kernel = 0;
    const peer = fanout.attachEcho({ transport: null, channel, connection: false });
    channel.onDrain = () => peer.drained();
    channel.write('e'.repeat(70_000));
    peer.echoed(1 << 20);
    expect(channel.paused).toBe(true);
    channel.drain(Infinity);
    expect(channel.paused).toBe(false);
    channel.kernel = 0;
    channel.write('e'.repeat(options.maxBufferedBytes + (1 << 20) + 1));
    peer.echoed(1 << 20);
    expect(channel.closed).toEqual([1008, 'slow consumer']);
  });

  it('a poll answer is built from the cached JSON, at most about maxAnswerBytes, with lastSeq and epoch', async () => {
    await post(50, (i) => `text ${i}`.padEnd(100, '.'));
    const { json, count } = await fanout.pollAnswer(0, undefined);
    const body = JSON.parse(json);
    expect(body.lastSeq).toBe(50);
    expect(body.epoch).toBe(room.head.epoch);
    expect(body.messages.length).toBe(count);
    expect(count).toBeGreaterThan(5);
    expect(count).toBeLessThan(50);
    expect(json.length).toBeLessThan(options.maxAnswerBytes + 300);
    expect(body.messages.map((m: { seq: number }) => m.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    // Polls woken by one message share a cursor: their answer is built once.
    expect(fanout.pollAnswer(0, undefined)).toBe(fanout.pollAnswer(0, undefined));
    // One message larger than the cap still goes out alone: a client can always make progress.
    await post(1, () => 'w'.repeat(1_990));
    expect(JSON.parse((await fanout.pollAnswer(50, undefined)).json).messages).toHaveLength(1);
  });
});
