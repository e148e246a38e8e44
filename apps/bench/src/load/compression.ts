// The compression scenario's clients (RFC 7692 permessage-deflate), held by a load worker: echo
// clients that send chat-like JSON text, chat receivers, a sender, and idle connections. Each
// client either offers permessage-deflate the way a browser does (`permessage-deflate;
// client_max_window_bits`, every message compressed: threshold 0) or offers nothing (plain).
// Bytes on the wire are the TCP socket's own counts, so they include frame headers and masks.
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { readCpuMs } from '../processes.ts';
import { Reservoir } from '../stats.ts';
import { benchText, type Command, type SendResult } from '../protocol.ts';
import { cpu, now, sleep } from './clock.ts';
import { countError, scan } from './deliveries.ts';

// ---------------------------------------------------------------- chat-like text

/** Words of a classroom chat: text that compresses like real messages, not like a repeated byte. */
const WORDS = (
  'the a to is it and of in that this for you on with we can be what was are server message ' +
  'latency socket frame poll stream send got late fast slow why how does when one two three ' +
  'again browser teacher class room seq lost first last still works see my your here there ' +
  'packet bytes header close open ping pong wait retry reconnect order chrome phone laptop ' +
  'ok yes no maybe think because just now then sorry thanks great cool hmm look try test'
).split(' ');

/** A deterministic pseudo-random source (mulberry32), so every run sends the same texts. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Chat words, exactly `chars` characters long (ASCII, so as many bytes). */
export function chatWords(random: () => number, chars: number): string {
  let out = '';
  while (out.length < chars) out += (out ? ' ' : '') + WORDS[Math.floor(random() * WORDS.length)]!;
  return out.slice(0, chars);
}

/**
 * `count` distinct chat messages as the server's JSON would carry them, each `bytes` long:
 * what an echo client sends (the echo endpoints send back whatever they get).
 */
export function chatMessages(bytes: number, count: number, seed = 1): string[] {
  const random = seeded(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const shell = { type: 'message', seq: 1000 + i, clientId: `c${(i * 7919) % 100_000}`, name: `student ${i % 60}`, text: '', sentAt: 1_790_000_000_000 + i * 37 };
    const overhead = JSON.stringify(shell).length;
    out.push(JSON.stringify({ ...shell, text: chatWords(random, Math.max(1, bytes - overhead)) }));
  }
  return out;
}

// ---------------------------------------------------------------- one connection

interface Link {
  ws: WebSocket;
  /** The TCP socket under it: its byte counts are what went over the wire. */
  socket: Socket;
  /** The server accepted permessage-deflate. */
  deflate: boolean;
}

const offer = (deflate: boolean): WebSocket.ClientOptions => ({ perMessageDeflate: deflate ? { threshold: 0 } : false });

/** `onMessage` is attached before the handshake ends: a welcome may arrive in the 101's own read. */
function connect(url: string, deflate: boolean, onMessage?: (data: Buffer) => void): Promise<Link> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, offer(deflate));
    if (onMessage) ws.on('message', onMessage);
    let socket: Socket | null = null;
    ws.once('upgrade', (res) => (socket = res.socket as Socket));
    ws.once('open', () => {
      ws.off('error', reject);
      resolve({ ws, socket: socket!, deflate: ws.extensions.includes('permessage-deflate') });
    });
    ws.once('error', reject);
    // Later errors end in 'close'; a listener keeps them from being thrown.
    ws.on('error', () => undefined);
  });
}

const open = new Set<Link>();

/** Terminates every connection this module opened (the driver's `close`). */
export function closeCompression(): void {
  for (const link of open) link.ws.terminate();
  open.clear();
}

function wireOf(links: Iterable<Link>): { bytesRead: number; bytesWritten: number } {
  let bytesRead = 0;
  let bytesWritten = 0;
  for (const l of links) {
    bytesRead += l.socket.bytesRead;
    bytesWritten += l.socket.bytesWritten;
  }
  return { bytesRead, bytesWritten };
}

// ---------------------------------------------------------------- echo

export interface DeflateEchoResult {
  count: number;
  elapsedMs: number;
  samples: number[];
  seen: number;
  errors: number;
  /** Connections on which the server accepted permessage-deflate. */
  negotiated: number;
  /** Over the measured window: bytes the clients wrote (to the server) and read (from it). */
  bytesToServer: number;
  bytesFromServer: number;
  /** CPU ms over the measured window: the server's (read from /proc) and this load process's. */
  serverCpuMs: number;
  clientCpuMs: number;
}

/** Each client keeps one text message in flight and times every round trip. */
export async function deflateEcho(c: Extract<Command, { cmd: 'deflate-echo' }>): Promise<DeflateEchoResult> {
  const texts = chatMessages(c.size, 97, c.size);
  const links = await Promise.all(Array.from({ length: c.clients }, () => connect(c.url, c.deflate)));
  const reservoir = new Reservoir(50_000);
  let measuring = false;
  let stopped = false;
  let count = 0;
  let errors = 0;
  links.forEach((link, i) => {
    let k = i * 13;
    let startedAt = 0;
    const send = (): void => {
      if (stopped || link.ws.readyState !== WebSocket.OPEN) return;
      startedAt = performance.now();
      link.ws.send(texts[k++ % texts.length]!);
    };
    link.ws.on('message', () => {
      if (measuring) {
        count++;
        reservoir.add(performance.now() - startedAt);
      }
      send();
    });
    link.ws.on('error', () => void errors++);
    send();
  });
  await sleep(c.warmupMs);
  const wire0 = wireOf(links);
  const server0 = readCpuMs(c.serverPid);
  const client0 = cpu();
  const t0 = performance.now();
  measuring = true;
  await sleep(c.durationMs);
  measuring = false;
  const elapsedMs = performance.now() - t0;
  const serverCpuMs = readCpuMs(c.serverPid) - server0;
  const clientCpuMs = (cpu().cpuMicros - client0.cpuMicros) / 1000;
  const wire1 = wireOf(links);
  stopped = true;
  for (const l of links) l.ws.terminate();
  return {
    count,
    elapsedMs,
    samples: reservoir.samples,
    seen: reservoir.seen,
    errors,
    negotiated: links.filter((l) => l.deflate).length,
    bytesToServer: wire1.bytesWritten - wire0.bytesWritten,
    bytesFromServer: wire1.bytesRead - wire0.bytesRead,
    serverCpuMs,
    clientCpuMs,
  };
}

// ---------------------------------------------------------------- chat receivers and the sender

export interface DeflateOpenResult {
  opened: number;
  failed: number;
  negotiated: number;
  firstError: string | null;
}

async function openMany(count: number, concurrency: number, one: () => Promise<Link>): Promise<DeflateOpenResult> {
  let opened = 0;
  let failed = 0;
  let negotiated = 0;
  let firstError: string | null = null;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      next++;
      try {
        const link = await one();
        open.add(link);
        opened++;
        if (link.deflate) negotiated++;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, count)) }, lane));
  return { opened, failed, negotiated, firstError };
}

/** Chat receivers: each feeds what it inflated to deliveries.ts, like the plain receivers. */
export function openDeflateReceivers(c: Extract<Command, { cmd: 'deflate-open' }>): Promise<DeflateOpenResult> {
  return openMany(c.count, c.concurrency, async () => {
    const link = await connect(c.url, c.deflate, (data) => scan(data.toString()));
    link.ws.on('error', () => countError());
    return link;
  });
}

/** Bytes the open connections of this module read and wrote so far (the driver takes differences). */
export const deflateWire = (): { bytesRead: number; bytesWritten: number } => wireOf(open);

/** Sends `count` bench messages padded with chat words to `size` characters, `window` awaiting their ack at once. */
export async function deflateSend(c: Extract<Command, { cmd: 'deflate-send' }>): Promise<SendResult> {
  const random = seeded(7);
  const waiting = new Map<string, () => void>();
  let errors = 0;
  let firstError: string | null = null;
  let welcome = (): void => undefined;
  const welcomed = new Promise<void>((resolve) => (welcome = resolve));
  const link = await connect(c.url, false, (data) => {
    const s = data.toString();
    if (s.startsWith('{"type":"welcome"')) return welcome();
    const id = /"clientMsgId":"([^"]+)"/.exec(s)?.[1];
    if (s.includes('"type":"error"')) {
      errors++;
      firstError ??= s;
    }
    const done = id ? waiting.get(id) : undefined;
    if (id && done && (s.includes('"type":"ack"') || s.includes('"type":"error"'))) {
      waiting.delete(id);
      done();
    }
  });
  await welcomed;
  let sent = 0;
  let next = 0;
  let firstSentAt = NaN;
  let lastSentAt = NaN;
  const lane = async (): Promise<void> => {
    while (next < c.count) {
      const k = next++;
      const at = now();
      if (Number.isNaN(firstSentAt)) firstSentAt = at;
      lastSentAt = at;
      const head = benchText(c.tag, k, at);
      const text = `${head}|${chatWords(random, Math.max(1, c.size - head.length - 1))}`;
      const id = `${c.tag}-${k}`;
      await new Promise<void>((resolve) => {
        waiting.set(id, resolve);
        link.ws.send(JSON.stringify({ type: 'send', text, clientMsgId: id }));
      });
      sent++;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, c.window) }, lane));
  } finally {
    link.ws.terminate();
  }
  return { sent, firstSentAt, lastSentAt, errors, firstError };
}

// ---------------------------------------------------------------- idle connections

/** Opens `count` connections to an echo endpoint; each sends one message, waits for its echo, then stays idle. */
export function openIdleEchoes(c: Extract<Command, { cmd: 'deflate-idle' }>): Promise<DeflateOpenResult> {
  const texts = chatMessages(c.size, 31, c.size + 1);
  let k = 0;
  return openMany(c.count, c.concurrency, async () => {
    const link = await connect(c.url, c.deflate);
    await new Promise<void>((resolve, reject) => {
      link.ws.once('message', () => resolve());
      link.ws.once('close', () => reject(new Error('closed before its echo')));
      link.ws.send(texts[k++ % texts.length]!);
    });
    return link;
  });
}
