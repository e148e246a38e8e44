// CONTRACT.md "HTTP endpoints" and "The message": join, messages, the error
// table, and "A bad request never changes the room".
import { afterEach, describe, expect, it } from 'vitest';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { appPool, astral, call, codePoints, expectError, join, roomState, send, type Json } from './helpers/contract.ts';

const pool = appPool();
afterEach(() => pool.closeAll());

function expectMessageShape(m: Json): void {
  expect(Object.keys(m).sort()).toEqual(
    ['clientId', 'clientMsgId', 'name', 'seq', 'serverTime', 'text', 'type', 'via'].sort(),
  );
  expect(m.type).toBe('message');
  expect(Number.isInteger(m.seq) && m.seq >= 1).toBe(true);
  expect(typeof m.clientId).toBe('string');
  expect(typeof m.name).toBe('string');
  expect(typeof m.text).toBe('string');
  expect(m.clientMsgId === null || typeof m.clientMsgId === 'string').toBe(true);
  expect(TRANSPORT_IDS).toContain(m.via);
  expect(Number.isInteger(m.serverTime)).toBe(true);
}

describe('POST /api/join', () => {
  it('201 { clientId, lastSeq, messages } with the last HISTORY_LIMIT messages', async () => {
    const app = pool.fresh({ historyLimit: 3 });
    const first = await join(app);
    expect(Object.keys(first).sort()).toEqual(['clientId', 'clientSecret', 'epoch', 'lastSeq', 'messages']);
    expect(first.lastSeq).toBe(0);
    expect(first.messages).toEqual([]);
    expect(typeof first.clientId).toBe('string');
    expect(first.clientId.length).toBeGreaterThan(0);
    const sent = [];
    for (let i = 1; i <= 5; i++) sent.push(await send(app, first.clientId, `m${i}`));
    const second = await join(app, { name: 'ana' });
    expect(second.clientId).not.toBe(first.clientId);
    expect(second.lastSeq).toBe(5);
    expect(second.messages).toEqual(sent.slice(2));
    expect(second.messages.map((m: Json) => m.seq)).toEqual([3, 4, 5]);
  });

  it('accepts an empty body, {} and no body at all', async () => {
    const app = pool.fresh();
    const empty = await app.inject({ method: 'POST', url: '/api/join', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(empty.statusCode).toBe(201);
    const none = await app.inject({ method: 'POST', url: '/api/join' });
    expect(none.statusCode).toBe(201);
    const obj = await call(app, 'POST', '/api/join', {});
    expect(obj.status).toBe(201);
    const ids = [empty.json().clientId, none.json().clientId, obj.body.clientId];
    expect(new Set(ids).size).toBe(3);
  });

  it('name defaults to "anon"; a join name is used for later sends', async () => {
    const app = pool.fresh();
    const anon = await join(app);
    expect((await send(app, anon.clientId, 'hi')).name).toBe('anon');
    const ana = await join(app, { name: 'ana' });
    expect((await send(app, ana.clientId, 'hi')).name).toBe('ana');
    expect((await send(app, ana.clientId, 'hi', { name: 'bob' })).name).toBe('bob');
  });

  it('a name of 40 code points (80 UTF-16 units) is fine, 41 is 400', async () => {
    const app = pool.fresh();
    const forty = astral(40);
    expect(forty.length).toBe(80);
    const ok = await join(app, { name: forty });
    expect((await send(app, ok.clientId, 'x')).name).toBe(forty);
    const before = await roomState(app);
    expectError(await call(app, 'POST', '/api/join', { name: astral(41) }), 400);
    expectError(await call(app, 'POST', '/api/join', { name: 'a'.repeat(41) }), 400);
    expectError(await call(app, 'POST', '/api/messages', { clientId: ok.clientId, text: 'x', name: astral(41) }), 400, 'INVALID_BODY');
    expect(await roomState(app)).toEqual(before);
  });

  it('malformed JSON and a wrong-typed name are 400 INVALID_BODY', async () => {
    const app = pool.fresh();
    expectError(await call(app, 'POST', '/api/join', '{"name":'), 400, 'INVALID_BODY');
    expectError(await call(app, 'POST', '/api/join', { name: 42 }), 400, 'INVALID_BODY');
    expectError(await call(app, 'POST', '/api/join', '[1]'), 400, 'INVALID_BODY');
  });
});

describe('POST /api/messages', () => {
  it('201 { message } with the full message shape; seq 1, 2, 3 with no gaps', async () => {
    const app = pool.fresh();
    const { clientId } = await join(app, { name: 'ana' });
    const res = await call(app, 'POST', '/api/messages', { clientId, text: 'hello', clientMsgId: 'k1' });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body)).toEqual(['message']);
    const m = res.body.message;
    expectMessageShape(m);
    expect(m).toMatchObject({ type: 'message', seq: 1, clientId, name: 'ana', text: 'hello', clientMsgId: 'k1', via: 'short-poll' });
    const m2 = await send(app, clientId, 'again');
    expect(m2.seq).toBe(2);
    expect(m2.clientMsgId).toBeNull();
    expect(m2.serverTime).toBeGreaterThanOrEqual(m.serverTime);
    expect((await send(app, clientId, 'third')).seq).toBe(3);
  });

  it('serverTime comes from the server clock', async () => {
    const app = pool.fresh({}, { now: () => 1_763_900_000_123 });
    const { clientId } = await join(app);
    expect((await send(app, clientId, 'tick')).serverTime).toBe(1_763_900_000_123);
  });

  it('via defaults to short-poll and takes short-poll, long-poll, sse', async () => {
    const app = pool.fresh();
    const { clientId } = await join(app);
    expect((await send(app, clientId, 'a')).via).toBe('short-poll');
    for (const via of ['short-poll', 'long-poll', 'sse']) expect((await send(app, clientId, via, { via })).via).toBe(via);
  });

  it('a repeated clientMsgId answers 200 with the first copy, even with another text', async () => {
    const app = pool.fresh();
    const { clientId } = await join(app);
    const first = await send(app, clientId, 'first', { clientMsgId: 'dup' });
    await send(app, clientId, 'between');
    const before = await roomState(app);
    const again = await call(app, 'POST', '/api/messages', { clientId, text: 'second', clientMsgId: 'dup' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ message: first });
    expect(await roomState(app)).toEqual(before);
    // The same clientMsgId from another client is a different message.
    const other = await join(app);
    const theirs = await send(app, other.clientId, 'mine', { clientMsgId: 'dup' });
    expect(theirs.seq).toBe(3);
  });

  it('a clientMsgId of 64 characters is kept, 65 is 400 INVALID_BODY', async () => {
    const app = pool.fresh();
    const { clientId } = await join(app);
    expect((await send(app, clientId, 'x', { clientMsgId: 'k'.repeat(64) })).clientMsgId).toBe('k'.repeat(64));
    const before = await roomState(app);
    expectError(await call(app, 'POST', '/api/messages', { clientId, text: 'x', clientMsgId: 'k'.repeat(65) }), 400, 'INVALID_BODY');
    expect(await roomState(app)).toEqual(before);
  });

  it('text of exactly MAX_TEXT_LENGTH code points (astral) is stored; one more is 413 TEXT_TOO_LONG', async () => {
    const app = pool.fresh();
    const { clientId } = await join(app);
    const max = astral(2000);
    expect(max.length).toBe(4000);
    const stored = await send(app, clientId, max);
    expect(codePoints(stored.text)).toBe(2000);
    expect(stored.text).toBe(max);
    const before = await roomState(app);
    expectError(await call(app, 'POST', '/api/messages', { clientId, text: astral(2001) }), 413, 'TEXT_TOO_LONG');
    expectError(await call(app, 'POST', '/api/messages', { clientId, text: 'a'.repeat(2001) }), 413, 'TEXT_TOO_LONG');
    expect(await roomState(app)).toEqual(before);
  });

  it('MAX_TEXT_LENGTH is an option: 5 code points', async () => {
    const app = pool.fresh({ maxTextLength: 5 });
    const { clientId } = await join(app);
    const five = '👩\u200d👧🇫🇷'; // 5 code points, 9 UTF-16 units
    expect([codePoints(five), five.length]).toEqual([5, 9]);
    expect((await send(app, clientId, five)).text).toBe(five);
    expectError(await call(app, 'POST', '/api/messages', { clientId, text: `${five}!` }), 413, 'TEXT_TOO_LONG');
  });

  it('a body over MAX_BODY_BYTES is 413 BODY_TOO_LARGE', async () => {
    const app = pool.fresh();
    const { clientId } = await join(app);
    const before = await roomState(app);
    const body = JSON.stringify({ clientId, text: 'a'.repeat(64 * 1024) });
    expect(Buffer.byteLength(body)).toBeGreaterThan(64 * 1024);
    expectError(await call(app, 'POST', '/api/messages', body), 413, 'BODY_TOO_LARGE');
    expectError(await call(app, 'POST', '/api/join', JSON.stringify({ name: 'x'.repeat(70_000) })), 413, 'BODY_TOO_LARGE');
    expect(await roomState(app)).toEqual(before);
  });

  it('MAX_BODY_BYTES is an option', async () => {
    const app = pool.fresh({ maxBodyBytes: 200 });
    const { clientId } = await join(app);
    expect((await send(app, clientId, 'short')).seq).toBe(1);
    expectError(await call(app, 'POST', '/api/messages', { clientId, text: 'b'.repeat(300) }), 413, 'BODY_TOO_LARGE');
  });

  it('a clientId the room does not know is 404 UNKNOWN_CLIENT', async () => {
    const app = pool.fresh();
    await join(app);
    const before = await roomState(app);
    expectError(await call(app, 'POST', '/api/messages', { clientId: 'nobody', text: 'hi' }), 404, 'UNKNOWN_CLIENT');
    expect(await roomState(app)).toEqual(before);
  });

  it('SEND_RATE_LIMIT: over the limit is 429 RATE_LIMITED and stores nothing', async () => {
    const app = pool.fresh({ sendRateLimit: 3 });
    const a = await join(app);
    const b = await join(app);
    for (let i = 0; i < 3; i++) await send(app, a.clientId, `a${i}`);
    const before = await roomState(app);
    expectError(await call(app, 'POST', '/api/messages', { clientId: a.clientId, text: 'one too many' }), 429, 'RATE_LIMITED');
    expect(await roomState(app)).toEqual(before);
    // Per client: another client still sends.
    expect((await send(app, b.clientId, 'b0')).seq).toBe(4);
  });

  it('the rate window is SEND_RATE_WINDOW long (injected clock)', async () => {
    let now = 1_000_000;
    const app = pool.fresh({ sendRateLimit: 2 }, { now: () => now });
    const { clientId } = await join(app);
    await send(app, clientId, '1');
    await send(app, clientId, '2');
    expectError(await call(app, 'POST', '/api/messages', { clientId, text: '3' }), 429, 'RATE_LIMITED');
    now += 10_001;
    expect((await send(app, clientId, '3')).seq).toBe(3);
  });

  describe('a bad request never changes the room', () => {
    const bad: Array<[string, (clientId: string) => unknown, number, string]> = [
      ['malformed JSON', () => '{"clientId": "x", "text": ', 400, 'INVALID_BODY'],
      ['a JSON array', () => '[]', 400, 'INVALID_BODY'],
      ['a JSON string', () => '"hello"', 400, 'INVALID_BODY'],
      ['missing text', (clientId) => ({ clientId }), 400, 'INVALID_BODY'],
      ['missing clientId', () => ({ text: 'hi' }), 400, 'INVALID_BODY'],
      ['numeric text', (clientId) => ({ clientId, text: 42 }), 400, 'INVALID_BODY'],
      ['numeric clientId', () => ({ clientId: 7, text: 'hi' }), 400, 'INVALID_BODY'],
      ['numeric clientMsgId', (clientId) => ({ clientId, text: 'hi', clientMsgId: 5 }), 400, 'INVALID_BODY'],
      ['numeric name', (clientId) => ({ clientId, text: 'hi', name: 5 }), 400, 'INVALID_BODY'],
      ['via ws-raw', (clientId) => ({ clientId, text: 'hi', via: 'ws-raw' }), 400, 'INVALID_BODY'],
      ['via ws-lib', (clientId) => ({ clientId, text: 'hi', via: 'ws-lib' }), 400, 'INVALID_BODY'],
      ['an unknown via', (clientId) => ({ clientId, text: 'hi', via: 'carrier-pigeon' }), 400, 'INVALID_BODY'],
      ['empty text', (clientId) => ({ clientId, text: '' }), 400, 'INVALID_TEXT'],
      ['spaces only', (clientId) => ({ clientId, text: '   ' }), 400, 'INVALID_TEXT'],
      ['tabs and newlines only', (clientId) => ({ clientId, text: '\t\n\r \n' }), 400, 'INVALID_TEXT'],
      ['Unicode white space only', (clientId) => ({ clientId, text: '\u00a0\u2003\u3000' }), 400, 'INVALID_TEXT'],
      ['text too long', (clientId) => ({ clientId, text: astral(2001) }), 413, 'TEXT_TOO_LONG'],
      ['unknown client', () => ({ clientId: 'not-a-client', text: 'hi' }), 404, 'UNKNOWN_CLIENT'],
    ];
    for (const [what, body, status, code] of bad) {
      it(`${what} → ${status} ${code}`, async () => {
        const app = pool.fresh({ historyLimit: 2 });
        const { clientId } = await join(app);
        await send(app, clientId, 'one');
        await send(app, clientId, 'two');
        await send(app, clientId, 'three');
        const before = await roomState(app);
        expectError(await call(app, 'POST', '/api/messages', body(clientId)), status, code);
        expect(await roomState(app)).toEqual(before);
        expect(before.lastSeq).toBe(3);
        expect(before.history.map((m: Json) => m.text)).toEqual(['two', 'three']);
      });
    }

    it('no body at all → 400 INVALID_BODY', async () => {
      const app = pool.fresh();
      await join(app);
      const before = await roomState(app);
      expectError(await call(app, 'POST', '/api/messages'), 400, 'INVALID_BODY');
      expect(await roomState(app)).toEqual(before);
    });

    it('a body that is not declared JSON → a JSON 4xx error', async () => {
      const app = pool.fresh();
      const { clientId } = await join(app);
      const before = await roomState(app);
      const res = await app.inject({
        method: 'POST',
        url: '/api/messages',
        headers: { 'content-type': 'text/plain' },
        payload: JSON.stringify({ clientId, text: 'plain' }),
      });
      expect([400, 415]).toContain(res.statusCode);
      expect(typeof res.json().error.code).toBe('string');
      expect(await roomState(app)).toEqual(before);
    });

    it('a rejected send does not use up the sender\'s clientMsgId', async () => {
      const app = pool.fresh();
      const { clientId } = await join(app);
      expectError(await call(app, 'POST', '/api/messages', { clientId, text: '  ', clientMsgId: 'c1' }), 400, 'INVALID_TEXT');
      const res = await call(app, 'POST', '/api/messages', { clientId, text: 'real', clientMsgId: 'c1' });
      expect(res.status).toBe(201);
      expect(res.body.message).toMatchObject({ seq: 1, text: 'real', clientMsgId: 'c1' });
    });
  });
});

describe('GET /healthz, unknown routes, CORS', () => {
  it('healthz is 200 { ok: true }', async () => {
    const app = pool.fresh();
    const res = await call(app, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });

  it('an unknown route is 404 NOT_FOUND as JSON', async () => {
    const app = pool.fresh();
    expectError(await call(app, 'GET', '/api/nope'), 404, 'NOT_FOUND');
    expectError(await call(app, 'POST', '/api/nope', {}), 404, 'NOT_FOUND');
    expectError(await call(app, 'DELETE', '/api/join'), 404, 'NOT_FOUND');
    expectError(await call(app, 'GET', '/no/such/page'), 404, 'NOT_FOUND');
  });

  it('sends no CORS headers, not even to a preflight', async () => {
    const app = pool.fresh({ allowedOrigins: ['*'] });
    const origin = { origin: 'http://elsewhere.example' };
    const answers = [
      await call(app, 'GET', '/api/poll', undefined, origin),
      await call(app, 'POST', '/api/join', {}, origin),
      await call(app, 'GET', '/api/stats', undefined, origin),
      await call(app, 'OPTIONS', '/api/messages', undefined, { ...origin, 'access-control-request-method': 'POST' }),
    ];
    for (const a of answers) {
      expect(Object.keys(a.headers).filter((h) => h.toLowerCase().startsWith('access-control-'))).toEqual([]);
    }
  });
});

describe('Origin', () => {
  const foreign = { origin: 'http://evil.example', host: '127.0.0.1:3000' };

  it('a foreign Origin is 403 ORIGIN_NOT_ALLOWED on every HTTP endpoint, and the room is untouched', async () => {
    const app = pool.fresh();
    const { clientId } = await join(app);
    await send(app, clientId, 'before');
    const before = await roomState(app);
    const statsBefore = (await call(app, 'GET', '/api/stats')).body.room;
    expectError(await call(app, 'POST', '/api/join', {}, foreign), 403, 'ORIGIN_NOT_ALLOWED');
    expectError(await call(app, 'POST', '/api/messages', { clientId, text: 'x' }, foreign), 403, 'ORIGIN_NOT_ALLOWED');
    for (const url of ['/api/poll', '/api/longpoll?timeout=0', '/api/events', '/api/stats', '/healthz']) {
      expectError(await call(app, 'GET', url, undefined, foreign), 403, 'ORIGIN_NOT_ALLOWED');
    }
    // Same host on another port, a look-alike host, an opaque origin: still foreign.
    for (const origin of ['http://127.0.0.1:3001', 'http://127.0.0.1', 'http://127.0.0.1.evil.example:3000', 'null']) {
      expectError(await call(app, 'GET', '/api/poll', undefined, { origin, host: '127.0.0.1:3000' }), 403, 'ORIGIN_NOT_ALLOWED');
    }
    expect(await roomState(app)).toEqual(before);
    expect((await call(app, 'GET', '/api/stats')).body.room).toEqual(statsBefore);
  });

  it('an Origin whose host:port equals Host is allowed; no Origin is allowed', async () => {
    const app = pool.fresh();
    const same = { origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' };
    const res = await call(app, 'POST', '/api/join', {}, same);
    expect(res.status).toBe(201);
    const msg = await call(app, 'POST', '/api/messages', { clientId: res.body.clientId, text: 'hi' }, same);
    expect(msg.status).toBe(201);
    expect((await call(app, 'GET', '/api/poll', undefined, { origin: 'http://localhost:8080', host: 'localhost:8080' })).status).toBe(200);
    expect((await call(app, 'GET', '/api/poll')).status).toBe(200);
  });

  it('ALLOWED_ORIGINS adds origins; * allows any', async () => {
    const listed = pool.fresh({ allowedOrigins: ['http://teacher.example'] });
    expect((await call(listed, 'GET', '/api/poll', undefined, { origin: 'http://teacher.example', host: '127.0.0.1:3000' })).status).toBe(200);
    expectError(await call(listed, 'GET', '/api/poll', undefined, foreign), 403, 'ORIGIN_NOT_ALLOWED');
    const any = pool.fresh({ allowedOrigins: ['*'] });
    expect((await call(any, 'POST', '/api/join', {}, foreign)).status).toBe(201);
    expect((await call(any, 'GET', '/api/poll', undefined, { origin: 'null', host: '127.0.0.1:3000' })).status).toBe(200);
  });
});
