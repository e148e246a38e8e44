// Three built server processes share one room in a real Redis, behind the
// request-by-request round-robin: no request needs the process that served the
// one before. The checks run in order on one cluster (each leaves it usable for
// the next): every transport's client across processes, a long poll answered from
// another process, Redis restarted with its data, a process killed mid-burst, and
// last, Redis restarted without its data (a new epoch).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRANSPORT_IDS, type ChatMessage } from '@wirebench/transports/contract';
import { stopAllServers } from '../helpers/process.ts';
import { stopAllRedis } from '../helpers/redis.ts';
import { gaps, lane, postJson, startCluster, waitFor, type Cluster, type Lane } from './cluster.ts';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster(3);
}, 30_000);

afterAll(async () => {
  await cluster?.stop();
  await stopAllServers();
  await stopAllRedis();
}, 30_000);

const open = (lanes: Lane[]) =>
  waitFor('every lane open', () => lanes.every((l) => l.client.getSnapshot().status === 'open'), 15_000, () =>
    lanes.map((l) => [l.transport, l.client.getSnapshot().status, l.errors]),
  );

function texts(l: Lane): string[] {
  return l.received.map((m) => m.text);
}

/** Every lane got every text once, and its seqs go up by one. */
function expectWhole(lanes: Lane[], sent: string[]): void {
  for (const l of lanes) {
    expect(gaps(l.received.map((m) => m.seq)), `${l.transport}: seqs in order without a gap`).toEqual([]);
    const got = texts(l);
    expect(sent.filter((t) => got.filter((g) => g === t).length !== 1), `${l.transport}: texts not received exactly once`).toEqual([]);
  }
}

describe('several processes, one room (Redis)', () => {
  it('the round-robin spreads requests over the three processes, one request at a time', async () => {
    const nodes = new Set<string | null>();
    for (let i = 0; i < 6; i++) nodes.add((await fetch(`${cluster.url}/healthz`)).headers.get('x-wirebench-node'));
    expect([...nodes].sort()).toEqual(['node-1', 'node-2', 'node-3']);
  });

  it("every transport's client through the round-robin: no gap, no duplicate, the same order", async () => {
    const lanes = TRANSPORT_IDS.map((t) => lane(t, cluster.url));
    try {
      for (const l of lanes) l.client.connect();
      await open(lanes);
      const sent: string[] = [];
      for (let i = 0; i < 100; i++) {
        const l = lanes[i % lanes.length]!;
        const text = `cross ${i} via ${l.transport}`;
        l.client.send(text);
        sent.push(text);
      }
      await waitFor('every lane has every message', () => lanes.every((l) => sent.every((t) => texts(l).includes(t))), 30_000, () =>
        lanes.map((l) => [l.transport, l.received.length]),
      );
      expectWhole(lanes, sent);
      // The same seq for the same message everywhere.
      const bySeq = (l: Lane) => l.received.filter((m) => sent.includes(m.text)).map((m) => `${m.seq}:${m.text}`);
      for (const l of lanes.slice(1)) expect(bySeq(l), l.transport).toEqual(bySeq(lanes[0]!));
    } finally {
      for (const l of lanes) l.client.close();
    }
  }, 45_000);

  it('a long poll held on one process is answered by a message posted through another', async () => {
    const [a, b] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
    const joined = await postJson(`${b.url}/api/join`, { name: 'poster' });
    const held = fetch(`${a.url}/api/longpoll?after=${joined.body.lastSeq}&timeout=10000`);
    await new Promise((r) => setTimeout(r, 200));
    const started = performance.now();
    const posted = await postJson(`${b.url}/api/messages`, { clientId: joined.body.clientId, clientSecret: joined.body.clientSecret, text: 'across' });
    expect(posted).toMatchObject({ status: 201, node: 'node-2' });
    const answer = await held;
    expect(answer.headers.get('x-wirebench-node')).toBe('node-1');
    expect((await answer.json()).messages).toEqual([posted.body.message]);
    expect(performance.now() - started).toBeLessThan(2_000);
  }, 20_000);

  it('Redis restarted with its data (append-only, fsync always): nothing acknowledged is lost, the epoch stays', async () => {
    const joined = await postJson(`${cluster.url}/api/join`, { name: 'durable' });
    const acked: ChatMessage[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await postJson(`${cluster.url}/api/messages`, { clientId: joined.body.clientId, clientSecret: joined.body.clientSecret, text: `durable ${i}` });
      expect(r.status).toBe(201);
      acked.push(r.body.message);
    }
    await cluster.redis.restart({ keepData: true });
    for (const node of cluster.nodes) {
      let answer: any;
      await waitFor(`${node.url} serves again`, async () => {
        const res = await fetch(`${node.url}/api/poll?after=${acked[0]!.seq - 1}`);
        answer = res.status === 200 ? await res.json() : undefined;
        return answer !== undefined;
      });
      expect(answer.epoch).toBe(joined.body.epoch);
      expect(answer.messages.slice(0, 30)).toEqual(acked);
    }
    const next = await postJson(`${cluster.url}/api/messages`, { clientId: joined.body.clientId, clientSecret: joined.body.clientSecret, text: 'after' });
    expect(next.body.message.seq).toBe(acked.at(-1)!.seq + 1);
  }, 30_000);

  it('one process killed (SIGKILL) mid-burst: its clients resume on the others with no gap', async () => {
    const lanes = TRANSPORT_IDS.map((t) => lane(t, cluster.url));
    try {
      for (const l of lanes) l.client.connect();
      await open(lanes);
      const sent: string[] = [];
      for (let i = 0; i < 150; i++) {
        if (i === 50) await cluster.nodes[2]!.stop('SIGKILL', 0);
        const l = lanes[i % lanes.length]!;
        const text = `burst ${i} via ${l.transport}`;
        l.client.send(text);
        sent.push(text);
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 10));
      }
      await waitFor('every lane has every message', () => lanes.every((l) => sent.every((t) => texts(l).includes(t))), 30_000, () =>
        lanes.map((l) => [l.transport, l.received.length, l.errors.slice(-3)]),
      );
      expectWhole(lanes, sent);
      // The proxy now answers from the two that are left.
      const nodes = new Set<string | null>();
      for (let i = 0; i < 6; i++) nodes.add((await fetch(`${cluster.url}/healthz`)).headers.get('x-wirebench-node'));
      expect([...nodes].sort()).toEqual(['node-1', 'node-2']);
    } finally {
      for (const l of lanes) l.client.close();
    }
  }, 45_000);

  it('Redis restarted with its data gone: a new epoch, and every client starts again cleanly, no silent skip', async () => {
    const lanes = TRANSPORT_IDS.map((t) => lane(t, cluster.url));
    try {
      for (const l of lanes) l.client.connect();
      await open(lanes);
      const before = (await (await fetch(`${cluster.url}/api/stats`)).json()).room.epoch as string;
      await cluster.redis.restart({ keepData: false });
      let after = before;
      await waitFor('a new epoch', async () => {
        const res = await fetch(`${cluster.url}/api/stats`).catch(() => undefined);
        if (res?.status === 200) after = (await res.json()).room.epoch;
        return after !== before;
      });
      await waitFor('every lane in the new room', () => lanes.every((l) => l.client.getSnapshot().epoch === after && l.client.getSnapshot().status === 'open'), 20_000, () =>
        lanes.map((l) => [l.transport, l.client.getSnapshot().status, l.client.getSnapshot().epoch, l.errors.slice(-3)]),
      );
      const sent: string[] = [];
      for (let i = 0; i < 20; i++) {
        const l = lanes[i % lanes.length]!;
        const text = `new room ${i}`;
        l.client.send(text);
        sent.push(text);
      }
      await waitFor('every lane has the new room', () => lanes.every((l) => sent.every((t) => texts(l).includes(t))), 20_000, () =>
        lanes.map((l) => [l.transport, l.received.length]),
      );
      for (const l of lanes) {
        expect(l.errors, l.transport).toContain('SERVER_RESTARTED');
        const fresh = l.received.filter((m) => m.text.startsWith('new room'));
        expect(fresh.map((m) => m.seq), `${l.transport}: the new room from seq 1`).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      }
    } finally {
      for (const l of lanes) l.client.close();
    }
  }, 45_000);
});
