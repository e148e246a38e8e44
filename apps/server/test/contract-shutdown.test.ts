// CONTRACT.md "Running": shutting down answers held long polls (empty list),
// closes WebSockets with 1001 and ends SSE streams. Here through app.close().
import { describe, expect, it } from 'vitest';
import { LongPollHub } from '@wirebench/transports/polling';
import { join, openChat, openWs, send, SseReader, start, until } from './helpers/contract.ts';

describe('app.close()', () => {
  it('answers a held long poll with an empty list, closes both WebSocket stacks with 1001, ends SSE', async () => {
    const hub = new LongPollHub();
    const { app, url, host } = await start({ longPollTimeoutMs: 60_000 }, { hub });
    const { clientId } = await join(app);
    await send(app, clientId, 'before shutdown');

    const poll = fetch(`${url}/api/longpoll?after=1&timeout=60000`).then(async (r) => ({ status: r.status, body: await r.json() }));
    const raw = await openChat(`ws://${host}/ws/raw`, 1);
    const lib = await openChat(`ws://${host}/ws/lib`, 1);
    const sse = new SseReader(`${url}/api/events`);
    await sse.waitFor(2);
    await until(() => hub.size === 1, 'the poll to be held');

    await app.close();

    expect(await poll).toEqual({ status: 200, body: { messages: [], lastSeq: 1, epoch: expect.any(String) } });
    expect((await raw.peer.closed).code).toBe(1001);
    expect((await lib.peer.closed).code).toBe(1001);
    expect(await sse.ended).toBe('end');
    expect(hub.size).toBe(0);
  });

  it('closes the echo endpoints with 1001 too', async () => {
    const { app, host } = await start();
    const raw = await openWs(`ws://${host}/ws/raw/echo`);
    const lib = await openWs(`ws://${host}/ws/lib/echo`);
    await app.close();
    expect((await raw.closed).code).toBe(1001);
    expect((await lib.closed).code).toBe(1001);
  });
});
