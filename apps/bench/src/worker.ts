// A load worker: a separate process that holds bench clients (WebSocket via `ws`, raw
// node:net for the TCP ceiling, node:http with a keep-alive agent for polling and SSE)
// and does what the driver asks over IPC. It exits when the driver goes away.
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { Reservoir } from './stats.ts';
import { closePeers, drivePeers, echoProbe, openPeers, peersStatus } from './slow-peers.ts';
import {
  benchText,
  type ChatTransport,
  type CollectResult,
  type Command,
  type CpuSample,
  type EchoResult,
  type OpenResult,
  type SendResult,
} from './protocol.ts';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one machine. */
export const now = (): number => performance.timeOrigin + performance.now();

function cpu(): CpuSample {
  const u = process.cpuUsage();
  return { cpuMicros: u.user + u.system, at: now() };
}

const SAMPLE_CAP = 50_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- echo

async function runEcho(c: Extract<Command, { cmd: 'echo' }>): Promise<EchoResult> {
  const payload = Buffer.alloc(c.size);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;
  const reservoir = new Reservoir(SAMPLE_CAP);
  let measuring = false;
  let stopped = false;
  let count = 0;
  let errors = 0;
  const closers: Array<() => void> = [];

  const onRoundTrip = (startedAt: number): void => {
    if (!measuring) return;
    count++;
    reservoir.add(performance.now() - startedAt);
  };

  const opens: Promise<void>[] = [];
  for (let i = 0; i < c.clients; i++) {
    if (c.target === 'tcp') {
      opens.push(
        new Promise<void>((resolve, reject) => {
          const sock = net.connect({ host: '127.0.0.1', port: c.port });
          sock.setNoDelay(true);
          let pending = 0;
          let startedAt = 0;
          const send = (): void => {
            if (stopped) return;
            pending = c.size;
            startedAt = performance.now();
            sock.write(payload);
          };
          sock.on('data', (chunk: Buffer) => {
            pending -= chunk.length;
            if (pending <= 0) {
              onRoundTrip(startedAt);
              send();
            }
          });
          sock.on('error', () => errors++);
          sock.once('connect', () => {
            closers.push(() => sock.destroy());
            resolve();
            send();
          });
          sock.once('error', reject);
        }),
      );
    } else {
      opens.push(
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(c.url, { perMessageDeflate: false });
          let startedAt = 0;
          const send = (): void => {
            if (stopped || ws.readyState !== WebSocket.OPEN) return;
            startedAt = performance.now();
            ws.send(payload, { binary: true });
          };
          ws.on('message', () => {
            onRoundTrip(startedAt);
            send();
          });
          ws.on('error', () => errors++);
          ws.once('open', () => {
            closers.push(() => ws.terminate());
            resolve();
            send();
          });
          ws.once('error', reject);
        }),
      );
    }
  }
  await Promise.all(opens);
  await sleep(c.warmupMs);
  const start = cpu();
  const t0 = performance.now();
  measuring = true;
  await sleep(c.durationMs);
  measuring = false;
  const elapsedMs = performance.now() - t0;
  const end = cpu();
  stopped = true;
  for (const close of closers) close();
  return { count, elapsedMs, samples: reservoir.samples, seen: reservoir.seen, errors, cpu: { start, end } };
}

// ---------------------------------------------------------------- chat receivers

interface TagRecord {
  latencies: Map<number, number[]>;
  deliveries: number;
  firstAt: number;
  lastAt: number;
}

const records = new Map<string, TagRecord>();
let requests = 0;
let clientErrors = 0;
const MARK = '"text":"b|';

/** Finds every bench message in a chunk of JSON text and records its latency. */
function scan(text: string): void {
  let from = 0;
  for (;;) {
    const at = text.indexOf(MARK, from);
    if (at < 0) return;
    const start = at + MARK.length;
    const end = text.indexOf('"', start);
    if (end < 0) return;
    from = end;
    const arrived = now();
    const parts = text.slice(start, end).split('|');
    if (parts.length < 3) continue; // a padded text has a fourth part
    const tag = parts[0]!;
    const k = Number(parts[1]);
    const sentAt = Number(parts[2]);
    let rec = records.get(tag);
    if (!rec) {
      rec = { latencies: new Map(), deliveries: 0, firstAt: arrived, lastAt: arrived };
      records.set(tag, rec);
    }
    rec.deliveries++;
    rec.lastAt = arrived;
    let list = rec.latencies.get(k);
    if (!list) rec.latencies.set(k, (list = []));
    list.push(arrived - sentAt);
  }
}

let agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: Infinity, scheduling: 'fifo' });
const open = new Set<{ close: () => void }>();
let closing = false;

function wsBase(base: string): string {
  return base.replace(/^http/, 'ws');
}

function getJson(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

function lastSeqOf(body: string, fallback: number): number {
  const m = /"lastSeq":(\d+)/.exec(body);
  return m ? Number(m[1]) : fallback;
}

/** Opens one receiver; resolves once it is connected (WebSocket open, SSE headers, first poll answered or long poll sent). */
function openReceiver(
  transport: ChatTransport,
  base: string,
  after: number,
  pollIntervalMs: number,
  longPollTimeoutMs: number,
): Promise<void> {
  switch (transport) {
    case 'ws-raw':
    case 'ws-lib':
      return new Promise((resolve, reject) => {
        const path = transport === 'ws-raw' ? '/ws/raw' : '/ws/lib';
        const ws = new WebSocket(`${wsBase(base)}${path}?after=${after}`, { perMessageDeflate: false });
        ws.on('message', (data: Buffer) => scan(data.toString()));
        ws.once('open', () => {
          open.add({ close: () => ws.terminate() });
          resolve();
        });
        ws.on('error', (err) => {
          clientErrors++;
          reject(err);
        });
      });
    case 'sse':
      return new Promise((resolve, reject) => {
        const req = http.get(`${base}/api/events?after=${after}`, { agent }, (res) => {
          if (res.statusCode !== 200) {
            reject(new Error(`SSE status ${res.statusCode}`));
            res.resume();
            return;
          }
          let buffered = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            buffered += d;
            const cut = buffered.lastIndexOf('\n\n');
            if (cut < 0) return;
            // SSE data lines hold the message JSON unchanged, so the same scan finds the bench text.
            scan(buffered.slice(0, cut));
            buffered = buffered.slice(cut + 2);
          });
          res.on('error', () => clientErrors++);
          open.add({ close: () => req.destroy() });
          resolve();
        });
        req.on('error', (err) => {
          clientErrors++;
          reject(err);
        });
      });
    case 'long-poll':
      return new Promise((resolve, reject) => {
        let cursor = after;
        let current: http.ClientRequest | null = null;
        let first = true;
        const handle = { close: () => current?.destroy() };
        const poll = (): void => {
          if (closing) return;
          const req = http.get(`${base}/api/longpoll?after=${cursor}&timeout=${longPollTimeoutMs}`, { agent }, (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (body += d));
            res.on('end', () => {
              requests++;
              if (res.statusCode === 200) {
                scan(body);
                cursor = lastSeqOf(body, cursor);
              } else clientErrors++;
              poll();
            });
          });
          current = req;
          req.on('error', (err) => {
            clientErrors++;
            if (first) reject(err);
          });
          if (first) {
            // Held: the request is written once the socket is there; the driver checks the
            // server's connection count before it relies on the hold.
            req.once('socket', (s) => {
              const done = (): void => {
                first = false;
                open.add(handle);
                resolve();
              };
              if (s.connecting) s.once('connect', done);
              else done();
            });
          }
        };
        poll();
      });
    case 'short-poll':
      return new Promise((resolve, reject) => {
        let cursor = after;
        let inFlight = false;
        let timer: NodeJS.Timeout | undefined;
        let first = true;
        const handle = {
          close: () => {
            if (timer) clearInterval(timer);
          },
        };
        const poll = (): void => {
          if (inFlight || closing) return;
          inFlight = true;
          getJson(`${base}/api/poll?after=${cursor}`).then(
            ({ status, body }) => {
              inFlight = false;
              requests++;
              if (status === 200) {
                scan(body);
                cursor = lastSeqOf(body, cursor);
              } else clientErrors++;
              if (first) {
                first = false;
                open.add(handle);
                resolve();
                // pollIntervalMs 0: one poll, then an idle keep-alive socket (the idle-cost case).
                if (pollIntervalMs > 0) {
                  // A random phase so the clients do not poll in lockstep.
                  setTimeout(() => {
                    if (closing) return;
                    poll();
                    timer = setInterval(poll, pollIntervalMs);
                  }, Math.random() * pollIntervalMs);
                }
              }
            },
            (err: Error) => {
              inFlight = false;
              clientErrors++;
              if (first) reject(err);
            },
          );
        };
        poll();
      });
  }
}

async function openMany(c: Extract<Command, { cmd: 'open' }>, after: number): Promise<OpenResult> {
  closing = false;
  const t0 = performance.now();
  let opened = 0;
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < c.count) {
      next++;
      try {
        await openReceiver(c.transport, c.base, after, c.pollIntervalMs, c.longPollTimeoutMs);
        opened++;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(c.concurrency, c.count)) }, lane));
  return { opened, failed, firstError, elapsedMs: performance.now() - t0 };
}

function collect(tag: string, withLatencies: boolean): CollectResult {
  const rec = records.get(tag);
  const latencies: Record<string, number[]> = {};
  if (rec && withLatencies) for (const [k, list] of rec.latencies) latencies[k] = list;
  return {
    latencies,
    deliveries: rec?.deliveries ?? 0,
    firstAt: rec?.firstAt ?? NaN,
    lastAt: rec?.lastAt ?? NaN,
    requests,
    errors: clientErrors,
  };
}

function closeAll(): void {
  closing = true;
  for (const h of open) h.close();
  open.clear();
  agent.destroy();
  agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: Infinity, scheduling: 'fifo' });
}

// ---------------------------------------------------------------- sender

function postJson(url: string, body: unknown): Promise<{ status: number; body: string }> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function runSend(c: Extract<Command, { cmd: 'send' }>): Promise<SendResult> {
  let sent = 0;
  let errors = 0;
  let firstError: string | null = null;
  let firstSentAt = NaN;
  let lastSentAt = NaN;
  let sendOne: (k: number) => Promise<void>;
  let cleanup = (): void => {};

  if (c.transport === 'ws-raw' || c.transport === 'ws-lib') {
    const path = c.transport === 'ws-raw' ? '/ws/raw' : '/ws/lib';
    const ws = new WebSocket(`${wsBase(c.base)}${path}?after=999999999`, { perMessageDeflate: false });
    const waiting = new Map<string, () => void>();
    await new Promise<void>((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (data: Buffer) => {
        const s = data.toString();
        if (s.startsWith('{"type":"welcome"')) resolve();
        else if (s.includes('"type":"ack"') || s.includes('"type":"error"')) {
          const m = /"clientMsgId":"([^"]+)"/.exec(s);
          if (s.includes('"type":"error"')) {
            errors++;
            firstError ??= s;
          }
          const done = m ? waiting.get(m[1]!) : undefined;
          if (m && done) {
            waiting.delete(m[1]!);
            done();
          }
        }
      });
    });
    sendOne = (k) =>
      new Promise<void>((resolve) => {
        const id = `${c.tag}-${k}`;
        waiting.set(id, resolve);
        const at = now();
        if (Number.isNaN(firstSentAt)) firstSentAt = at;
        lastSentAt = at;
        ws.send(JSON.stringify({ type: 'send', text: benchText(c.tag, k, at, c.padTo), clientMsgId: id }));
      });
    cleanup = () => ws.terminate();
  } else {
    const joined = await postJson(`${c.base}/api/join`, { name: 'bench-sender' });
    // clientSecret: CONTRACT v2; a server without secrets gives none and needs none.
    const { clientId, clientSecret } = JSON.parse(joined.body) as { clientId: string; clientSecret?: string };
    sendOne = async (k) => {
      const at = now();
      if (Number.isNaN(firstSentAt)) firstSentAt = at;
      lastSentAt = at;
      const res = await postJson(`${c.base}/api/messages`, {
        clientId,
        clientSecret,
        text: benchText(c.tag, k, at, c.padTo),
        clientMsgId: `${c.tag}-${k}`,
        via: c.transport,
      });
      if (res.status !== 201) {
        errors++;
        firstError ??= `${res.status} ${res.body}`;
      }
    };
  }

  try {
    if (c.spacingMs > 0) {
      const t0 = performance.now();
      const inFlight: Promise<void>[] = [];
      for (let k = 0; k < c.count; k++) {
        const due = t0 + k * c.spacingMs;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        inFlight.push(sendOne(k).then(() => void sent++));
      }
      await Promise.all(inFlight);
    } else {
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < c.count) {
          const k = next++;
          await sendOne(k);
          sent++;
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, c.window) }, lane));
    }
  } finally {
    cleanup();
  }
  return { sent, firstSentAt, lastSentAt, errors, firstError };
}

// ---------------------------------------------------------------- IPC loop

async function handle(c: Command): Promise<unknown> {
  switch (c.cmd) {
    case 'echo':
      return runEcho(c);
    case 'open':
      return openMany(c, c.after);
    case 'reset':
      records.clear();
      requests = 0;
      clientErrors = 0;
      return null;
    case 'collect':
      return collect(c.tag, c.withLatencies);
    case 'close':
      closeAll();
      closePeers();
      return null;
    case 'send':
      return runSend(c);
    case 'cpu':
      return cpu();
    case 'peers-open':
      return openPeers(c);
    case 'peers-drive':
      return drivePeers(c);
    case 'peers-status':
      return peersStatus();
    case 'echo-probe':
      return echoProbe(c);
  }
}

process.on('message', (msg: { id: number } & Command) => {
  handle(msg).then(
    (result) => process.send?.({ id: msg.id, ok: true, result }),
    (err: Error) => process.send?.({ id: msg.id, ok: false, error: err?.stack ?? String(err) }),
  );
});
// The driver is gone (finished, crashed or interrupted): nothing here may outlive it.
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, ok: true, result: 'ready' });
