import { describe, expect, it } from 'vitest';
import type { TransportId } from '@wirebench/transports/contract';
import { CSV_HEADER } from '../src/model/export.ts';
import { applyInspectEvent, type InspectorState } from '../src/model/inspector-feed.ts';
import { MESSAGE_LIMIT } from '../src/model/lane.ts';
import { syncSchedule } from '../src/lib/store.ts';
import { StatsPoller } from '../src/model/stats-poller.ts';
import { Workbench } from '../src/model/workbench.ts';
import { FakeClient, message } from './fake-client.ts';

function setup() {
  let clock = 10_000;
  const clients: FakeClient[] = [];
  const timers: Array<{ fn: () => void; ms: number; live: boolean }> = [];
  const posts: Array<{ url: string; body: unknown }> = [];
  const fetchImpl = (async (url: string, init?: RequestInit) => {
    if (init?.method === 'POST') posts.push({ url, body: JSON.parse(String(init.body)) });
    return new Response(JSON.stringify({}), { status: 200 });
  }) as typeof fetch;
  const wb = new Workbench({
    factory: (t, o) => {
      const c = new FakeClient(t, o);
      clients.push(c);
      return c;
    },
    fetch: fetchImpl,
    baseUrl: 'http://x',
    now: () => clock,
    schedule: syncSchedule,
    EventSource: undefined as unknown as typeof EventSource,
    setInterval: (fn, ms) => {
      const t = { fn, ms, live: true };
      timers.push(t);
      return t;
    },
    clearInterval: (h) => {
      (h as { live: boolean }).live = false;
    },
  });
  const client = (t: TransportId) => clients.filter((c) => c.transport === t).at(-1)!;
  return { wb, clients, client, timers, posts, tick: (ms: number) => (clock += ms), at: () => clock };
}

describe('Workbench lanes', () => {
  it('starts the three default lanes and connects them', () => {
    const { wb, clients } = setup();
    wb.start();
    expect(wb.lanes.getSnapshot().map((l) => l.transport)).toEqual(['ws-raw', 'short-poll', 'long-poll']);
    expect(clients.every((c) => c.calls[0] === 'connect')).toBe(true);
    wb.addLane('sse');
    wb.addLane('ws-lib');
    wb.addLane('sse');
    expect(wb.lanes.getSnapshot().map((l) => l.transport)).toEqual(['ws-raw', 'ws-lib', 'short-poll', 'long-poll', 'sse']);
    wb.stop();
  });

  it('measures exact latency of own messages per lane on one clock', () => {
    const { wb, client, tick, at } = setup();
    wb.start();
    for (const t of ['ws-raw', 'short-poll', 'long-poll'] as const) client(t).join(`id-${t}`, 3);
    const sentAt = at();
    const id = wb.send('ws-raw', 'hello')!;
    // The client picks the id (random in the real ones); the page measures under it.
    expect(client('ws-raw').sent[0]!.options?.clientMsgId).toBeUndefined();
    expect(id).toBe('ws-raw-random-1');
    tick(5);
    client('ws-raw').emit('ack', { clientMsgId: id, seq: 4 });
    const m = message(4, { clientMsgId: id, clientId: 'id-ws-raw', via: 'ws-raw', serverTime: 50_000 });
    client('ws-raw').emit('message', m, sentAt + 3);
    client('short-poll').emit('message', m, sentAt + 700);
    client('long-poll').emit('message', m, sentAt + 20);
    const lat = (t: TransportId) => wb.lane(t)!.store.getSnapshot().messages.at(-1)!;
    expect(lat('ws-raw')).toMatchObject({ latencyMs: 3, estimated: false, own: true, history: false });
    expect(lat('short-poll').latencyMs).toBe(700);
    expect(lat('long-poll').latencyMs).toBe(20);
    // Offset: the server stamped 50 000 at about sentAt + 2.5 (half the 5 ms ack round trip).
    expect(wb.measurements.offset).toMatchObject({ offsetMs: 50_000 - (sentAt + 2.5), rttMs: 5 });
    expect(wb.measurements.seqs).toEqual([4]);
    expect(wb.measurements.latencyByLane.get('short-poll')!.values).toEqual([700]);

    // Someone else's message: estimated against serverTime with that offset.
    const other = message(5, { serverTime: 50_100 });
    client('ws-raw').emit('message', other, sentAt + 2.5 + 100 + 8);
    expect(lat('ws-raw')).toMatchObject({ estimated: true, own: false });
    expect(lat('ws-raw').latencyMs).toBeCloseTo(8, 6);
    wb.stop();
  });

  it('does not measure replayed history, but shows it', () => {
    const { wb, client } = setup();
    wb.start(['short-poll']);
    client('short-poll').join('a', 2);
    client('short-poll').emit('message', message(1), 1);
    client('short-poll').emit('message', message(2), 2);
    const s = wb.lane('short-poll')!.store.getSnapshot();
    expect(s.messages.map((m) => [m.seq, m.history, m.latencyMs])).toEqual([
      [1, true, null],
      [2, true, null],
    ]);
    expect(wb.measurements.samples).toHaveLength(0);
    wb.stop();
  });

  it('caps the rendered message list and counts gaps and duplicates', () => {
    const { wb, client } = setup();
    wb.start(['long-poll']);
    client('long-poll').join('a', 0);
    for (let s = 1; s <= MESSAGE_LIMIT + 50; s++) client('long-poll').emit('message', message(s), s);
    client('long-poll').emit('message', message(10), 1);
    client('long-poll').emit('message', message(MESSAGE_LIMIT + 52), 1);
    const s = wb.lane('long-poll')!.store.getSnapshot();
    expect(s.messages).toHaveLength(MESSAGE_LIMIT);
    expect(s.messages.at(-1)!.seq).toBe(MESSAGE_LIMIT + 52);
    expect(s.seq).toMatchObject({ duplicates: 1, gaps: 1 });
    wb.stop();
  });

  it('keeps a pending record once, updated in place, for the timeline (its bytes are the client\'s to count)', () => {
    const { wb, client } = setup();
    wb.start(['long-poll']);
    const base = {
      id: 1,
      transport: 'long-poll' as const,
      kind: 'http' as const,
      method: 'GET',
      url: '/api/longpoll?after=0',
      startedAt: 0,
      estimated: true,
      messages: 0,
    };
    client('long-poll').emit('request', { ...base, headerBytesUp: 100, payloadBytesUp: 0, headerBytesDown: 0, payloadBytesDown: 0 });
    client('long-poll').emit('request', {
      ...base,
      endedAt: 30_000,
      status: 200,
      empty: true,
      headerBytesUp: 100,
      payloadBytesUp: 0,
      headerBytesDown: 150,
      payloadBytesDown: 30,
    });
    const s = wb.lane('long-poll')!.store.getSnapshot();
    expect(s.records).toHaveLength(1);
    expect(s.records[0]!.endedAt).toBe(30_000);
    expect(s.records[0]).toMatchObject({ status: 200, headerBytesDown: 150, payloadBytesDown: 30 });
    wb.stop();
  });
});

describe('Workbench controls', () => {
  it('applies poll interval and long-poll timeout live to the right clients', () => {
    const { wb, client } = setup();
    wb.start();
    wb.setPollInterval(250);
    wb.setLongPollTimeout(5000);
    expect(client('short-poll').optionsSet).toEqual([{ pollIntervalMs: 250 }]);
    expect(client('long-poll').optionsSet).toEqual([{ longPollTimeoutMs: 5000 }]);
    expect(client('ws-raw').optionsSet).toEqual([]);
    wb.stop();
  });

  it('auto-sender goes round-robin over unpaused lanes', () => {
    const { wb, client, timers } = setup();
    wb.start();
    wb.lane('short-poll')!.client.pause();
    wb.startAutoSend(100, 'round-robin');
    const auto = timers.find((t) => t.ms === 100)!;
    for (let i = 0; i < 4; i++) auto.fn();
    expect(client('ws-raw').sent).toHaveLength(2);
    expect(client('long-poll').sent).toHaveLength(2);
    expect(client('short-poll').sent).toHaveLength(0);
    expect(wb.settings.getSnapshot().autoSend).toMatchObject({ running: true, sent: 4 });
    wb.stopAutoSend();
    expect(auto.live).toBe(false);
    wb.stop();
  });

  it('server-side cut and delay act on the lane with its own secret when the page has no teacher key', async () => {
    const { wb, client, posts } = setup();
    wb.start();
    client('long-poll').join('lp-1', 0);
    await wb.serverCut('long-poll');
    await wb.serverDelay('long-poll', 800);
    expect(posts).toEqual([
      { url: 'http://x/api/debug/cut', body: { clientId: 'lp-1', clientSecret: 'secret-of-lp-1' } },
      { url: 'http://x/api/debug/delay', body: { clientId: 'lp-1', clientSecret: 'secret-of-lp-1', ms: 800 } },
    ]);
    expect(wb.lane('long-poll')!.store.getSnapshot().serverDelayMs).toBe(800);
    wb.stop();
  });

  it('a lane without an identity yet sends no debug request', async () => {
    const { wb, posts } = setup();
    wb.start();
    await wb.serverCut('short-poll');
    expect(posts).toEqual([]);
    wb.stop();
  });

  it('a send through a removed lane is refused in words, not thrown', () => {
    const { wb, client } = setup();
    wb.start(['sse']);
    client('sse').join('s-1', 0);
    client('sse').setSnap({ status: 'removed' });
    expect(wb.send('sse', 'still here?')).toBeNull();
    expect(wb.lane('sse')!.store.getSnapshot().lastError).toMatch(/not sent: client is removed/);
    wb.stop();
  });

  it('remembers every clientId its lanes were given, across a reset', () => {
    const { wb, client } = setup();
    wb.start(['ws-raw', 'long-poll']);
    client('ws-raw').join('w-1', 0);
    client('long-poll').join('l-1', 0);
    wb.reset();
    client('ws-raw').join('w-2', 0);
    expect([...wb.ownIds.getSnapshot()].sort()).toEqual(['l-1', 'w-1', 'w-2']);
    wb.stop();
  });

  it('reset clears measurements and reconnects the same lanes with new clients', () => {
    const { wb, client, clients } = setup();
    wb.start(['ws-raw', 'sse']);
    client('ws-raw').join('a', 0);
    const id = wb.send('ws-raw', 'x')!;
    client('ws-raw').emit('message', message(1, { clientMsgId: id }), 1);
    expect(wb.measurements.samples).toHaveLength(1);
    const old = clients.slice();
    wb.reset();
    expect(old.every((c) => c.calls.includes('close'))).toBe(true);
    expect(clients).toHaveLength(4);
    expect(wb.measurements.samples).toHaveLength(0);
    expect(wb.measurements.seqs).toHaveLength(0);
    expect(wb.lanes.getSnapshot().map((l) => l.transport)).toEqual(['ws-raw', 'sse']);
    wb.stop();
  });

  it('exports CSV rows and JSON with per-lane percentiles', () => {
    const { wb, client, at } = setup();
    wb.start(['ws-raw']);
    client('ws-raw').join('a', 0);
    const id = wb.send('ws-raw', 'x')!;
    client('ws-raw').emit('message', message(1, { clientMsgId: id, text: 'a, "quoted"' }), at() + 12);
    const csv = wb.exportCsv().trim().split('\n');
    expect(csv[0]).toBe(CSV_HEADER.join(','));
    expect(csv[1]).toMatch(new RegExp(`^1,ws-raw,${id},[0-9.]+,1000001,12\\.000,false$`));
    const json = JSON.parse(wb.exportJson());
    expect(json.lanes[0].transport).toBe('ws-raw');
    expect(json.lanes[0].latency.exact).toMatchObject({ count: 1, p50: 12 });
    expect(json.lanes[0].latency.estimated.p50).toBeNull();
    wb.stop();
  });
});

describe('StatsPoller', () => {
  it('derives server requests per second from the summed counters', () => {
    const p = new StatsPoller({ fetch: fetch, baseUrl: '', now: () => 0, schedule: syncSchedule });
    const stats = (requests: number) => ({
      transports: Object.fromEntries(
        ['ws-raw', 'ws-lib', 'short-poll', 'long-poll', 'sse'].map((t) => [
          t,
          { connections: 1, requests, bytesIn: 0, bytesOut: 0, delivered: 0 },
        ]),
      ) as never,
      room: { lastSeq: 0, epoch: 'e1', clients: 5 },
    });
    p.accept(stats(10), 1000);
    expect(p.store.getSnapshot().requestsPerSecond).toBeNull();
    p.accept(stats(14), 3000); // 5 transports × 4 requests in 2 s
    expect(p.store.getSnapshot().requestsPerSecond).toBe(10);
  });
});

describe('clock offset from /api/stats', () => {
  it('each stats answer with serverTime is a clock sample; the shortest round trip wins', async () => {
    let clock = 1_000;
    const answers = [
      { serverTime: 91_000, rtt: 40 }, // offset 91_000 - (1_000 + 20)
      { serverTime: 91_060, rtt: 10 }, // the tighter sample
      { serverTime: 95_000, rtt: 200 }, // a slow one: ignored
    ];
    let i = 0;
    const fetchImpl = (async (url: string) => {
      if (url.endsWith('/api/info')) return new Response(JSON.stringify({ version: 'x', joinUrls: [], config: {} }), { status: 200 });
      const a = answers[i++]!;
      clock += a.rtt;
      return new Response(
        JSON.stringify({ transports: {}, room: { lastSeq: 0, epoch: 'e1', clients: 0 }, serverTime: a.serverTime }),
        { status: 200 },
      );
    }) as unknown as typeof fetch;
    const samples: Array<[number, number, number]> = [];
    const p = new StatsPoller({
      fetch: fetchImpl,
      baseUrl: '',
      now: () => clock,
      schedule: syncSchedule,
      onClockSample: (sentAt, answeredAt, serverTime) => samples.push([sentAt, answeredAt, serverTime]),
    });
    for (let n = 0; n < 3; n++) {
      await p.tick();
      clock += 1000;
    }
    expect(samples).toEqual([
      [1_000, 1_040, 91_000],
      [2_040, 2_050, 91_060],
      [3_050, 3_250, 95_000],
    ]);

    const { wb } = setup();
    for (const [a, b, t] of samples) wb.measurements.learnClock(a, b, t);
    expect(wb.measurements.offset).toEqual({ offsetMs: 91_060 - 2_045, rttMs: 10, samples: 3 });
  });
});

describe('inspector feed', () => {
  it('keeps the handshake and at most 200 frames', () => {
    let s: InspectorState = { clientId: 'a', connected: true, handshake: null, frames: [], closes: [], error: null };
    for (let i = 0; i < 250; i++) {
      s = applyInspectEvent(s, {
        kind: 'frame',
        connectionId: 1,
        at: i,
        direction: 'in',
        fin: true,
        rsv: [false, false, false],
        opcode: 1,
        opcodeName: 'text',
        masked: true,
        maskKeyHex: '37fa213d',
        lengthForm: 7,
        payloadLength: 5,
        headerHex: '8185',
        wireHex: '7f9f4d5158',
        payloadHex: '48656c6c6f',
        text: 'Hello',
        truncated: false,
      });
    }
    expect(s.frames).toHaveLength(200);
    expect(s.frames[0]!.at).toBe(50);
  });
});
