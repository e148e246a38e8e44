// CONTRACT v2 "identity" and "the teacher", seen from the five clients: the secret goes where
// the contract asks and nowhere else, a removed client stops, a locked room is not hammered,
// a refused secret means a rejoin, and nobody can guess the next clientMsgId.
import { describe, expect, it } from 'vitest';
import { HTTP_SEND_VIAS, type TransportId } from '../../src/contract.ts';
import { createClient, REDACTED, type TransportClient, wsHandshakeRequestBytes } from '../../src/client/index.ts';
import { FakeEventSource, FakeRoom, FakeWebSocket, flush, harness, msg, observe, secretOf } from './fakes.ts';

const WS_LANES = ['ws-raw', 'ws-lib'] as const;

/** Every way the secret can be written: as is, in a URL component, in a form-encoded query. */
function writtenForms(secret: string): string[] {
  return [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)];
}

function expectNoSecret(what: string, value: unknown, secret: string): void {
  const text = JSON.stringify(value);
  for (const form of writtenForms(secret)) expect(text, what).not.toContain(form);
}

/** Everything a client shows its page: events, records, every snapshot. */
function watchAll(client: TransportClient) {
  const seen = observe(client);
  const snapshots: unknown[] = [];
  const joined: unknown[] = [];
  client.subscribe(() => snapshots.push(client.getSnapshot()));
  client.on('joined', (info) => joined.push(info));
  return { ...seen, snapshots, joined };
}

function bodies(h: ReturnType<typeof harness>, path: string): Array<Record<string, unknown>> {
  return h.fetch.to(path).map((c) => c.body as Record<string, unknown>);
}

describe('the secret goes where the contract asks, and nowhere else', () => {
  for (const transport of HTTP_SEND_VIAS) {
    it(`${transport}: every send carries the id and its secret; polls, streams, records, events and snapshots never do`, async () => {
      const h = harness();
      const room = new FakeRoom();
      h.fetch.handler = room.handler();
      const client = createClient(transport, { ...h.options, name: 'ana' });
      const seen = watchAll(client);
      client.connect();
      await h.clock.advance(0);
      FakeEventSource.instances.at(-1)?.serverOpen();
      client.send('one');
      client.send('two');
      await h.clock.advance(0);
      await h.clock.advance(1000);

      const secret = secretOf('c1');
      expect(client.identity()).toEqual({ clientId: 'c1', clientSecret: secret });
      expect(bodies(h, '/api/messages')).toEqual([
        expect.objectContaining({ clientId: 'c1', clientSecret: secret, text: 'one', via: transport }),
        expect.objectContaining({ clientId: 'c1', clientSecret: secret, text: 'two', via: transport }),
      ]);
      expect(room.messages.map((m) => m.text)).toEqual(['one', 'two']);
      // Only the send bodies: no URL, and no other request's body.
      for (const call of h.fetch.calls) {
        expectNoSecret(`${call.method} ${call.url.pathname} URL`, call.url.href, secret);
        if (call.url.pathname !== '/api/messages') expectNoSecret(`${call.url.pathname} body`, call.body ?? null, secret);
      }
      for (const es of FakeEventSource.instances) expectNoSecret('stream URL', es.url.href, secret);
      expect(seen.records.length).toBeGreaterThan(3);
      expectNoSecret('wire records', seen.records, secret);
      expectNoSecret('snapshots', seen.snapshots, secret);
      expectNoSecret('joined events', seen.joined, secret);
      expectNoSecret('errors', seen.errors, secret);
      expect(Object.keys(client.getSnapshot())).not.toContain('clientSecret');
      client.close();
    });
  }

  for (const transport of WS_LANES) {
    it(`${transport}: a reconnect presents the id and its secret; the handshake record shows it redacted`, async () => {
      const h = harness({ backoff: { jitter: 0 } });
      const room = new FakeRoom();
      h.fetch.handler = room.handler();
      const { clientId, clientSecret } = room.join();
      const client = createClient(transport, h.options);
      const seen = watchAll(client);
      client.connect();
      const first = FakeWebSocket.last();
      expect(first.url.search).toBe(''); // no identity yet: the server gives one
      first.serverOpen();
      first.serverSend({ type: 'welcome', clientId, clientSecret, lastSeq: 0, epoch: 'e1' });
      first.serverSend(msg(1));
      client.send('over the socket', { clientMsgId: 'k' });
      first.serverDrop();
      await h.clock.advance(250);

      const second = FakeWebSocket.last();
      expect(second).not.toBe(first);
      expect(Object.fromEntries(second.url.searchParams)).toEqual({ clientId, clientSecret, after: '1', epoch: 'e1' });
      const handshakes = seen.records.filter((r) => r.kind === 'ws-handshake' && r.url?.includes('clientId'));
      expect(handshakes.length).toBeGreaterThan(0);
      for (const r of handshakes) {
        expect(r.url).toBe(`${second.url.pathname}?clientId=${clientId}&clientSecret=${REDACTED}&after=1&epoch=e1`);
        // The bytes are the real request's: the secret is counted, only not shown.
        expect(r.headerBytesUp).toBe(wsHandshakeRequestBytes(second.url, undefined));
      }
      second.serverOpen();
      second.serverSend({ type: 'welcome', clientId, clientSecret, lastSeq: 1, epoch: 'e1' });
      // The socket is the identity: send frames carry no secret.
      expect(second.sentFrames()).toEqual([{ type: 'send', text: 'over the socket', clientMsgId: 'k' }]);
      expectNoSecret('frames sent', [...first.sent, ...second.sent], clientSecret);
      expectNoSecret('wire records', seen.records, clientSecret);
      expectNoSecret('snapshots', seen.snapshots, clientSecret);
      expectNoSecret('joined events', seen.joined, clientSecret);
      expectNoSecret('errors', seen.errors, clientSecret);
      expect(client.identity()).toEqual({ clientId, clientSecret });
      client.close();
    });
  }

  it('a welcome that does not adopt our id hands a new pair: the next reconnect presents that one', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const client = createClient('ws-raw', { ...h.options, clientId: 'mine', clientSecret: 'stale secret' });
    client.connect();
    const first = FakeWebSocket.last();
    expect(Object.fromEntries(first.url.searchParams)).toEqual({ clientId: 'mine', clientSecret: 'stale secret' });
    first.serverOpen();
    first.serverSend({ type: 'welcome', clientId: 'given', clientSecret: secretOf('given'), lastSeq: 0, epoch: 'e1' });
    expect(client.identity()).toEqual({ clientId: 'given', clientSecret: secretOf('given') });
    first.serverDrop();
    await h.clock.advance(250);
    expect(Object.fromEntries(FakeWebSocket.last().url.searchParams)).toEqual({
      clientId: 'given',
      clientSecret: secretOf('given'),
      after: '0',
      epoch: 'e1',
    });
    client.close();
  });

  it('an error that quotes the URL (a browser WebSocket constructor does) has the secret replaced', () => {
    const h = harness();
    class ThrowingWebSocket extends FakeWebSocket {
      constructor(url: string) {
        super(url);
        if (new URL(url).searchParams.has('clientSecret')) throw new SyntaxError(`Failed to construct 'WebSocket': The URL '${url}' is invalid.`);
      }
    }
    const client = createClient('ws-lib', {
      ...h.options,
      clientId: 'me',
      clientSecret: secretOf('me'),
      WebSocket: ThrowingWebSocket as unknown as typeof WebSocket,
    });
    const seen = watchAll(client);
    client.connect();
    expect(seen.errors).toHaveLength(1);
    expect(seen.errors[0]!.message).toContain(`clientSecret=${REDACTED}`);
    expectNoSecret('errors', seen.errors, secretOf('me'));
    expectNoSecret('records', seen.records, secretOf('me'));
    expectNoSecret('snapshots', seen.snapshots, secretOf('me'));
    client.close();
  });
});

describe('a removed client stops: one CLIENT_REMOVED, no reconnect loop', () => {
  /** After removal: status removed, the one error, nothing more on the wire for a minute, sends refused. */
  async function expectStopped(h: ReturnType<typeof harness>, client: TransportClient, seen: ReturnType<typeof observe>): Promise<void> {
    expect(client.getSnapshot()).toMatchObject({ status: 'removed', pendingSends: 0 });
    expect(client.identity()).toBeNull();
    const requests = h.fetch.calls.length;
    const sockets = FakeWebSocket.instances.length;
    const streams = FakeEventSource.instances.length;
    await h.clock.advance(60_000);
    expect(h.fetch.calls.length).toBe(requests);
    expect(FakeWebSocket.instances.length).toBe(sockets);
    expect(FakeEventSource.instances.length).toBe(streams);
    expect(h.clock.pending()).toEqual([]);
    expect(seen.errors.filter((e) => e.code === 'CLIENT_REMOVED')).toHaveLength(1);
    expect(() => client.send('still here?')).toThrow(/removed/);
    client.close(); // the page disposing of it: it keeps saying why it stopped
    expect(client.getSnapshot().status).toBe('removed');
    client.resume();
    client.connect();
    expect(client.getSnapshot().status).toBe('removed');
  }

  for (const transport of WS_LANES) {
    it(`${transport}: the server closes the socket with 1008 removed`, async () => {
      const h = harness();
      const room = new FakeRoom();
      h.fetch.handler = room.handler();
      const client = createClient(transport, h.options);
      const seen = observe(client);
      client.connect();
      const ws = FakeWebSocket.last();
      ws.serverOpen();
      ws.serverSend({ type: 'welcome', clientId: 'me', clientSecret: secretOf('me'), lastSeq: 0 });
      client.send('never acknowledged');
      ws.readyState = 3;
      ws.onclose?.({ code: 1008, reason: 'removed' });
      expect(seen.errors.map((e) => e.code)).toEqual(['CLIENT_REMOVED']);
      await expectStopped(h, client, seen);
    });

    it(`${transport}: a handshake refused after the removal (the close was missed): asks, then stops`, async () => {
      const h = harness({ backoff: { jitter: 0 } });
      const room = new FakeRoom();
      h.fetch.handler = room.handler();
      const { clientId, clientSecret } = room.join();
      const client = createClient(transport, h.options);
      const seen = observe(client);
      client.connect();
      const ws = FakeWebSocket.last();
      ws.serverOpen();
      ws.serverSend({ type: 'welcome', clientId, clientSecret, lastSeq: 0 });
      ws.serverDrop(); // the network goes; meanwhile the teacher removes the client
      room.remove(clientId);
      await h.clock.advance(250);
      const refused = FakeWebSocket.last();
      expect(refused).not.toBe(ws);
      refused.serverDrop(); // 403 on the handshake: a page sees only an error and 1006
      await flush();
      expect(bodies(h, '/api/class/me')).toEqual([{ clientId, clientSecret }]);
      expect(seen.errors.map((e) => e.code)).toEqual(['NETWORK', 'NETWORK', 'CLIENT_REMOVED']);
      const asked = seen.records.filter((r) => r.url === '/api/class/me' && r.endedAt !== undefined);
      expect(asked).toEqual([expect.objectContaining({ method: 'POST', status: 403 })]);
      await expectStopped(h, client, seen);
    });
  }

  it('a refused handshake of a client still in the room (locked or not) is the network: it reconnects as usual', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const room = new FakeRoom();
    room.locked = true; // the lock is for new identities only
    h.fetch.handler = room.handler();
    const { clientId, clientSecret } = room.join();
    const client = createClient('ws-raw', { ...h.options, clientId, clientSecret });
    const seen = observe(client);
    client.connect();
    FakeWebSocket.last().serverDrop();
    await flush();
    expect(h.fetch.to('/api/class/me')).toHaveLength(1);
    expect(h.fetch.to('/api/info')).toHaveLength(0);
    expect(client.getSnapshot().status).toBe('reconnecting');
    await h.clock.advance(250);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(seen.errors.map((e) => e.code)).toEqual(['NETWORK']);
    client.close();
  });

  it('the reconnect waits for the answer, and a silent server does not hold it longer than STANDING_TIMEOUT_MS', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    h.fetch.handler = () => undefined; // the question is never answered
    const client = createClient('ws-lib', { ...h.options, clientId: 'me', clientSecret: secretOf('me') });
    client.connect();
    FakeWebSocket.last().serverDrop();
    await h.clock.advance(4_999);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(h.fetch.open('/api/class/me')).toHaveLength(1);
    await h.clock.advance(1);
    expect(h.fetch.to('/api/class/me')[0]!.aborted).toBe(true);
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(client.getSnapshot().status).toBe('reconnecting');
    client.close();
    expect(h.clock.pending()).toEqual([]);
  });

  for (const transport of HTTP_SEND_VIAS) {
    it(`${transport}: a send answered 403 CLIENT_REMOVED`, async () => {
      const h = harness();
      const room = new FakeRoom();
      h.fetch.handler = room.handler();
      const client = createClient(transport, h.options);
      const seen = observe(client);
      client.connect();
      await h.clock.advance(0);
      FakeEventSource.instances.at(-1)?.serverOpen();
      room.remove('c1');
      client.send('after removal');
      client.send('and another');
      await h.clock.advance(0);
      expect(bodies(h, '/api/messages')).toHaveLength(1);
      expect(room.messages).toEqual([]);
      expect(seen.errors.map((e) => e.code)).toEqual(['CLIENT_REMOVED']);
      expect(FakeEventSource.instances.every((es) => es.closed)).toBe(true);
      expect(h.fetch.calls.filter((c) => !c.settled)).toEqual([]); // a held long poll is let go
      await expectStopped(h, client, seen);
    });
  }

  it('long-poll: a held poll the server answers 403 CLIENT_REMOVED', async () => {
    const h = harness();
    const room = new FakeRoom();
    room.refuseRemovedPolls = true;
    h.fetch.handler = room.handler();
    const client = createClient('long-poll', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    const [held] = h.fetch.open('/api/longpoll');
    room.remove('c1');
    held!.respond(403, { error: { code: 'CLIENT_REMOVED', message: 'removed by the teacher' } });
    await h.clock.advance(0);
    expect(seen.errors).toEqual([{ code: 'CLIENT_REMOVED', message: 'removed by the teacher' }]);
    await expectStopped(h, client, seen);
  });

  it('sse: the stream ends, its reopening is refused: asks, then stops', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const room = new FakeRoom();
    h.fetch.handler = room.handler();
    const client = createClient('sse', h.options);
    const seen = observe(client);
    client.connect();
    await h.clock.advance(0);
    const stream = FakeEventSource.last();
    stream.serverOpen();
    room.remove('c1');
    stream.serverError(); // the server ends a removed client's stream: to a page, like any drop
    expect(client.getSnapshot().status).toBe('reconnecting');
    await h.clock.advance(250);
    const reopened = FakeEventSource.last();
    expect(reopened).not.toBe(stream);
    reopened.serverError(); // 403 to the new stream: EventSource says only "error"
    await flush();
    expect(bodies(h, '/api/class/me')).toEqual([{ clientId: 'c1', clientSecret: secretOf('c1') }]);
    expect(seen.errors.map((e) => e.code)).toEqual(['NETWORK', 'NETWORK', 'CLIENT_REMOVED']);
    expect(reopened.closed).toBe(true);
    await expectStopped(h, client, seen);
  });
});

describe('a locked room: ROOM_LOCKED once, no retry loop, and a later connect() tries again', () => {
  for (const transport of HTTP_SEND_VIAS) {
    it(`${transport}: join answered 423`, async () => {
      const h = harness();
      const room = new FakeRoom();
      room.locked = true;
      h.fetch.handler = room.handler();
      const client = createClient(transport, h.options);
      const seen = observe(client);
      client.send('queued while locked', { clientMsgId: 'q' });
      client.connect();
      await h.clock.advance(0);
      expect(client.getSnapshot()).toMatchObject({ status: 'locked', clientId: null, pendingSends: 1 });
      expect(seen.errors.map((e) => e.code)).toEqual(['ROOM_LOCKED']);
      await h.clock.advance(60_000);
      expect(h.fetch.calls).toHaveLength(1);
      expect(h.clock.pending()).toEqual([]);

      client.connect(); // still locked: one more answer, one more event, still no loop
      await h.clock.advance(60_000);
      expect(h.fetch.to('/api/join')).toHaveLength(2);
      expect(seen.errors.map((e) => e.code)).toEqual(['ROOM_LOCKED', 'ROOM_LOCKED']);

      room.locked = false;
      client.connect();
      await h.clock.advance(0);
      FakeEventSource.instances.at(-1)?.serverOpen();
      await h.clock.advance(0);
      expect(client.getSnapshot()).toMatchObject({ status: 'open', clientId: 'c1', pendingSends: 0 });
      expect(room.messages.map((m) => m.clientMsgId)).toEqual(['q']);
      client.close();
    });
  }

  for (const transport of WS_LANES) {
    it(`${transport}: a new identity's handshake refused with 423`, async () => {
      const h = harness({ backoff: { jitter: 0 } });
      const room = new FakeRoom();
      room.locked = true;
      h.fetch.handler = room.handler();
      const client = createClient(transport, h.options);
      const seen = observe(client);
      client.connect();
      FakeWebSocket.last().serverDrop(); // 423: a page sees only an error and 1006
      await flush();
      expect(h.fetch.to('/api/class/me')).toHaveLength(0); // no identity to ask about
      expect(h.fetch.to('/api/info')).toHaveLength(1);
      expect(client.getSnapshot().status).toBe('locked');
      expect(seen.errors.map((e) => e.code)).toEqual(['NETWORK', 'ROOM_LOCKED']);
      await h.clock.advance(60_000);
      expect(FakeWebSocket.instances).toHaveLength(1);
      expect(h.clock.pending()).toEqual([]);

      room.locked = false;
      client.resume();
      expect(FakeWebSocket.instances).toHaveLength(2);
      const ws = FakeWebSocket.last();
      ws.serverOpen();
      ws.serverSend({ type: 'welcome', clientId: 'new', clientSecret: secretOf('new'), lastSeq: 0 });
      expect(client.getSnapshot()).toMatchObject({ status: 'open', clientId: 'new' });
      client.close();
    });
  }

  it('an identity the server does not adopt asks for a new one, so the lock applies to it too', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const room = new FakeRoom();
    room.locked = true;
    h.fetch.handler = room.handler();
    const client = createClient('ws-raw', { ...h.options, clientId: 'forgotten', clientSecret: 'whatever' });
    const seen = observe(client);
    client.connect();
    FakeWebSocket.last().serverDrop();
    await flush();
    expect(h.fetch.to('/api/class/me').map((c) => c.settled)).toEqual([true]);
    expect(h.fetch.to('/api/info')).toHaveLength(1);
    expect(seen.errors.map((e) => e.code)).toEqual(['NETWORK', 'ROOM_LOCKED']);
    expect(client.getSnapshot().status).toBe('locked');
    client.close();
  });
});

describe('403 NOT_YOUR_CLIENT on a send: the identity is lost, rejoin and resend', () => {
  for (const transport of HTTP_SEND_VIAS) {
    it(`${transport}: a stale secret`, async () => {
      const h = harness();
      const room = new FakeRoom();
      h.fetch.handler = room.handler();
      const { clientId } = room.join(); // c1, whose secret this client no longer holds
      const client = createClient(transport, { ...h.options, clientId, clientSecret: 'stale', after: 0 });
      const seen = observe(client);
      client.connect();
      await h.clock.advance(0);
      FakeEventSource.instances.at(-1)?.serverOpen();
      client.send('mine', { clientMsgId: 'k' });
      await h.clock.advance(0);
      FakeEventSource.instances.at(-1)?.serverOpen();
      await h.clock.advance(0);
      expect(bodies(h, '/api/messages').map((b) => [b.clientId, b.clientSecret, b.clientMsgId])).toEqual([
        ['c1', 'stale', 'k'],
        ['c2', secretOf('c2'), 'k'],
      ]);
      expect(seen.errors.map((e) => e.code)).toEqual(['NOT_YOUR_CLIENT']);
      expect(room.messages.map((m) => [m.clientId, m.clientMsgId, m.text])).toEqual([['c2', 'k', 'mine']]);
      expect(client.getSnapshot()).toMatchObject({ clientId: 'c2', pendingSends: 0, status: 'open' });
      expect(client.identity()).toEqual({ clientId: 'c2', clientSecret: secretOf('c2') });
      client.close();
    });
  }
});

describe('clientMsgIds nobody can guess', () => {
  it('come from random bytes, not from a counter or the jitter source: 128 bits, distinct, every position varies', () => {
    const h = harness(); // Math.random replaced by a constant: ids must not depend on it
    const ids: string[] = [];
    for (const transport of ['ws-raw', 'short-poll'] as TransportId[]) {
      const client = createClient(transport, h.options);
      for (let i = 0; i < 500; i++) ids.push(client.send(`m${i}`));
      client.close();
    }
    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    // A counter, a timestamp or a shared prefix would keep some positions nearly constant.
    for (let position = 0; position < 32; position++) {
      expect(new Set(ids.map((id) => id[position])).size, `position ${position}`).toBeGreaterThanOrEqual(12);
    }
  });

  it('use the injected random source as is (getRandomValues)', () => {
    const h = harness();
    let next = 0;
    const client = createClient('sse', {
      ...h.options,
      getRandomValues: (bytes) => {
        for (let i = 0; i < bytes.length; i++) bytes[i] = next++ & 0xff;
        return bytes;
      },
    });
    expect(client.send('a')).toBe('000102030405060708090a0b0c0d0e0f');
    expect(client.send('b')).toBe('101112131415161718191a1b1c1d1e1f');
    expect(client.send('c', { clientMsgId: 'chosen' })).toBe('chosen');
    client.close();
  });
});
