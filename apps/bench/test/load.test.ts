import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { CHAT_TRANSPORTS, benchText } from '../src/protocol.ts';
import { RECEIVERS } from '../src/load/receivers.ts';
import { SENDERS } from '../src/load/sender.ts';
import { collect, resetDeliveries } from '../src/load/deliveries.ts';
import { closeReceivers, startOpening } from '../src/load/receiver.ts';
import { renewAgent } from '../src/load/http.ts';

describe('one load generator per transport', () => {
  it('every transport id of the contract has a receiver and a sender, and the scenarios run each once', () => {
    expect(Object.keys(RECEIVERS).sort()).toEqual([...TRANSPORT_IDS].sort());
    expect(Object.keys(SENDERS).sort()).toEqual([...TRANSPORT_IDS].sort());
    expect([...CHAT_TRANSPORTS].sort()).toEqual([...TRANSPORT_IDS].sort());
    // The order the tables have always used.
    expect(CHAT_TRANSPORTS).toEqual(['ws-raw', 'ws-lib', 'sse', 'long-poll', 'short-poll']);
  });

  it('a table of receivers that leaves a transport out does not typecheck', () => {
    // @ts-expect-error sse, short-poll, long-poll and ws-lib are missing
    const partial: typeof RECEIVERS = { 'ws-raw': RECEIVERS['ws-raw'] };
    expect(Object.keys(partial)).toHaveLength(1);
  });
});

// A stand-in server on 127.0.0.1 that answers the HTTP receivers' requests with one bench message.
describe('HTTP receivers against a stand-in server', () => {
  let server: http.Server | null = null;

  afterEach(async () => {
    closeReceivers();
    renewAgent();
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server!.close(r));
      server = null;
    }
    // A held long poll that close destroyed reports its error a little later; let it land before the reset.
    await new Promise((r) => setTimeout(r, 50));
    resetDeliveries();
  });

  const message = (tag: string, seq: number): string =>
    JSON.stringify({ seq, clientId: 'c', name: 'n', text: benchText(tag, 0, Date.now() - 5), via: 'ws-raw', at: 0 });

  async function serve(handler: http.RequestListener): Promise<string> {
    server = http.createServer(handler);
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async function delivered(tag: string): Promise<ReturnType<typeof collect>> {
    const deadline = Date.now() + 2_000;
    while (collect(tag, true).deliveries === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return collect(tag, true);
  }

  it.each(['short-poll', 'long-poll', 'sse'] as const)('%s: the message is found, timed and counted under its tag', async (transport) => {
    const tag = `t-${transport}`;
    const asked: string[] = [];
    const base = await serve((req, res) => {
      asked.push(req.url!);
      if (req.url!.startsWith('/api/events')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`id: 8\ndata: ${message(tag, 8)}\n\n`);
        return; // held open, like a stream
      }
      if (asked.length > 1 && req.url!.startsWith('/api/longpoll')) return; // the next long poll is held
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`{"messages":[${asked.length === 1 ? message(tag, 8) : ''}],"lastSeq":8}`);
    });
    startOpening();
    await RECEIVERS[transport]({ base, after: 7, pollIntervalMs: 0, longPollTimeoutMs: 1_000 });
    const got = await delivered(tag);
    expect(asked[0]).toMatch(/\?after=7(&|$)/);
    expect(got.deliveries).toBe(1);
    expect(got.latencies['0']).toHaveLength(1);
    expect(got.latencies['0']![0]).toBeGreaterThanOrEqual(4);
    expect(got.errors).toBe(0);
    if (transport === 'long-poll') {
      // Asked again from the answer's lastSeq.
      const deadline = Date.now() + 2_000;
      while (asked.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(asked[1]).toMatch(/\?after=8&timeout=1000$/);
    }
  });
});
