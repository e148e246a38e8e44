// CONTRACT.md "Both stacks refuse a handshake that is not a valid RFC 6455
// upgrade with an HTTP error response that never reaches the room"; 403 for a
// refused origin on every WebSocket path; the echo endpoints.
import { afterEach, describe, expect, it } from 'vitest';
import { appPool, handshakeStatus, openWs, rawHttp, stats, upgradeRequest, type Started, type WsPeer } from './helpers/contract.ts';

const pool = appPool();
const peers: WsPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.ws.close();
  await pool.closeAll();
});

const ALL_PATHS = ['/ws/raw', '/ws/lib', '/ws/raw/echo', '/ws/lib/echo'] as const;

async function roomSnapshot(s: Started): Promise<unknown> {
  const st = await stats(s.app);
  return {
    room: st.room,
    connections: Object.fromEntries(Object.entries(st.transports).map(([id, t]: [string, any]) => [id, t.connections])),
  };
}

describe.each(ALL_PATHS)('%s handshake refusals (hand-written HTTP over node:net)', (path) => {
  const cases: Array<{ what: string; status: number; build: (host: string) => string }> = [
    { what: 'missing Sec-WebSocket-Key', status: 400, build: (h) => upgradeRequest(path, h, { headers: { 'Sec-WebSocket-Key': null } }) },
    { what: 'a key that is not 16 bytes of base64', status: 400, build: (h) => upgradeRequest(path, h, { headers: { 'Sec-WebSocket-Key': 'abc' } }) },
    {
      what: 'a key of 15 bytes',
      status: 400,
      build: (h) => upgradeRequest(path, h, { headers: { 'Sec-WebSocket-Key': Buffer.alloc(15, 7).toString('base64') } }),
    },
    { what: 'HTTP/1.0', status: 400, build: (h) => upgradeRequest(path, h, { version: '1.0' }) },
    { what: 'Connection without Upgrade', status: 400, build: (h) => upgradeRequest(path, h, { headers: { Connection: 'keep-alive, Upgrade-Insecure' } }) },
    { what: 'POST', status: 405, build: (h) => upgradeRequest(path, h, { method: 'POST', headers: { 'Content-Length': '0' } }) },
    { what: 'PUT', status: 405, build: (h) => upgradeRequest(path, h, { method: 'PUT', headers: { 'Content-Length': '0' } }) },
    { what: 'version 12', status: 426, build: (h) => upgradeRequest(path, h, { headers: { 'Sec-WebSocket-Version': '12' } }) },
    { what: 'version 8', status: 426, build: (h) => upgradeRequest(path, h, { headers: { 'Sec-WebSocket-Version': '8' } }) },
    { what: 'a foreign Origin', status: 403, build: (h) => upgradeRequest(path, h, { headers: { Origin: 'http://evil.example' } }) },
  ];

  it.each(cases)('$what → $status, a complete HTTP response with a JSON error; the room untouched', async ({ status, build }) => {
    const s = await pool.listening();
    const before = await roomSnapshot(s);
    const res = await rawHttp(s.port, build(s.host));
    expect(res.statusLine).toMatch(/^HTTP\/1\.[01] \d{3} /);
    expect(res.status).toBe(status);
    expect(res.complete).toBe(true);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(res.body);
    expect(typeof body.error.code).toBe('string');
    expect(typeof body.error.message).toBe('string');
    if (status === 403) expect(body.error.code).toBe('ORIGIN_NOT_ALLOWED');
    if (status === 426) expect(res.headers['sec-websocket-version']).toBe('13');
    expect(res.headers.upgrade).toBeUndefined();
    expect(await roomSnapshot(s)).toEqual(before);
  });

  it('a valid upgrade gets 101 with the RFC 6455 1.3 accept value', async () => {
    const s = await pool.listening();
    const res = await rawHttp(s.port, upgradeRequest(path, s.host));
    expect(res.status).toBe(101);
    expect(res.headers['sec-websocket-accept']).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    expect(res.headers.upgrade?.toLowerCase()).toBe('websocket');
  });
});

describe('Origin on WebSocket handshakes', () => {
  it.each(ALL_PATHS)('%s: a foreign Origin is 403, the own origin and no Origin are accepted', async (path) => {
    const s = await pool.listening();
    const url = `ws://${s.host}${path}`;
    expect(await handshakeStatus(url, { Origin: 'http://evil.example' })).toBe(403);
    expect(await handshakeStatus(url, { Origin: `http://127.0.0.1:${s.port + 1}` })).toBe(403);
    expect(await handshakeStatus(url, { Origin: `http://${s.host}` })).toBe(101);
    expect(await handshakeStatus(url)).toBe(101);
  });

  it.each(ALL_PATHS)('%s: ALLOWED_ORIGINS * accepts any origin, a list accepts its members', async (path) => {
    const any = await pool.listening({ allowedOrigins: ['*'] });
    expect(await handshakeStatus(`ws://${any.host}${path}`, { Origin: 'http://evil.example' })).toBe(101);
    const listed = await pool.listening({ allowedOrigins: ['http://teacher.example'] });
    expect(await handshakeStatus(`ws://${listed.host}${path}`, { Origin: 'http://teacher.example' })).toBe(101);
    expect(await handshakeStatus(`ws://${listed.host}${path}`, { Origin: 'http://student.example' })).toBe(403);
  });
});

describe.each(['/ws/raw/echo', '/ws/lib/echo'])('%s', (path) => {
  it('echoes text as text and binary as binary, unchanged', async () => {
    const s = await pool.listening();
    const peer = await openWs(`ws://${s.host}${path}`);
    peers.push(peer);
    const text = 'héllo 😀 {"type":"send","text":"not chat"}';
    peer.ws.send(text);
    expect(await peer.nextFrame()).toEqual({ data: text, isBinary: false });
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe, 0x80, 0x7f]);
    peer.ws.send(bytes, { binary: true });
    const bin = await peer.nextFrame();
    expect(bin.isBinary).toBe(true);
    expect(Buffer.compare(bin.data as Buffer, bytes)).toBe(0);
    peer.ws.send('', { binary: false });
    expect(await peer.nextFrame()).toEqual({ data: '', isBinary: false });
    const big = Buffer.alloc(1 << 20, 0xab);
    peer.ws.send(big, { binary: true });
    const bigBack = await peer.nextFrame();
    expect(bigBack.isBinary).toBe(true);
    expect(Buffer.compare(bigBack.data as Buffer, big)).toBe(0);
  });

  it('a message over WS_MAX_MESSAGE_BYTES closes with 1009', async () => {
    const s = await pool.listening({ wsMaxMessageBytes: 1000 });
    const peer = await openWs(`ws://${s.host}${path}`);
    peers.push(peer);
    peer.ws.send(Buffer.alloc(1000, 1), { binary: true });
    expect((await peer.nextFrame()).isBinary).toBe(true);
    peer.ws.send(Buffer.alloc(1001, 1), { binary: true });
    expect((await peer.closed).code).toBe(1009);
  });

  it('is not counted in the room stats', async () => {
    const s = await pool.listening();
    const before = await stats(s.app);
    const peer = await openWs(`ws://${s.host}${path}`);
    peer.ws.send('count me not');
    await peer.nextFrame();
    peer.ws.send(Buffer.alloc(5000), { binary: true });
    await peer.nextFrame();
    const during = await stats(s.app);
    await peer.close();
    const after = await stats(s.app);
    for (const st of [during, after]) expect(st.transports).toEqual(before.transports);
    expect(after.room).toEqual(before.room);
  });
});
