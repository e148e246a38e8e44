import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TransportId } from '@wirebench/transports/contract';
import { CSV_HEADER } from '../src/model/export.ts';
import { applyInspectEvent, type InspectorState } from '../src/model/inspector-feed.ts';
import { MESSAGE_LIMIT } from '../src/model/lane.ts';
import { BURST, BUSY_INTERVAL_MS, frameSchedule, syncSchedule, type Schedule } from '../src/lib/store.ts';
import { StatsPoller } from '../src/model/stats-poller.ts';
import { LONG_POLL_TIMEOUT_RANGE, Workbench } from '../src/model/workbench.ts';
import { delivered, FakeClient, message } from './fake-client.ts';

function setup(schedule: Schedule = syncSchedule) {
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
    schedule,
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
    client('ws-raw').emit('message', m, sentAt + 3, delivered());
    client('short-poll').emit('message', m, sentAt + 700, delivered());
    client('long-poll').emit('message', m, sentAt + 20, delivered());
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
    client('ws-raw').emit('message', other, sentAt + 2.5 + 100 + 8, delivered());
    expect(lat('ws-raw')).toMatchObject({ estimated: true, own: false });
    expect(lat('ws-raw').latencyMs).toBeCloseTo(8, 6);
    wb.stop();
  });

  it('does not measure replayed history, but shows it', () => {
    const { wb, client } = setup();
    wb.start(['short-poll']);
    client('short-poll').join('a', 2);
    client('short-poll').emit('message', message(1), 1, delivered('history'));
    client('short-poll').emit('message', message(2), 2, delivered('history'));
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
    for (let s = 1; s <= MESSAGE_LIMIT + 50; s++) client('long-poll').emit('message', message(s), s, delivered());
    client('long-poll').emit('message', message(10), 1, delivered());
    client('long-poll').emit('message', message(MESSAGE_LIMIT + 52), 1, delivered());
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

describe('redrawing under load', () => {
  afterEach(() => vi.useRealTimers());

  it('a lane flooded with messages is redrawn once a second, but pausing it shows at the next frame', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    // 100 ms past a whole second of the page clock, so the flood below ends 100 ms past one too.
    vi.advanceTimersByTime(BUSY_INTERVAL_MS - (performance.now() % BUSY_INTERVAL_MS) + 100);
    const { wb, client } = setup(frameSchedule);
    wb.start();
    client('ws-raw').join('id-ws-raw', 0);
    const lane = wb.lane('ws-raw')!;
    const redraws: Array<{ status: string; messages: number }> = [];
    lane.store.subscribe(() => redraws.push({ status: lane.store.getView().client.status, messages: lane.store.getView().messages.length }));
    vi.advanceTimersByTime(3 * BUSY_INTERVAL_MS);
    redraws.length = 0;
    // Three seconds at 20 messages a second.
    for (let seq = 1; seq <= 60; seq++) {
      client('ws-raw').emit('message', message(seq), Date.now(), delivered());
      vi.advanceTimersByTime(50);
    }
    expect(redraws.length).toBeLessThanOrEqual(BURST + 3 + 1);
    expect(lane.store.getView().messages.length).toBeLessThan(60);
    // The teacher pauses it: the card says so at the next frame, not at the next whole second.
    const shown = redraws.length;
    lane.client.pause();
    vi.advanceTimersByTime(16);
    expect(redraws.length, JSON.stringify(redraws)).toBe(shown + 1);
    expect(redraws.at(-1)).toEqual({ status: 'paused', messages: 60 });
    wb.stop();
  });
});

describe("this page's own identities", () => {
  afterEach(() => vi.useRealTimers());

  it('are told the moment each lane joins, however many join at once, so a reload right after finds them all', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
    const { wb, client } = setup(frameSchedule);
    const saved: string[][] = [];
    wb.ownIds.set(new Set(['from-the-last-load']));
    wb.ownIds.subscribe(() => saved.push([...wb.ownIds.getSnapshot()]));
    wb.start();
    wb.addLane('ws-lib');
    wb.addLane('sse');
    // Five lanes join within one frame: more changes than a paced store would tell at once.
    for (const t of ['ws-raw', 'ws-lib', 'short-poll', 'long-poll', 'sse'] as const) client(t).join(`id-${t}`, 0);
    expect(saved.at(-1)).toEqual(['from-the-last-load', 'id-ws-raw', 'id-ws-lib', 'id-short-poll', 'id-long-poll', 'id-sse']);
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
    client('ws-raw').emit('message', message(1, { clientMsgId: id }), 1, delivered());
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
    client('ws-raw').emit('message', message(1, { clientMsgId: id, text: 'a, "quoted"' }), at() + 12, delivered());
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

describe('numbers that never mislead (#12)', () => {
  const request = (id: number, startedAt: number, extra: object = {}) => ({
    id,
    transport: 'short-poll' as const,
    kind: 'http' as const,
    method: 'GET',
    url: '/api/poll',
    startedAt,
    estimated: true,
    messages: 0,
    headerBytesUp: 100,
    payloadBytesUp: 0,
    headerBytesDown: 0,
    payloadBytesDown: 0,
    ...extra,
  });

  it('pause/resume: caught-up messages are counted as caught up, never as latency samples', () => {
    const { wb, client, tick, at } = setup();
    wb.start(['ws-raw', 'long-poll']);
    client('ws-raw').join('w', 0);
    client('long-poll').join('l', 0);
    const id = wb.send('ws-raw', 'live')!;
    tick(20);
    for (const t of ['ws-raw', 'long-poll'] as const) client(t).emit('message', message(1, { clientMsgId: id }), at(), delivered());
    wb.lane('long-poll')!.client.pause();
    tick(9_000);
    wb.lane('long-poll')!.client.resume();
    // Posted by others during the pause, delivered on resume: 9 s after their serverTime.
    client('long-poll').emit('message', message(2), at(), delivered('catch-up'));
    client('long-poll').emit('message', message(3), at(), delivered('catch-up'));
    const s = wb.lane('long-poll')!.store.getSnapshot();
    expect(s.caughtUp).toBe(2);
    expect(s.messages.slice(-2).map((m) => [m.seq, m.caughtUp, m.latencyMs])).toEqual([
      [2, true, null],
      [3, true, null],
    ]);
    expect(wb.measurements.samples.map((x) => [x.lane, x.seq])).toEqual([
      ['ws-raw', 1],
      ['long-poll', 1],
    ]);
    expect(wb.measurements.percentiles('long-poll')).toMatchObject({ count: 1, max: 20 });
    wb.stop();
  });

  it('pause/resume: text typed into a paused lane counts its latency from when it left, not from when it was typed', () => {
    const { wb, client, tick, at } = setup();
    wb.start(['ws-raw', 'long-poll']);
    client('ws-raw').join('w', 0);
    client('long-poll').join('l', 0);
    wb.lane('long-poll')!.client.pause();
    const id = wb.send('long-poll', 'typed while paused')!;
    expect(wb.lane('long-poll')!.store.getSnapshot().deferredSends).toBe(1);
    tick(8_000);
    wb.lane('long-poll')!.client.resume(); // status 'open': the client writes it now
    expect(wb.lane('long-poll')!.store.getSnapshot().deferredSends).toBe(0);
    tick(5);
    client('long-poll').emit('ack', { clientMsgId: id, seq: 1 });
    tick(10);
    const m = message(1, { clientMsgId: id, serverTime: 70_000 });
    client('ws-raw').emit('message', m, at(), delivered());
    client('long-poll').emit('message', m, at() + 30, delivered());
    expect(wb.measurements.samples.map((x) => [x.lane, x.latencyMs, x.estimated])).toEqual([
      ['ws-raw', 15, false],
      ['long-poll', 45, false],
    ]);
    // The clock offset is learned from when it left (a 5 ms round trip), not from an 8 s wait.
    expect(wb.measurements.offset).toMatchObject({ rttMs: 5 });
    wb.stop();
  });

  it('reset: the new clients\' replayed history is shown, never measured', () => {
    const { wb, client } = setup();
    wb.start(['short-poll']);
    client('short-poll').join('a', 0);
    client('short-poll').emit('message', message(1), 1, delivered());
    wb.reset();
    client('short-poll').join('b', 1);
    client('short-poll').emit('message', message(1), 2, delivered('history'));
    const s = wb.lane('short-poll')!.store.getSnapshot();
    expect(s.messages.map((m) => [m.seq, m.history, m.latencyMs])).toEqual([[1, true, null]]);
    expect(wb.measurements.samples).toHaveLength(0);
    wb.stop();
  });

  it('a server restart (another epoch) starts the seq counts over: seq 1 of the new room is no duplicate', () => {
    const { wb, client } = setup();
    wb.start(['ws-raw']);
    client('ws-raw').join('a', 0);
    for (const seq of [1, 2, 3]) client('ws-raw').emit('message', message(seq), seq, delivered('live', 'e1'));
    client('ws-raw').emit('message', message(1), 10, delivered('catch-up', 'e2'));
    client('ws-raw').emit('message', message(2), 11, delivered('live', 'e2'));
    expect(wb.lane('ws-raw')!.store.getSnapshot().seq).toMatchObject({
      epoch: 'e2',
      roomRestarts: 1,
      duplicates: 0,
      gaps: 0,
      first: 1,
      highest: 2,
    });
    wb.stop();
  });

  it('the auto-sender stops, and says why, when its target lane is removed', () => {
    const { wb, client, timers } = setup();
    wb.start();
    wb.startAutoSend(100, 'long-poll');
    const auto = timers.find((t) => t.ms === 100)!;
    auto.fn();
    auto.fn();
    expect(client('long-poll').sent).toHaveLength(2);
    wb.removeLane('long-poll');
    expect(wb.settings.getSnapshot().autoSend).toMatchObject({ running: false, sent: 2, stoppedBecause: 'target-removed' });
    expect(auto.live).toBe(false);
    // Removing another lane while round-robin runs does not stop it; starting again clears the reason.
    wb.startAutoSend(100, 'round-robin');
    expect(wb.settings.getSnapshot().autoSend).toMatchObject({ running: true, stoppedBecause: null });
    wb.removeLane('short-poll');
    expect(wb.settings.getSnapshot().autoSend.running).toBe(true);
    wb.stop();
  });

  it('requests per second count each request in the second it started, however the sampler ticks', () => {
    const { wb, client, at, tick } = setup();
    wb.start(['short-poll']);
    const t0 = at();
    // A poll every 1 000 ms starting 30 ms into the run; each record comes twice (pending, then ended).
    let next = 1;
    const due: number[] = [];
    for (let k = 0; k < 8; k++) due.push(t0 + 30 + k * 1_000);
    // The sampler runs late and unevenly: at 1.0, 2.3, 2.4, 4.9, 5.0, 6.6, 8.2 s.
    for (const sampleAt of [1_000, 2_300, 2_400, 4_900, 5_000, 6_600, 8_200]) {
      while (due.length > 0 && due[0]! <= t0 + sampleAt) {
        const startedAt = due.shift()!;
        const id = next++;
        client('short-poll').emit('request', request(id, startedAt));
        client('short-poll').emit('request', request(id, startedAt, { endedAt: startedAt + 20, status: 200 }));
      }
      tick(t0 + sampleAt - at());
      wb.sampleCounters();
    }
    expect(Array.from(wb.sampler.rateT.view())).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(wb.sampler.perSecond.get('short-poll')).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(wb.sampler.perSecond.get('ws-raw')).toEqual([null, null, null, null, null, null, null, null]);
    wb.stop();
  });

  it(`the long-poll timeout is clamped to the contract's ${LONG_POLL_TIMEOUT_RANGE.minMs}–${LONG_POLL_TIMEOUT_RANGE.maxMs} ms`, () => {
    const { wb, client } = setup();
    wb.start(['long-poll']);
    wb.setLongPollTimeout(-5);
    wb.setLongPollTimeout(10 ** 9);
    wb.setLongPollTimeout(Number.NaN);
    wb.setLongPollTimeout(1234.4);
    expect(client('long-poll').optionsSet).toEqual([{ longPollTimeoutMs: 0 }, { longPollTimeoutMs: 60_000 }, { longPollTimeoutMs: 60_000 }, { longPollTimeoutMs: 1234 }]);
    expect(wb.settings.getSnapshot().longPollTimeoutMs).toBe(1234);
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
