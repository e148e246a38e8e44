// The model's side of issues #15 and #14: a WebSocket lane's compression switch, and this
// page's requests counted by the server process that served them.
import { describe, expect, it } from 'vitest';
import type { WireRecord } from '@wirebench/transports/client';
import type { TransportId } from '@wirebench/transports/contract';
import { nodeTags } from '../src/lib/node-tags.ts';
import { serverBytesPerMessage } from '../src/lib/stats-math.ts';
import { syncSchedule } from '../src/lib/store.ts';
import { Workbench } from '../src/model/workbench.ts';
import { FakeClient } from './fake-client.ts';

function setup() {
  const clients: FakeClient[] = [];
  const wb = new Workbench({
    factory: (t, o) => {
      const c = new FakeClient(t, o);
      clients.push(c);
      return c;
    },
    fetch: (async () => new Response('{}')) as typeof fetch,
    baseUrl: 'http://x',
    now: () => 1000,
    schedule: syncSchedule,
    EventSource: undefined as unknown as typeof EventSource,
    setInterval: () => ({}),
    clearInterval: () => {},
  });
  const client = (t: TransportId) => clients.filter((c) => c.transport === t).at(-1)!;
  return { wb, clients, client };
}

let nextId = 1;
function record(p: Partial<WireRecord> & Pick<WireRecord, 'kind'>): WireRecord {
  return {
    id: nextId++,
    transport: 'short-poll',
    startedAt: 1000,
    headerBytesUp: 0,
    payloadBytesUp: 0,
    headerBytesDown: 0,
    payloadBytesDown: 0,
    estimated: false,
    messages: 0,
    ...p,
  };
}

describe('compression switch', () => {
  it('reconnects a running WebSocket lane with ?compress, under the same identity, and remembers the choice', () => {
    const { wb, clients, client } = setup();
    wb.start(['ws-raw', 'ws-lib', 'short-poll']);
    const plain = client('ws-raw');
    plain.join('raw-1', 4);
    expect(plain.options.compress).toBeUndefined();

    wb.setCompression('ws-raw', true);
    const compressed = client('ws-raw');
    expect(compressed).not.toBe(plain);
    expect(plain.calls.at(-1)).toBe('close');
    expect(compressed.options).toMatchObject({ compress: true, clientId: 'raw-1', clientSecret: 'secret-of-raw-1' });
    expect(compressed.calls).toEqual(['connect']);
    expect(wb.lane('ws-raw')!.compressed).toBe(true);
    expect(wb.lanes.getSnapshot().map((l) => l.transport)).toEqual(['ws-raw', 'ws-lib', 'short-poll']);
    expect(wb.settings.getSnapshot().compress).toEqual({ 'ws-raw': true, 'ws-lib': false });

    // The same choice again changes nothing; the other lanes were never touched.
    const count = clients.length;
    wb.setCompression('ws-raw', true);
    expect(clients.length).toBe(count);
    expect(client('ws-lib').calls).toEqual(['connect']);
    expect(client('short-poll').calls).toEqual(['connect']);

    wb.setCompression('ws-raw', false);
    expect(client('ws-raw').options.compress).toBeUndefined();
    expect(wb.lane('ws-raw')!.compressed).toBe(false);
    wb.stop();
  });

  it('for a lane that is not there, only remembers: the lane opens compressed when added, and after a reset', () => {
    const { wb, client } = setup();
    wb.start(['short-poll']);
    wb.setCompression('ws-lib', true);
    expect(wb.lane('ws-lib')).toBeUndefined();
    wb.addLane('ws-lib');
    expect(client('ws-lib').options.compress).toBe(true);
    wb.reset();
    expect(client('ws-lib').options.compress).toBe(true);
    expect(client('short-poll').options.compress).toBeUndefined();
    wb.stop();
  });

  it('a running auto-sender aimed at the lane keeps running through the reconnect', () => {
    const { wb } = setup();
    wb.start(['ws-raw']);
    wb.startAutoSend(500, 'ws-raw');
    wb.setCompression('ws-raw', true);
    expect(wb.settings.getSnapshot().autoSend).toMatchObject({ running: true, target: 'ws-raw', stoppedBecause: null });
    wb.stop();
  });

  it('bytes per message on the wire, as the server counts them: both ways over what it delivered', () => {
    expect(serverBytesPerMessage(undefined)).toBeNull();
    expect(serverBytesPerMessage({ bytesIn: 500, bytesOut: 900, delivered: 0 })).toBeNull();
    expect(serverBytesPerMessage({ bytesIn: 500, bytesOut: 900, delivered: 7 })).toBe(200);
  });
});

describe('requests by server process', () => {
  it('counts each request once by its node, when the node comes (an answer, a welcome after the handshake ended)', () => {
    const { wb, client } = setup();
    wb.start(['ws-raw', 'short-poll']);
    const poll = client('short-poll');
    const a = record({ kind: 'http', node: 'node-1', endedAt: 1001 });
    poll.emit('request', record({ kind: 'http', id: a.id + 100 })); // pending: no node yet
    poll.emit('request', a);
    poll.emit('request', { ...a }); // the same record again
    poll.emit('request', record({ kind: 'http', node: 'node-2', endedAt: 1002 }));
    poll.emit('request', record({ kind: 'http', endedAt: 1003 })); // a server that names none
    const ws = client('ws-raw');
    const handshake = record({ kind: 'ws-handshake', transport: 'ws-raw', status: 101, endedAt: 1004 });
    ws.emit('request', handshake);
    ws.emit('request', { ...handshake, node: 'node-2' });
    ws.emit('request', record({ kind: 'ws-frame-in', transport: 'ws-raw', node: 'node-2' })); // a frame is not a request
    expect(wb.served.getSnapshot()).toEqual({ 'node-1': 1, 'node-2': 2 });
    wb.reset();
    expect(wb.served.getSnapshot()).toEqual({});
    wb.stop();
  });
});

describe('node tags', () => {
  it('keep the part that tells processes apart', () => {
    // pnpm start:cluster's names, and the default host:port of several processes on one machine.
    expect(nodeTags(['node-1:3101', 'node-2:3102'])).toEqual({ 'node-1:3101': 'node-1', 'node-2:3102': 'node-2' });
    expect(nodeTags(['laptop:3001', 'laptop:3002'])).toEqual({ 'laptop:3001': ':3001', 'laptop:3002': ':3002' });
    expect(nodeTags(['a:3000', 'b:3000'])).toEqual({ 'a:3000': 'a', 'b:3000': 'b' });
    expect(nodeTags(['node-1', 'node-2'])).toEqual({ 'node-1': 'node-1', 'node-2': 'node-2' });
    // Nothing splits them cleanly: the whole ids.
    expect(nodeTags(['a:1', 'a:1', 'b'])).toEqual({ 'a:1': 'a:1', b: 'b' });
  });
});
