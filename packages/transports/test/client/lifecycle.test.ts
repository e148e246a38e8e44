// The client's lifecycle table binds (lifecycle-table.ts): one row for every state × event,
// transition() throws on a pair without one, and the clients go through it — every status an
// app sees is the status of the row being run, checked on random walks of real clients.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CLIENT_EVENTS,
  CLIENT_STATE_STATUS,
  CLIENT_STATES,
  CLIENT_TRANSITIONS,
  createClient,
  transition,
  type ClientEvent,
  type ClientState,
  type ClientStatus,
  type ClientTransition,
  type TransportClient,
} from '../../src/client/index.ts';
import { Lifecycle } from '../../src/client/lifecycle.ts';
import type { TransportId } from '../../src/contract.ts';
import { FakeEventSource, FakeRoom, FakeWebSocket, flush, harness, observe } from './fakes.ts';

const ALL_STATUSES: readonly ClientStatus[] = ['idle', 'connecting', 'open', 'reconnecting', 'paused', 'locked', 'removed', 'closed'];

describe('the client lifecycle table', () => {
  it('has exactly one row for every state × event, and nothing else', () => {
    const count = new Map<string, number>();
    for (const row of CLIENT_TRANSITIONS) {
      expect(CLIENT_STATES).toContain(row.from);
      expect(CLIENT_STATES).toContain(row.to);
      expect(CLIENT_EVENTS).toContain(row.event);
      const key = `${row.from} × ${row.event}`;
      count.set(key, (count.get(key) ?? 0) + 1);
    }
    const missing: string[] = [];
    const doubled: string[] = [];
    for (const state of CLIENT_STATES) {
      for (const event of CLIENT_EVENTS) {
        const n = count.get(`${state} × ${event}`) ?? 0;
        if (n === 0) missing.push(`${state} × ${event}`);
        if (n > 1) doubled.push(`${state} × ${event}`);
      }
    }
    expect(missing).toEqual([]);
    expect(doubled).toEqual([]);
    expect(CLIENT_TRANSITIONS).toHaveLength(CLIENT_STATES.length * CLIENT_EVENTS.length);
  });

  it('transition() gives the row, and throws on a pair without one', () => {
    expect(transition('open', 'lost')).toEqual(expect.objectContaining({ to: 'backoff' }));
    expect(transition('backoff', 'retry')).toEqual(expect.objectContaining({ to: 'reconnecting' }));
    expect(transition('backoff', 'cut').action).toBe('ignore');
    expect(() => transition('open', 'teleport' as ClientEvent)).toThrow(/no transition for 'teleport' in state 'open'/);
    expect(() => transition('asleep' as ClientState, 'connect')).toThrow(/no transition/);
  });

  it("'ignore' rows stay put, final states take nothing, and every state and status is reached from idle", () => {
    for (const row of CLIENT_TRANSITIONS) if (row.action === 'ignore') expect(row.to).toBe(row.from);
    for (const state of ['removed', 'closed'] as const) {
      expect(CLIENT_TRANSITIONS.filter((r) => r.from === state && r.action !== 'ignore')).toEqual([]);
    }
    const reached = new Set<ClientState>(['idle']);
    for (let grew = true; grew; ) {
      grew = false;
      for (const row of CLIENT_TRANSITIONS) {
        if (reached.has(row.from) && !reached.has(row.to)) {
          reached.add(row.to);
          grew = true;
        }
      }
    }
    expect([...reached].sort()).toEqual([...CLIENT_STATES].sort());
    expect(new Set(Object.values(CLIENT_STATE_STATUS))).toEqual(new Set(ALL_STATUSES));
  });
});

// ---- the code goes through the table -------------------------------------------------------

const clientSrc = join(dirname(fileURLToPath(import.meta.url)), '../../src/client');

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/**
 * Places in a client source file that set the lifecycle state or say a status, other than
 * lifecycle.ts's fire() (the state) and base.ts's one statusChanged hook (the status event).
 */
function statusWrites(file: string, source: string): string[] {
  const code = stripComments(source);
  const found: string[] = [];
  const count = (re: RegExp): number => [...code.matchAll(re)].length;
  const stateWrites = count(/\bthis\.current\s*=(?!=)/g);
  if (stateWrites > (file === 'lifecycle.ts' ? 1 : 0)) found.push(`${file}: sets the lifecycle state`);
  if (/\bstatus\s*=\s*['"]/.test(code) || /\bsetStatus\s*\(/.test(code)) found.push(`${file}: sets a status`);
  const statusEvents = count(/\bemit\(\s*['"]status['"]/g);
  if (statusEvents > (file === 'base.ts' ? 1 : 0)) found.push(`${file}: emits a status event`);
  const hooks = count(/\bstatusChanged\(/g);
  if (file !== 'lifecycle.ts' && hooks > 0) found.push(`${file}: calls statusChanged`);
  return found;
}

/** Places that compare or take apart a cursor outside delivery.ts and cursor.ts. */
function cursorReads(file: string, source: string): string[] {
  if (file === 'delivery.ts' || file === 'cursor.ts') return [];
  const code = stripComments(source);
  const found: string[] = [];
  if (/\bjudgeCursorAnswer\b/.test(code) && file !== 'index.ts') found.push(`${file}: judges a cursor itself`);
  if (/\bcursor\.(lastSeq|position\(\))/.test(code) && file !== 'base.ts') found.push(`${file}: reads the cursor`);
  return found;
}

describe('the clients go through the table and the one cursor judge', () => {
  const files = readdirSync(clientSrc).filter((name) => name.endsWith('.ts'));

  it('finds the client sources', () => {
    expect(files).toEqual(expect.arrayContaining(['base.ts', 'lifecycle.ts', 'lifecycle-table.ts', 'delivery.ts', 'ws-client.ts', 'sse.ts']));
  });

  it('no file sets a status or the state outside the table', () => {
    const found = files.flatMap((f) => statusWrites(f, readFileSync(join(clientSrc, f), 'utf8')));
    expect(found).toEqual([]);
  });

  it('no file compares cursors outside delivery.ts and cursor.ts', () => {
    const found = files.flatMap((f) => cursorReads(f, readFileSync(join(clientSrc, f), 'utf8')));
    expect(found).toEqual([]);
  });

  it('the checks catch what they look for', () => {
    expect(statusWrites('ws-client.ts', "if (x) this.status = 'open';")).toEqual(['ws-client.ts: sets a status']);
    expect(statusWrites('sse.ts', 'this.current = row.to;')).toEqual(['sse.ts: sets the lifecycle state']);
    expect(statusWrites('long-poll.ts', "this.emit('status', 'open');")).toEqual(['long-poll.ts: emits a status event']);
    expect(statusWrites('http-client.ts', "this.host.statusChanged('open');")).toEqual(['http-client.ts: calls statusChanged']);
    expect(statusWrites('lifecycle.ts', '// this.current = x;\nthis.current = row.to;')).toEqual([]);
    expect(cursorReads('http-client.ts', 'if (answer.lastSeq < this.cursor.lastSeq) restart();')).toEqual(['http-client.ts: reads the cursor']);
    expect(cursorReads('ws-client.ts', 'judgeCursorAnswer(known, welcome)')).toEqual(['ws-client.ts: judges a cursor itself']);
  });
});

// ---- random walks of real clients ---------------------------------------------------------------

/** Every fire() in progress, innermost last, with the state it started in. */
interface Firing {
  from: ClientState;
  event: ClientEvent;
  row: ClientTransition;
}

function watchLifecycle(): { stack: Firing[]; problems: string[] } {
  const stack: Firing[] = [];
  const problems: string[] = [];
  const original = Lifecycle.prototype.fire;
  vi.spyOn(Lifecycle.prototype, 'fire').mockImplementation(function (this: Lifecycle, event, detail) {
    const from = this.state;
    let row: ClientTransition;
    try {
      row = transition(from, event);
    } catch (error) {
      problems.push(String(error));
      throw error;
    }
    stack.push({ from, event, row });
    try {
      return original.call(this, event, detail);
    } finally {
      stack.pop();
    }
  });
  return { stack, problems };
}

function lifecycleOf(client: TransportClient): Lifecycle {
  return (client as unknown as { lifecycle: Lifecycle }).lifecycle;
}

type Step =
  | 'connect'
  | 'pause'
  | 'resume'
  | 'cut'
  | 'close'
  | 'send'
  | 'answer'
  | 'drop'
  | 'remove'
  | 'lock'
  | 'unlock'
  | 'restart'
  | 'wait';

/** Steps of a walk; close() ends everything, so it comes rarely. */
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.constantFrom<Step>('connect', 'pause', 'resume', 'cut', 'send', 'lock', 'unlock', 'restart', 'remove'), weight: 9 },
  { arbitrary: fc.constantFrom<Step>('answer', 'drop', 'wait'), weight: 9 },
  { arbitrary: fc.constant<Step>('close'), weight: 1 },
);

/** The server's side of one step, for the newest socket or stream (HTTP requests are answered by the room). */
function serverStep(step: Step, transport: TransportId, room: FakeRoom, me: { clientId: string | null }): void {
  if (transport === 'ws-raw') {
    const ws = FakeWebSocket.instances.at(-1);
    if (ws === undefined || ws.closedWith !== null || ws.readyState === 3) return;
    if (step === 'answer' && ws.readyState === 0) {
      const asked = ws.url.searchParams.get('clientId');
      const adopted = asked !== null && room.clients.has(asked);
      // 423 for a new identity in a locked room, 403 for a removed one: a page sees only 1006.
      if ((!adopted && room.locked) || (asked !== null && room.removed.has(asked))) return ws.serverDrop();
      const identity = adopted ? { clientId: asked, clientSecret: ws.url.searchParams.get('clientSecret') } : room.join();
      me.clientId = identity.clientId;
      ws.serverOpen();
      ws.serverSend({ type: 'welcome', ...identity, ...room.position() });
    }
    if (step === 'drop') ws.serverDrop();
    if (step === 'remove' && ws.readyState === 1 && me.clientId !== null) {
      room.remove(me.clientId);
      ws.readyState = 3;
      ws.onclose?.({ code: 1008, reason: 'removed' });
    }
    return;
  }
  const es = FakeEventSource.instances.at(-1);
  if (es === undefined || es.closed) return;
  const asked = es.url.searchParams.get('clientId');
  if (step === 'answer') {
    if (asked !== null && room.removed.has(asked)) return es.serverError(); // 403: a page sees a bare error
    es.serverOpen();
    es.serverNamed('state', room.position());
  }
  if (step === 'drop') es.serverError();
  if (step === 'remove' && asked !== null) room.remove(asked);
}

describe('random walks: every status comes from the row being run', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  for (const transport of ['ws-raw', 'sse'] as const) {
    it(`${transport}: the status an app sees is always the table's status of the client's state`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 60, size: 'max' }), async (steps) => {
          vi.restoreAllMocks();
          const { stack, problems } = watchLifecycle();
          const h = harness({ backoff: { jitter: 0, initialMs: 100, maxMs: 1_000 } });
          const room = new FakeRoom();
          h.fetch.handler = room.handler();
          const client = createClient(transport, h.options);
          const seen = observe(client);
          const lifecycle = lifecycleOf(client);
          client.on('status', (status) => {
            const firing = stack.at(-1);
            if (firing === undefined) problems.push(`status ${status} outside the table`);
            else if (CLIENT_STATE_STATUS[firing.row.to] !== status) {
              problems.push(`status ${status} during ${firing.from} × ${firing.event} → ${firing.row.to}`);
            }
          });
          const me = { clientId: null as string | null };
          // Most walks start as an app does; a few leave the client idle for a while.
          if (steps.length % 4 !== 0) client.connect();
          for (const step of steps) {
            if (step === 'connect') client.connect();
            else if (step === 'pause') client.pause();
            else if (step === 'resume') client.resume();
            else if (step === 'cut') client.cut();
            else if (step === 'close') client.close();
            else if (step === 'send') {
              const status = client.getSnapshot().status;
              if (status !== 'closed' && status !== 'removed') client.send('hi');
            } else if (step === 'lock') room.locked = true;
            else if (step === 'unlock') room.locked = false;
            else if (step === 'restart') room.restart();
            else if (step === 'wait') await h.clock.advance(1_000);
            else serverStep(step, transport, room, me);
            await flush();
            const state = lifecycle.state;
            if (client.getSnapshot().status !== CLIENT_STATE_STATUS[state]) {
              problems.push(`after ${step}: status ${client.getSnapshot().status} in state ${state}`);
            }
          }
          client.close();
          await h.clock.advance(60_000);
          expect(problems).toEqual([]);
          expect(seen.statuses.at(-1) ?? 'idle').toBe(client.getSnapshot().status);
        }),
        { numRuns: 100 },
      );
    });
  }
});

describe('a listener that acts on what the client reports', () => {
  it('closing the client from its error event leaves it closed: no reconnect is scheduled behind it', async () => {
    const h = harness({ backoff: { jitter: 0 } });
    const client = createClient('ws-raw', h.options);
    const seen = observe(client);
    client.on('error', () => client.close());
    client.connect();
    const ws = FakeWebSocket.last();
    ws.serverOpen();
    ws.serverSend({ type: 'welcome', clientId: 'me', clientSecret: 's', lastSeq: 0 });
    ws.serverDrop();
    expect(seen.errors.map((e) => e.code)).toEqual(['NETWORK']);
    expect(client.getSnapshot().status).toBe('closed');
    expect(seen.statuses).toEqual(['connecting', 'open', 'closed']);
    expect(h.clock.pending()).toEqual([]);
    await h.clock.advance(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });
});
