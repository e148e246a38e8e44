// Property: whatever the drops, replays and stray old frames, the app sees each seq
// once, in increasing order, with no gap, when every server answer continues the cursor.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.ts';
import { FakeWebSocket, harness, msg, observe } from './fakes.ts';

describe('resume cursor (property)', () => {
  it('drops and replays never produce a gap, a duplicate or a reordering', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            // how many new messages this connection carries before it drops
            fresh: fc.integer({ min: 0, max: 8 }),
            // stale frames (already seen seqs) mixed in, at random positions
            stale: fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 4 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        async (connections) => {
          const h = harness({ backoff: { jitter: 0, initialMs: 10, maxMs: 10 } });
          const client = createClient('ws-raw', { ...h.options, after: 0, clientId: 'me' });
          const seen = observe(client);
          client.connect();
          let serverLast = 0;
          for (const connection of connections) {
            const ws = FakeWebSocket.last();
            const after = Number(ws.url.searchParams.get('after'));
            expect(after).toBe(seen.seqs().at(-1) ?? 0);
            const target = serverLast + connection.fresh;
            ws.serverOpen();
            ws.serverSend({ type: 'welcome', clientId: 'me', lastSeq: target });
            const frames: number[] = [];
            for (let seq = after + 1; seq <= target; seq++) frames.push(seq);
            for (const pick of connection.stale) {
              if (after === 0) break;
              const seq = 1 + (pick % after);
              frames.splice(pick % (frames.length + 1), 0, seq);
            }
            for (const seq of frames) ws.serverSend(msg(seq));
            serverLast = target;
            ws.serverDrop();
            await h.clock.advance(10);
          }
          const seqs = seen.seqs();
          expect(seqs).toEqual(Array.from({ length: serverLast }, (_, i) => i + 1));
          expect(client.getSnapshot().lastSeq).toBe(serverLast);
          client.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});
