// Echo clients: each keeps one binary message in flight against an echo endpoint (a WebSocket
// stack's /echo via `ws`, or the raw TCP ceiling via node:net) and times every round trip.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { Reservoir } from '../stats.ts';
import type { Command, EchoResult } from '../protocol.ts';
import { cpu, sleep } from './clock.ts';

const SAMPLE_CAP = 50_000;

/** What one echo client needs from the run: the payload, where a round trip ends, whether to go on. */
interface EchoRun {
  payload: Buffer;
  size: number;
  onRoundTrip: (startedAt: number) => void;
  stopped: () => boolean;
  onError: () => void;
  closers: Array<() => void>;
}

function tcpClient(port: number, r: EchoRun): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.setNoDelay(true);
    let pending = 0;
    let startedAt = 0;
    const send = (): void => {
      if (r.stopped()) return;
      pending = r.size;
      startedAt = performance.now();
      sock.write(r.payload);
    };
    sock.on('data', (chunk: Buffer) => {
      pending -= chunk.length;
      if (pending <= 0) {
        r.onRoundTrip(startedAt);
        send();
      }
    });
    sock.on('error', r.onError);
    sock.once('connect', () => {
      r.closers.push(() => sock.destroy());
      resolve();
      send();
    });
    sock.once('error', reject);
  });
}

function webSocketClient(url: string, r: EchoRun): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let startedAt = 0;
    const send = (): void => {
      if (r.stopped() || ws.readyState !== WebSocket.OPEN) return;
      startedAt = performance.now();
      ws.send(r.payload, { binary: true });
    };
    ws.on('message', () => {
      r.onRoundTrip(startedAt);
      send();
    });
    ws.on('error', r.onError);
    ws.once('open', () => {
      r.closers.push(() => ws.terminate());
      resolve();
      send();
    });
    ws.once('error', reject);
  });
}

export async function runEcho(c: Extract<Command, { cmd: 'echo' }>): Promise<EchoResult> {
  const payload = Buffer.alloc(c.size);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31 + 7) & 0xff;
  const reservoir = new Reservoir(SAMPLE_CAP);
  let measuring = false;
  let stopped = false;
  let count = 0;
  let errors = 0;
  const run: EchoRun = {
    payload,
    size: c.size,
    onRoundTrip: (startedAt) => {
      if (!measuring) return;
      count++;
      reservoir.add(performance.now() - startedAt);
    },
    stopped: () => stopped,
    onError: () => void errors++,
    closers: [],
  };

  const opens: Promise<void>[] = [];
  for (let i = 0; i < c.clients; i++) opens.push(c.target === 'tcp' ? tcpClient(c.port, run) : webSocketClient(c.url, run));
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
  for (const close of run.closers) close();
  return { count, elapsedMs, samples: reservoir.samples, seen: reservoir.seen, errors, cpu: { start, end } };
}
