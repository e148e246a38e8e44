import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay, DEFAULT_BACKOFF, resolveBackoff } from '../../src/client/backoff.ts';
import { createClient } from '../../src/client/index.ts';
import { FakeWebSocket, flush, harness } from './fakes.ts';

describe('backoff', () => {
  it('doubles from 250 ms up to the 10 s cap without jitter', () => {
    const b = new Backoff(DEFAULT_BACKOFF, () => 0);
    const delays = Array.from({ length: 9 }, () => b.next());
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
  });

  it('takes at most jitter * delay off the top', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 1)).toBe(125);
    expect(backoffDelay(3, DEFAULT_BACKOFF, () => 0.5)).toBe(1500);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, jitter, r) => {
          const options = resolveBackoff({ jitter });
          const ceiling = Math.min(options.maxMs, options.initialMs * options.factor ** attempt);
          const delay = backoffDelay(attempt, options, () => r);
          return delay <= ceiling && delay >= ceiling * (1 - jitter) - 1e-9;
        },
      ),
    );
  });

  it('starts over after reset()', () => {
    const b = new Backoff(resolveBackoff({ initialMs: 100, factor: 3, maxMs: 1000, jitter: 0 }), () => 0.7);
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([100, 300, 900, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('rejects impossible options', () => {
    expect(() => resolveBackoff({ jitter: 2 })).toThrow(RangeError);
    expect(() => resolveBackoff({ initialMs: 500, maxMs: 100 })).toThrow(RangeError);
    expect(() => resolveBackoff({ factor: 0.5 })).toThrow(RangeError);
  });

  it('a client waits the backoff sequence between failed handshakes and resets after a welcome', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const client = createClient('ws-raw', h.options);
    client.connect();
    expect(FakeWebSocket.instances).toHaveLength(1);

    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      FakeWebSocket.last().serverDrop(); // refused before open
      expect(client.getSnapshot().status).toBe('reconnecting');
      const [wait] = h.clock.pending();
      waits.push(wait!);
      await h.clock.advance(wait! - 1);
      expect(FakeWebSocket.instances).toHaveLength(i + 1);
      await h.clock.advance(1);
      expect(FakeWebSocket.instances).toHaveLength(i + 2);
    }
    expect(waits).toEqual([250, 500, 1000, 2000]);
    expect(client.getSnapshot().counters.reconnects).toBe(4);

    const ws = FakeWebSocket.last();
    ws.serverOpen();
    ws.serverSend({ type: 'welcome', clientId: 'a', lastSeq: 0 });
    expect(client.getSnapshot().status).toBe('open');
    ws.serverDrop();
    expect(h.clock.pending()).toEqual([250]);
    client.close();
  });

  it('applies jitter from the injected random source', async () => {
    const h = harness({ backoff: { initialMs: 1000, jitter: 0.5 } });
    h.randoms.push(1, 0.2);
    const client = createClient('ws-lib', h.options);
    client.connect();
    FakeWebSocket.last().serverDrop();
    await flush(); // the client asks why the handshake failed: nothing listens, so it was the network
    expect(h.clock.pending()).toEqual([500]); // 1000 * (1 - 0.5 * 1)
    await h.clock.advance(500);
    FakeWebSocket.last().serverDrop();
    await flush();
    expect(h.clock.pending()).toEqual([1800]); // 2000 * (1 - 0.5 * 0.2)
    client.close();
    expect(h.clock.pending()).toEqual([]);
  });
});
