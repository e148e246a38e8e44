// Property: whatever the drops, replays and stray old frames, the app sees each seq
// once, in increasing order, with no gap, when every server answer continues the cursor.
// And whatever the restarts (new epoch, new room smaller or larger than the cursor), the
// app sees every room from seq 1, each new room announced by exactly one SERVER_RESTARTED.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/contract.ts';
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

  it('restarts never make the app skip or repeat a message of the new room', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            // the server starts the room again before this connection, with `size` messages already in it
            restart: fc.boolean(),
            size: fc.integer({ min: 0, max: 12 }),
            fresh: fc.integer({ min: 0, max: 6 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        async (connections) => {
          const h = harness({ backoff: { jitter: 0, initialMs: 10, maxMs: 10 } });
          const client = createClient('ws-raw', { ...h.options, after: 0, clientId: 'me' });
          const events: Array<ChatMessage | 'restart'> = [];
          client.on('message', (m) => events.push(m));
          client.on('error', (e) => {
            if (e.code === 'SERVER_RESTARTED') events.push('restart');
          });
          client.connect();
          let epoch = 0;
          let lastSeq = 0;
          const text = (seq: number) => `e${epoch}:${seq}`;
          /** A socket as the server treats it: CONTRACT "another epoch" replays nothing. */
          const serve = (ws: FakeWebSocket): void => {
            const after = Number(ws.url.searchParams.get('after') ?? 0);
            const asked = ws.url.searchParams.get('epoch');
            ws.serverOpen();
            ws.serverSend({ type: 'welcome', clientId: 'me', lastSeq, epoch: `e${epoch}` });
            if ((asked !== null && asked !== `e${epoch}`) || after > lastSeq) return;
            for (let seq = after + 1; seq <= lastSeq; seq++) ws.serverSend(msg(seq, { text: text(seq) }));
          };
          let detectable = 0;
          let served = 0;
          for (const [i, connection] of connections.entries()) {
            if (connection.restart) {
              epoch += 1;
              lastSeq = connection.size;
              if (i > 0) detectable += 1; // before the first welcome the client knows no epoch, and needs none
            }
            while (served < FakeWebSocket.instances.length) serve(FakeWebSocket.instances[served++]!);
            const ws = FakeWebSocket.last();
            for (let k = 0; k < connection.fresh; k++) ws.serverSend(msg(++lastSeq, { text: text(lastSeq) }));
            ws.serverDrop();
            await h.clock.advance(10);
          }
          // Split what the app saw at each restart: every part is one room, from seq 1 (or
          // from where the first connection started), without a gap or a repeat.
          const parts: ChatMessage[][] = [[]];
          for (const event of events) {
            if (event === 'restart') parts.push([]);
            else parts.at(-1)!.push(event);
          }
          expect(parts.length - 1).toBe(detectable);
          for (const part of parts) {
            expect(part.map((m) => m.seq)).toEqual(part.map((_, k) => k + 1));
            expect(new Set(part.map((m) => m.text.split(':')[0])).size).toBeLessThanOrEqual(1);
          }
          const last = parts.at(-1)!;
          if (last.length > 0) expect(last.at(-1)!.text).toBe(text(lastSeq));
          expect(client.getSnapshot().lastSeq).toBe(lastSeq);
          client.close();
        },
      ),
      { numRuns: 150 },
    );
  });
});
