// Finding 8: identities and sends from one address. CONTRACT v2: "429 RATE_LIMITED …
// too many joins or connections from one address"; JOIN_RATE_LIMIT counts new
// identities (joins, and WebSockets without a known id) per address per 60 s;
// MAX_CLIENTS bounds the identities remembered but never forgets one with an open
// WebSocket or SSE stream; SEND_RATE_LIMIT_PER_ADDRESS holds all clients of one
// address together.
import { afterEach, expect, it } from 'vitest';
import { wireFrame, type Json } from '../helpers/contract.ts';
import {
  expectSurvived,
  fillRoom,
  http,
  joinFrom,
  openWire,
  roomSnapshot,
  startServer,
  stopAllServers,
  type WirePeer,
} from '../helpers/process.ts';

afterEach(stopAllServers);

/** `clientId=…&clientSecret=…` (the secret left out if the server gave none: that is checked on its own). */
const wsQuery = (client: Json): string =>
  `clientId=${encodeURIComponent(client.clientId)}` +
  (typeof client.clientSecret === 'string' ? `&clientSecret=${encodeURIComponent(client.clientSecret)}` : '');

/** A send frame on an open chat WebSocket, and the answer to it (ack or error). */
async function sendOn(peer: WirePeer, text: string, clientMsgId: string): Promise<Json> {
  const answered = (): Json => peer.json().find((f) => (f.type === 'ack' || f.type === 'error') && (f.clientMsgId === clientMsgId || f.type === 'error'));
  await peer.write(wireFrame(1, JSON.stringify({ type: 'send', text, clientMsgId })));
  await peer.waitFor(() => answered() !== undefined, 5_000);
  return answered() ?? { type: 'no answer within 5 s', closeCode: peer.closeCode, ended: peer.ended };
}

it('finding 8a: joins beyond JOIN_RATE_LIMIT from one address get 429 (WebSocket handshakes too) while another address still joins', async () => {
  const server = await startServer({ JOIN_RATE_LIMIT: '20' });
  await fillRoom(server, 3, (i) => `seed ${i}`, '127.0.0.9');
  const before = await roomSnapshot(server);

  const statuses: number[] = [];
  let first: Json;
  for (let i = 0; i < 25; i++) {
    const reply = await http(server, 'POST', '/api/join', { body: { name: `flood ${i}` }, from: '127.0.0.1' });
    statuses.push(reply.status);
    if (i === 0) first = reply.body;
    if (i === 24) expect.soft(reply.body?.error?.code, 'the 25th join').toBe('RATE_LIMITED');
  }
  expect(statuses, 'the 25 joins from 127.0.0.1').toEqual([...Array(20).fill(201), ...Array(5).fill(429)]);
  expect.soft(typeof first.clientSecret, 'a join gives a clientSecret').toBe('string');

  const other = await http(server, 'POST', '/api/join', { body: { name: 'another student' }, from: '127.0.0.2' });
  expect(other.status, 'a join from 127.0.0.2').toBe(201);

  // New identities over WebSockets count too; a known identity is not a new one.
  for (const path of ['/ws/raw', '/ws/lib']) {
    const fresh = await openWire(server, path, { from: '127.0.0.1' });
    expect.soft(fresh.status ?? 0, `${path} without an id from the exhausted address`).toBe(429);
    fresh.destroy();
    const known = await openWire(server, `${path}?${wsQuery(first)}`, { from: '127.0.0.1' });
    expect.soft(known.status ?? 0, `${path} with a known id and secret from the exhausted address`).toBe(101);
    await known.waitFor(() => known.json().length > 0, 3_000);
    expect.soft(known.json()[0], `${path}: the welcome keeps the identity`).toMatchObject({ type: 'welcome', clientId: first.clientId });
    known.destroy();
    const elsewhere = await openWire(server, path, { from: '127.0.0.3' });
    expect.soft(elsewhere.status ?? 0, `${path} without an id from 127.0.0.3`).toBe(101);
    elsewhere.destroy();
  }
  await expectSurvived(server, before);
}, 20_000);

it('finding 8b: with MAX_CLIENTS=50, clients holding /ws/raw and /ws/lib still send after 200 other identities were created', async () => {
  const server = await startServer({ MAX_CLIENTS: '50' });
  const raw = await openWire(server, '/ws/raw', { from: '127.0.0.2' });
  const lib = await openWire(server, '/ws/lib', { from: '127.0.0.3' });
  await raw.waitFor(() => raw.json().length > 0, 3_000);
  await lib.waitFor(() => lib.json().length > 0, 3_000);
  expect(raw.json()[0]?.type, '/ws/raw welcome').toBe('welcome');
  expect(lib.json()[0]?.type, '/ws/lib welcome').toBe('welcome');

  const joined: Json[] = [];
  for (const from of ['127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7']) {
    for (let i = 0; i < 50; i++) joined.push(await joinFrom(server, from, `crowd ${from} ${i}`));
  }

  const before = await roomSnapshot(server);
  expect.soft(await sendOn(raw, 'still here on /ws/raw', 'raw-after-crowd'), '/ws/raw after 200 joins').toEqual({
    type: 'ack',
    clientMsgId: 'raw-after-crowd',
    seq: before.lastSeq + 1,
  });
  expect.soft(await sendOn(lib, 'still here on /ws/lib', 'lib-after-crowd'), '/ws/lib after 200 joins').toEqual({
    type: 'ack',
    clientMsgId: 'lib-after-crowd',
    seq: before.lastSeq + 2,
  });

  // MAX_CLIENTS is in force: the oldest of the 200 joins, with nothing open, is forgotten.
  const oldest = joined[0];
  const forgotten = await http(server, 'POST', '/api/messages', {
    body: { clientId: oldest.clientId, clientSecret: oldest.clientSecret, text: 'am I remembered?' },
    from: '127.0.0.4',
  });
  expect.soft({ status: forgotten.status, code: forgotten.body?.error?.code }, 'the oldest joined identity, beyond MAX_CLIENTS').toEqual({
    status: 404,
    code: 'UNKNOWN_CLIENT',
  });
  raw.destroy();
  lib.destroy();
  const after = await roomSnapshot(server);
  expect(after.lastSeq, 'the two sends are stored, nothing else').toBe(before.lastSeq + 2);
  await expectSurvived(server, after);
}, 20_000);

it('finding 8c: one address rotating 10 client ids is held to SEND_RATE_LIMIT_PER_ADDRESS (201s vs 429s); another address still sends', async () => {
  const PER_ADDRESS = 50;
  const server = await startServer({ SEND_RATE_LIMIT_PER_ADDRESS: String(PER_ADDRESS), SEND_RATE_LIMIT: '300' });
  const clients: Json[] = [];
  for (let i = 0; i < 10; i++) clients.push(await joinFrom(server, '127.0.0.1', `rotating ${i}`));
  const before = await roomSnapshot(server);

  const tally: Record<string, number> = {};
  const started = performance.now();
  for (let i = 0; i < 2 * PER_ADDRESS; i++) {
    const client = clients[i % clients.length];
    const reply = await http(server, 'POST', '/api/messages', {
      body: { clientId: client.clientId, clientSecret: client.clientSecret, text: `rotation ${i}`, clientMsgId: `r${i}` },
      from: '127.0.0.1',
    });
    const key = `${reply.status} ${reply.body?.error?.code ?? ''}`.trim();
    tally[key] = (tally[key] ?? 0) + 1;
  }
  const seconds = (performance.now() - started) / 1_000;
  console.log(`[sends] 100 sends from one address through 10 ids in ${seconds.toFixed(2)} s: ${JSON.stringify(tally)}`);
  // A budget that refills over its 10 s window may give back a few sends while the 100 are made.
  const refill = Math.ceil((PER_ADDRESS * seconds) / 10);
  expect.soft(tally['201'] ?? 0, `201s (tally ${JSON.stringify(tally)})`).toBeGreaterThanOrEqual(PER_ADDRESS);
  expect.soft(tally['201'] ?? 0, `201s (tally ${JSON.stringify(tally)})`).toBeLessThanOrEqual(PER_ADDRESS + refill);
  expect.soft((tally['201'] ?? 0) + (tally['429 RATE_LIMITED'] ?? 0), 'every send is a 201 or a 429 RATE_LIMITED').toBe(2 * PER_ADDRESS);

  const other = await joinFrom(server, '127.0.0.2', 'another student');
  const sent = await http(server, 'POST', '/api/messages', {
    body: { clientId: other.clientId, clientSecret: other.clientSecret, text: 'my own budget' },
    from: '127.0.0.2',
  });
  expect.soft(sent.status, 'a send from 127.0.0.2').toBe(201);
  const after = await roomSnapshot(server);
  expect(after.lastSeq, 'stored: the 201s and the other address’s one').toBe(before.lastSeq + (tally['201'] ?? 0) + (sent.status === 201 ? 1 : 0));
  await expectSurvived(server, after);
}, 20_000);
