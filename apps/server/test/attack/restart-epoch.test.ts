// Finding 9: a cursor from before a restart. CONTRACT v2 "the epoch": polls and
// streams accept `?epoch=`; "when it differs from the room's, the server answers as
// for a cursor above `lastSeq` (no messages, the current `lastSeq` and `epoch`)", so
// "a cursor from an earlier room never silently skips messages of the new one".
import { afterEach, expect, it } from 'vitest';
import { SseReader, type Json } from '../helpers/contract.ts';
import { http, joinFrom, openWire, sleep, startServer, stopAllServers, type ServerProcess } from '../helpers/process.ts';

afterEach(stopAllServers);

async function post(server: ServerProcess, client: Json, count: number, label: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const reply = await http(server, 'POST', '/api/messages', {
      body: { clientId: client.clientId, clientSecret: client.clientSecret, text: `${label} ${i}` },
    });
    expect(reply.status, reply.raw.slice(0, 200)).toBe(201);
  }
}

it('finding 9: after a restart on the same port, the old cursor and old epoch get an empty answer with the new lastSeq and epoch on every transport', async () => {
  // The old room: 3 messages, so an old client holds after=3 and the old epoch.
  const first = await startServer();
  const oldClient = await joinFrom(first, '127.0.0.1', 'before the restart');
  await post(first, oldClient, 3, 'old room');
  const oldRoom = (await http(first, 'GET', '/api/stats')).body.room;
  expect(oldRoom.lastSeq).toBe(3);
  const port = first.port;
  const exit = await first.stop('SIGTERM');
  expect(exit, 'SIGTERM: exit 0').toEqual({ code: 0, signal: null });

  // The new room on the same port: 5 messages, so seq 4 and 5 exist and the old cursor is below lastSeq.
  const server = await startServer({ PORT: String(port) });
  expect(server.port, 'the same port').toBe(port);
  const newClient = await joinFrom(server, '127.0.0.1', 'after the restart');
  await post(server, newClient, 5, 'new room');
  const newRoom = (await http(server, 'GET', '/api/stats')).body.room;
  expect.soft({ old: typeof oldRoom.epoch, new: typeof newRoom.epoch }, 'both rooms have an epoch').toEqual({ old: 'string', new: 'string' });
  expect.soft(newRoom.epoch, 'a restarted in-memory room has another epoch').not.toBe(oldRoom.epoch);
  expect(newRoom.lastSeq).toBe(5);

  const stale = `after=3&epoch=${encodeURIComponent(String(oldRoom.epoch))}`;
  const empty = { messages: [], lastSeq: 5, epoch: newRoom.epoch };

  const poll = await http(server, 'GET', `/api/poll?${stale}`);
  expect.soft({ status: poll.status, body: poll.body }, 'GET /api/poll with the old cursor and epoch').toEqual({ status: 200, body: empty });

  const longPoll = await http(server, 'GET', `/api/longpoll?${stale}&timeout=5000`, { timeoutMs: 8_000 });
  expect.soft({ status: longPoll.status, body: longPoll.body }, 'GET /api/longpoll with the old cursor and epoch').toEqual({ status: 200, body: empty });
  expect.soft(longPoll.ms, 'the long poll answers at once (ms)').toBeLessThan(2_000);

  const sse = new SseReader(`${server.url}/api/events?${stale}`);
  await sse.waitFor(1).catch(() => {});
  await sleep(500);
  const [state] = sse.events;
  expect.soft({ event: state?.event, data: state ? JSON.parse(state.data) : undefined }, 'the SSE state event').toMatchObject({
    event: 'state',
    data: { lastSeq: 5, epoch: newRoom.epoch },
  });
  expect.soft(sse.messages(), 'no messages on the SSE stream').toEqual([]);
  sse.close();

  for (const path of ['/ws/raw', '/ws/lib']) {
    const peer = await openWire(server, `${path}?${stale}`);
    expect.soft(peer.status ?? 0, `${path} handshake`).toBe(101);
    await peer.waitFor(() => peer.json().length > 0, 3_000);
    await sleep(500);
    const [welcome, ...rest] = peer.json();
    expect.soft(welcome, `${path} welcome`).toMatchObject({ type: 'welcome', lastSeq: 5, epoch: newRoom.epoch });
    expect.soft(rest.filter((f) => f.type === 'message'), `${path}: no messages after the welcome`).toEqual([]);
    peer.destroy();
  }

  // The same cursor with the current epoch does get seq 4 and 5: the epoch is what decides.
  const current = await http(server, 'GET', `/api/poll?after=3&epoch=${encodeURIComponent(String(newRoom.epoch))}`);
  expect.soft(current.body?.messages?.map((m: Json) => m.seq), 'after=3 with the current epoch').toEqual([4, 5]);
}, 25_000);
