// Finding 10: the smaller ones. Each is a CONTRACT rule an attacker found broken:
// the Host check (DNS rebinding), invalid UTF-8 in a JSON body, a repeated cursor on
// an upgrade, a prototype key in a chat frame, and the code a bad clientId gets.
import { afterEach, expect, it } from 'vitest';
import { wireFrame, type Json } from '../helpers/contract.ts';
import {
  expectErrorReply,
  expectSurvived,
  fillRoom,
  http,
  joinFrom,
  openWire,
  rawRequest,
  roomSnapshot,
  startServer,
  stopAllServers,
  type ServerProcess,
} from '../helpers/process.ts';

afterEach(stopAllServers);

async function seededServer(env: Record<string, string> = {}): Promise<ServerProcess> {
  const server = await startServer(env);
  await fillRoom(server, 3, (i) => `seed ${i}`, '127.0.0.9');
  return server;
}

/** The start of a JSON body acting as `client`: `{"clientId":…,"clientSecret":…` (no secret if the server gave none). */
const credentials = (client: Json): string =>
  `{"clientId":${JSON.stringify(client.clientId)}` + (typeof client.clientSecret === 'string' ? `,"clientSecret":${JSON.stringify(client.clientSecret)}` : '');

/** A GET over a raw socket: its status, and its error code when it is refused. */
async function getStatus(server: ServerProcess, target: string, headers: Record<string, string> = {}): Promise<{ status: number; code?: string }> {
  const lines = Object.entries({ Host: server.host, Connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}`);
  const peer = rawRequest(server, `GET ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
  const status = await peer.response();
  if (status < 400) {
    peer.destroy();
    return { status };
  }
  const answer = await peer.answer();
  peer.destroy();
  return { status, code: answer.body?.error?.code };
}

/** An upgrade: its status, and its error code when it is refused. */
async function upgradeStatus(server: ServerProcess, target: string, headers: Record<string, string> = {}): Promise<{ status: number; code?: string }> {
  const peer = await openWire(server, target, { headers });
  const status = peer.status ?? 0;
  if (status === 101) {
    peer.destroy();
    return { status };
  }
  const answer = await peer.answer();
  peer.destroy();
  return { status, code: answer.body?.error?.code };
}

it('finding 10a: a Host of another name (DNS rebinding) gets 403 HOST_NOT_ALLOWED on HTTP and on upgrades', async () => {
  const server = await seededServer();
  const before = await roomSnapshot(server);
  const evil = { Host: `evil.example:${server.port}` };

  expect((await http(server, 'GET', '/api/stats')).status, 'control: our own Host').toBe(200);
  for (const [method, path, body] of [
    ['GET', '/api/stats', undefined],
    ['GET', '/api/poll?after=0', undefined],
    ['POST', '/api/join', { name: 'rebound' }],
  ] as const) {
    const reply = await http(server, method, path, { body, headers: { host: evil.Host } });
    expect.soft({ status: reply.status, code: reply.body?.error?.code }, `${method} ${path} with Host ${evil.Host}`).toEqual({
      status: 403,
      code: 'HOST_NOT_ALLOWED',
    });
  }
  for (const path of ['/ws/raw', '/ws/lib', '/ws/raw/echo', '/ws/lib/echo']) {
    expect.soft(await upgradeStatus(server, path, evil), `upgrade ${path} with Host ${evil.Host}`).toEqual({ status: 403, code: 'HOST_NOT_ALLOWED' });
  }
  await expectSurvived(server, before);
}, 20_000);

it('finding 10b: invalid UTF-8 inside a JSON string in POST /api/messages is 400 INVALID_BODY and nothing is stored', async () => {
  const server = await seededServer();
  const client = await joinFrom(server);
  const before = await roomSnapshot(server);
  const bad: Record<string, number[]> = {
    'a truncated 2-byte sequence': [0xc3, 0x28],
    'a lone continuation byte': [0x80],
    'an overlong "/"': [0xc0, 0xaf],
    'an encoded surrogate': [0xed, 0xa0, 0x80],
    'a 0xFF byte': [0xff],
  };
  for (const [what, bytes] of Object.entries(bad)) {
    const body = Buffer.concat([
      Buffer.from(`${credentials(client)},"text":"caf`),
      Buffer.from(bytes),
      Buffer.from('"}'),
    ]);
    const reply = await http(server, 'POST', '/api/messages', { body });
    expect.soft({ status: reply.status, code: reply.body?.error?.code }, `${what} in "text"`).toEqual({ status: 400, code: 'INVALID_BODY' });
  }
  await expectSurvived(server, before);
}, 20_000);

it('finding 10c: a repeated ?after= on /ws/raw and /ws/lib upgrades is 400, as on /api/poll', async () => {
  const server = await seededServer();
  const before = await roomSnapshot(server);
  const poll = await http(server, 'GET', '/api/poll?after=1&after=2');
  expectErrorReply(poll, 400, 'INVALID_CURSOR');
  for (const path of ['/ws/raw', '/ws/lib']) {
    expect.soft(await upgradeStatus(server, `${path}?after=1&after=2`), `${path}?after=1&after=2`).toEqual({ status: 400, code: 'INVALID_CURSOR' });
  }
  await expectSurvived(server, before);
}, 20_000);

it('finding 10d: a WebSocket send frame with a "__proto__" key is an error frame INVALID_BODY and stores nothing, as POST /api/messages refuses it', async () => {
  const server = await seededServer();
  const client = await joinFrom(server);
  const before = await roomSnapshot(server);
  const polluted = `{"type":"send","text":"polluted?","clientMsgId":"proto","__proto__":{"isAdmin":true}}`;

  const viaHttp = await http(server, 'POST', '/api/messages', {
    body: `${credentials(client)},"text":"polluted?","__proto__":{"isAdmin":true}}`,
  });
  expectErrorReply(viaHttp, 400, 'INVALID_BODY');

  let stored = 0;
  for (const path of ['/ws/raw', '/ws/lib']) {
    const peer = await openWire(server, path);
    await peer.waitFor(() => peer.json().length > 0, 3_000);
    await peer.write(wireFrame(1, polluted));
    // The connection stays open: a good frame after it is acked.
    await peer.write(wireFrame(1, JSON.stringify({ type: 'send', text: `clean after the polluted frame on ${path}`, clientMsgId: 'clean' })));
    await peer.waitFor(() => peer.json().some((f) => f.type === 'ack' && f.clientMsgId === 'clean'), 3_000);
    const answers = peer.json().filter((f: Json) => f.type === 'ack' || f.type === 'error');
    expect.soft(answers[0], `${path}: the answer to the "__proto__" frame`).toMatchObject({ type: 'error', code: 'INVALID_BODY' });
    expect.soft(answers[1], `${path}: the next frame is still acked`).toMatchObject({ type: 'ack', clientMsgId: 'clean' });
    if (answers[1]?.type === 'ack') stored++;
    if (answers[0]?.type === 'ack') stored++;
    peer.destroy();
  }
  const after = await roomSnapshot(server);
  expect(after.messages.filter((m) => m.text === 'polluted?'), 'no polluted message stored').toEqual([]);
  expect(after.lastSeq).toBe(before.lastSeq + stored);
  await expectSurvived(server, after);
}, 20_000);

it('finding 10e: a repeated clientId query parameter is not reported as INVALID_CURSOR', async () => {
  const server = await seededServer();
  const before = await roomSnapshot(server);
  const answers: Record<string, { status: number; code?: string }> = {};
  for (const target of ['/api/poll?after=0&clientId=a&clientId=b', '/api/longpoll?after=0&timeout=0&clientId=a&clientId=b', '/api/events?after=0&clientId=a&clientId=b']) {
    answers[target] = await getStatus(server, target, target.startsWith('/api/events') ? { Accept: 'text/event-stream' } : {});
  }
  for (const target of ['/ws/raw?clientId=a&clientId=b', '/ws/lib?clientId=a&clientId=b']) answers[target] = await upgradeStatus(server, target);
  console.log(`[clientId] ${JSON.stringify(answers)}`);
  for (const [target, answer] of Object.entries(answers)) {
    expect.soft(answer.code, `${target} answered ${answer.status} ${answer.code ?? ''}`).not.toBe('INVALID_CURSOR');
    expect.soft(answer.status, `${target}: an answer`).toBeGreaterThan(0);
  }
  await expectSurvived(server, before);
}, 20_000);
