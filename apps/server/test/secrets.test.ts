// CONTRACT v2 "identity": a client secret reaches its owner and no one else —
// not in room messages, stats, info, the clients list, nor the inspector's feed.
// Another client listens on every transport, byte for byte, while one client
// joins, connects and sends every way it can; none of those bytes may hold
// any of its secrets.
import { connect, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { appPool, asTeacher, call, fetchJson, join, openChat, send, until, upgradeRequest, type WsPeer } from './helpers/contract.ts';

const pool = appPool();
const sockets: Socket[] = [];
const peers: WsPeer[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(peers.splice(0).map((p) => p.close()));
  await pool.closeAll();
});

/** A raw TCP conversation: everything the server sends on it, as text. */
function listen(port: number, request: string): { bytes: () => string } {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let got = '';
  socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
  socket.on('error', () => {});
  socket.write(request);
  return { bytes: () => got };
}

it('no byte the server sends to another client, nor to the teacher, holds a secret', async () => {
  const s = await pool.listening({ longPollTimeoutMs: 60_000, sseHeartbeatMs: 50 });
  const observer = await join(s.app, { name: 'observer' });
  const get = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: ${s.host}\r\n${extra}\r\n`;
  const wsPeer = (path: string): string => upgradeRequest(path, s.host);
  const own = `clientId=${observer.clientId}&clientSecret=${observer.clientSecret}`;
  const taps = {
    wsRaw: listen(s.port, wsPeer('/ws/raw?after=0')),
    wsLib: listen(s.port, wsPeer('/ws/lib?after=0')),
    sse: listen(s.port, get(`/api/events?after=0&clientId=${observer.clientId}`)),
    longPoll: listen(s.port, get('/api/longpoll?after=0&timeout=60000')),
    inspectOwn: listen(s.port, get(`/api/inspect?${own}`)),
  };
  // Every stream has answered its head (the long poll is held: it answers when a message comes).
  const streams = [taps.wsRaw, taps.wsLib, taps.sse, taps.inspectOwn];
  await until(() => streams.every((t) => t.bytes().length > 0), 'the streams to open');

  // The client whose secrets must stay its own: joins over HTTP, connects both stacks, sends every way.
  const ana = await join(s.app, { name: 'ana' });
  const secrets = [ana.clientSecret];
  const raw = await openChat(`ws://${s.host}/ws/raw`);
  const lib = await openChat(`ws://${s.host}/ws/lib`);
  peers.push(raw.peer, lib.peer);
  secrets.push(raw.welcome.clientSecret, lib.welcome.clientSecret);
  // Keeping an identity puts the secret in the handshake's URL: the teacher's inspector shows it redacted.
  const again = await openChat(`ws://${s.host}/ws/raw?clientId=${raw.welcome.clientId}&clientSecret=${raw.welcome.clientSecret}`);
  peers.push(again.peer);
  await send(s.app, ana.clientId, 'over http', { clientMsgId: 'h1' });
  raw.peer.sendJson({ type: 'send', text: 'over ws-raw', clientMsgId: 'r1' });
  lib.peer.sendJson({ type: 'send', text: 'over ws-lib', clientMsgId: 'l1' });
  again.peer.sendJson({ type: 'send', text: 'again', clientMsgId: 'r2' });
  await call(s.app, 'POST', '/api/debug/delay', { clientId: ana.clientId, ms: 0 });
  await call(s.app, 'POST', '/api/class/me', { clientId: ana.clientId });
  await until(() => taps.wsRaw.bytes().includes('again') && taps.sse.bytes().includes('again'), 'every message at the taps');

  const teacherFeed = listen(s.port, get(`/api/inspect?clientId=${raw.welcome.clientId}`, `Authorization: ${asTeacher.authorization}\r\n`));
  await until(() => teacherFeed.bytes().includes('"handshake"') && teacherFeed.bytes().includes('again'), "the teacher's inspector feed");

  const answers = {
    poll: (await call(s.app, 'GET', '/api/poll?after=0')).raw,
    join: JSON.stringify((await call(s.app, 'POST', '/api/join', {})).body.messages),
    stats: (await call(s.app, 'GET', '/api/stats')).raw,
    info: (await call(s.app, 'GET', '/api/info')).raw,
    clients: (await call(s.app, 'GET', '/api/clients', undefined, asTeacher)).raw,
    messages: (await fetchJson(`${s.url}/api/poll?after=0`)).raw,
  };
  const seen = { ...Object.fromEntries(Object.entries(taps).map(([k, t]) => [k, t.bytes()])), teacherFeed: teacherFeed.bytes(), ...answers };
  for (const [where, bytes] of Object.entries(seen)) {
    expect(bytes.length, `${where} carried something`).toBeGreaterThan(0);
    for (const secret of secrets) expect(bytes.includes(secret), `${where} holds a secret`).toBe(false);
  }
  // The teacher's feed shows the reconnect's handshake with the secret redacted.
  expect(teacherFeed.bytes()).toContain('clientSecret=[redacted]');
  // …and the welcome frame it was sent with its secret written as stars, of the same length.
  expect(teacherFeed.bytes()).toContain(`clientSecret\\":\\"${'*'.repeat(raw.welcome.clientSecret.length)}`);
  expect(seen.messages).toContain('over ws-lib');
});
