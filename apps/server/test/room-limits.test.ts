// The room's per-address budgets and pinned identities, over real sockets:
// what a student who scripts joins, or rotates ids, meets on every transport.
import { afterEach, describe, expect, it } from 'vitest';
import { appPool, call, expectError, handshakeStatus, identityQuery, openChat, rawHttp, upgradeRequest } from './helpers/contract.ts';

const pool = appPool();
afterEach(() => pool.closeAll());

describe('new identities per address (JOIN_RATE_LIMIT)', () => {
  it('joins and WebSockets without a known id share one budget; past it: 429 over HTTP, a 429 handshake on both stacks', async () => {
    const { app, url, port, host } = await pool.listening({ joinRateLimit: 3 });
    const first = await call(app, 'POST', '/api/join', {});
    expect(first.status).toBe(201);
    const raw = await openChat(`ws://${host}/ws/raw`);
    expect(await handshakeStatus(`ws://${host}/ws/lib`)).toBe(101);
    // Three identities made: the fourth, by any way, is refused and nothing is stored.
    expectError(await call(app, 'POST', '/api/join', {}), 429, 'RATE_LIMITED');
    expect(await handshakeStatus(`ws://${host}/ws/raw`)).toBe(429);
    expect(await handshakeStatus(`ws://${host}/ws/lib`)).toBe(429);
    const refused = await rawHttp(port, upgradeRequest('/ws/raw', host));
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.body).error.code).toBe('RATE_LIMITED');
    // An identity the room knows is not a new one: it still connects.
    const again = await openChat(`ws://${host}/ws/raw?${identityQuery(first.body.clientId)}`);
    expect(again.welcome.clientId).toBe(first.body.clientId);
    again.peer.close();
    raw.peer.close();
    void url;
  });
});

describe('identities with an open stream are never forgotten (MAX_CLIENTS)', () => {
  it('a WebSocket client keeps its id and can send while 50 newer identities push the room past its bound', async () => {
    const { app, host } = await pool.listening({ maxClients: 10 });
    const raw = await openChat(`ws://${host}/ws/raw`);
    const lib = await openChat(`ws://${host}/ws/lib`);
    for (let i = 0; i < 50; i++) await call(app, 'POST', '/api/join', {});
    for (const { peer } of [raw, lib]) {
      peer.sendJson({ type: 'send', text: 'still known', clientMsgId: 'k' });
      // Frames until the answer to this send (the room's messages may come first).
      let answer = await peer.next();
      while (answer.type === 'message') answer = await peer.next();
      expect(answer).toMatchObject({ type: 'ack', clientMsgId: 'k' });
    }
    // An HTTP identity nobody holds open was forgotten.
    const forgotten = await call(app, 'POST', '/api/join', {});
    for (let i = 0; i < 20; i++) await call(app, 'POST', '/api/join', {});
    expectError(await call(app, 'POST', '/api/messages', { clientId: forgotten.body.clientId, text: 'hello?' }), 404, 'UNKNOWN_CLIENT');
    raw.peer.close();
    lib.peer.close();
  });
});

describe('sends per address (SEND_RATE_LIMIT_PER_ADDRESS)', () => {
  it('rotating client ids from one address buys no more sends', async () => {
    const { app } = await pool.listening({ sendRateLimit: 5, sendRateLimitPerAddress: 12 });
    let stored = 0;
    let limited = 0;
    for (let id = 0; id < 6; id++) {
      const { body } = await call(app, 'POST', '/api/join', {});
      for (let i = 0; i < 5; i++) {
        const answer = await call(app, 'POST', '/api/messages', { clientId: body.clientId, text: `c${id} m${i}` });
        if (answer.status === 201) stored++;
        else if (answer.status === 429 && answer.body.error.code === 'RATE_LIMITED') limited++;
      }
    }
    expect({ stored, limited }).toEqual({ stored: 12, limited: 18 });
    expect(app.room.head.lastSeq).toBe(12);
  });
});
