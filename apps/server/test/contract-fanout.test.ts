// CONTRACT.md, first paragraph: "a message posted through any lane reaches
// every lane, in the same order, with the same seq" and "seq: 1, 2, 3 … with
// no gaps". Senders on all five lanes at once; readers on all five lanes.
import { afterEach, describe, expect, it } from 'vitest';
import { appPool, fetchJson, openChat, SseReader, type Json, type WsPeer } from './helpers/contract.ts';

const pool = appPool();
afterEach(() => pool.closeAll());

describe('one room, five lanes', () => {
  it('concurrent sends from every lane reach every lane in the same order with the same seq', async () => {
    const s = await pool.listening({ sendRateLimit: 10_000, longPollTimeoutMs: 60_000 });
    const PER_LANE = 30;
    const total = PER_LANE * 5;

    // Readers.
    const rawReader = await openChat(`ws://${s.host}/ws/raw`);
    const libReader = await openChat(`ws://${s.host}/ws/lib`);
    const sse = new SseReader(`${s.url}/api/events`);
    await sse.waitFor(1);
    const longPolled: Json[] = [];
    const longPollLoop = (async () => {
      let after = 0;
      while (after < total) {
        const { body } = await fetchJson(`${s.url}/api/longpoll?after=${after}&timeout=60000`);
        longPolled.push(...body.messages);
        if (body.messages.length > 0) after = body.messages[body.messages.length - 1].seq;
      }
    })();

    // Senders: two WebSocket clients and three HTTP lanes, all at once.
    const rawSender = await openChat(`ws://${s.host}/ws/raw`);
    const libSender = await openChat(`ws://${s.host}/ws/lib`);
    const httpSender = (await fetchJson(`${s.url}/api/join`, {})).body.clientId;
    const wsSend = (peer: WsPeer, lane: string): void => {
      for (let i = 0; i < PER_LANE; i++) peer.sendJson({ type: 'send', text: `${lane} ${i}`, clientMsgId: `${lane}-${i}` });
    };
    wsSend(rawSender.peer, 'ws-raw');
    wsSend(libSender.peer, 'ws-lib');
    const posts = (['short-poll', 'long-poll', 'sse'] as const).flatMap((via) =>
      Array.from({ length: PER_LANE }, (_, i) =>
        fetchJson(`${s.url}/api/messages`, { clientId: httpSender, text: `${via} ${i}`, clientMsgId: `${via}-${i}`, via }),
      ),
    );
    for (const res of await Promise.all(posts)) expect(res.status).toBe(201);

    const readAll = async (peer: WsPeer): Promise<Json[]> => {
      const out: Json[] = [];
      while (out.length < total) {
        const f = await peer.next();
        if (f.type === 'message') out.push(f);
      }
      return out;
    };
    const [onRaw, onLib, onRawSender, onLibSender] = await Promise.all([
      readAll(rawReader.peer),
      readAll(libReader.peer),
      readAll(rawSender.peer),
      readAll(libSender.peer),
    ]);
    await sse.waitFor(total + 1);
    await longPollLoop;
    const { body: polled } = await fetchJson(`${s.url}/api/poll?after=0`);

    const expected = Array.from({ length: total }, (_, i) => i + 1);
    expect(polled.messages.map((m: Json) => m.seq)).toEqual(expected);
    for (const [lane, got] of Object.entries({ onRaw, onLib, onRawSender, onLibSender, sse: sse.messages(), longPolled })) {
      expect(got, lane).toEqual(polled.messages);
    }
    // Every lane's sends are there, each in its own order, with its own via.
    for (const via of ['ws-raw', 'ws-lib', 'short-poll', 'long-poll', 'sse']) {
      const mine = polled.messages.filter((m: Json) => m.via === via);
      expect(mine).toHaveLength(PER_LANE);
      if (via.startsWith('ws-')) expect(mine.map((m: Json) => m.text)).toEqual(Array.from({ length: PER_LANE }, (_, i) => `${via} ${i}`));
    }
    for (const p of [rawReader, libReader, rawSender, libSender]) await p.peer.close();
    sse.close();
  });
});
