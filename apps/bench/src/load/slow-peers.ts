// The slow-readers scenario's peers, held by a load worker. A slow peer never reads what the
// server sends: a ws client paused right after the handshake, or a raw TCP socket that writes
// its request and is never read. A reading peer (the reference) makes the same requests and
// reads and discards every byte. A peer that does not read never sees the server's FIN, so
// whether the server dropped it is read from the kernel's socket table (/proc/net/tcp).
import http from 'node:http';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import type { Command, EchoProbeResult, PeerMode, PeersOpenResult, PeersStatus, SlowCaseId } from '../protocol.ts';

interface Peer {
  /** The client socket's local port, to find it in /proc/net/tcp; null when the socket may change. */
  localPort: number | null;
  closedByServer: boolean;
  /** What the peer does while the scenario drives traffic, and how often. */
  every: 'poll' | 'echo' | null;
  tick(payload: Buffer): void;
  close(): void;
}

interface OpenContext {
  base: URL;
  mode: PeerMode;
}

type Opener = (ctx: OpenContext) => Promise<Peer>;

/** Over this much unsent data of its own, an echo peer skips a send: the server stopped reading it. */
const OWN_BACKLOG_BYTES = 1024 * 1024;

const peers: Peer[] = [];
let serverPort = 0;
let closing = false;
let sends = 0;
let sendsSkipped = 0;
let errors = 0;

// ---------------------------------------------------------------- the kernel's socket table

/** /proc/net/tcp "st" column: TCP_ESTABLISHED. */
export const TCP_ESTABLISHED = 0x01;

/**
 * The state of every socket connected to `remotePort`, by local port, from the text of
 * /proc/net/tcp (addresses are "HEXIP:HEXPORT", the state is a hex byte).
 */
export function tcpStatesTo(table: string, remotePort: number): Map<number, number> {
  const states = new Map<number, number>();
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4) continue;
    const local = fields[1]!.split(':');
    const remote = fields[2]!.split(':');
    if (local.length !== 2 || remote.length !== 2) continue;
    if (Number.parseInt(remote[1]!, 16) !== remotePort) continue;
    states.set(Number.parseInt(local[1]!, 16), Number.parseInt(fields[3]!, 16));
  }
  return states;
}

// ---------------------------------------------------------------- openers

function wsPeer(url: string, mode: PeerMode, every: Peer['every']): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const peer: Peer = {
      localPort: null,
      closedByServer: false,
      every,
      tick: (payload) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (ws.bufferedAmount > OWN_BACKLOG_BYTES) {
          sendsSkipped++;
          return;
        }
        sends++;
        ws.send(payload, { binary: true });
      },
      close: () => ws.terminate(),
    };
    ws.once('upgrade', (res) => (peer.localPort = res.socket.localPort ?? null));
    ws.once('open', () => {
      if (mode === 'slow') ws.pause();
      resolve(peer);
    });
    ws.on('close', () => {
      if (!closing) peer.closedByServer = true;
    });
    ws.on('error', (err) => {
      errors++;
      reject(err);
    });
  });
}

/** A raw TCP socket that writes a GET for `path` (and, when it ticks, the same GET again, pipelined). */
function rawGetPeer(ctx: OpenContext, path: string, every: Peer['every']): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: ctx.base.hostname, port: Number(ctx.base.port) });
    if (ctx.mode === 'slow') socket.pause();
    else socket.on('data', () => undefined);
    const request = `GET ${path} HTTP/1.1\r\nHost: ${ctx.base.host}\r\n\r\n`;
    const peer: Peer = {
      localPort: null,
      closedByServer: false,
      every,
      tick: () => {
        if (socket.destroyed) return;
        sends++;
        socket.write(request);
      },
      close: () => socket.destroy(),
    };
    socket.once('connect', () => {
      peer.localPort = socket.localPort ?? null;
      sends++;
      socket.write(request);
      resolve(peer);
    });
    socket.on('close', () => {
      if (!closing) peer.closedByServer = true;
    });
    socket.on('error', (err) => {
      errors++;
      reject(err);
    });
  });
}

/** A reading poll peer: node:http on its own keep-alive socket, one request at a time. */
function readingPollPeer(ctx: OpenContext, path: string): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    let inFlight = false;
    let first = true;
    const peer: Peer = {
      // The agent may renew the socket: drops are seen as failed or cut answers instead.
      localPort: null,
      closedByServer: false,
      every: 'poll',
      tick: () => {
        if (inFlight || closing) return;
        inFlight = true;
        sends++;
        const req = http.get(new URL(path, ctx.base), { agent }, (res) => {
          res.resume();
          res.once('close', () => {
            inFlight = false;
            if (!res.complete && !closing) peer.closedByServer = true;
            if (first) {
              first = false;
              if (res.complete && res.statusCode === 200) resolve(peer);
              else reject(new Error(`poll answered ${res.statusCode}${res.complete ? '' : ', cut short'}`));
            }
          });
        });
        req.on('error', (err) => {
          inFlight = false;
          errors++;
          if (!closing) peer.closedByServer = true;
          if (first) {
            first = false;
            reject(err);
          }
        });
      },
      close: () => agent.destroy(),
    };
    peer.tick(Buffer.alloc(0));
  });
}

function wsUrl(base: URL, path: string): string {
  return `${base.protocol === 'https:' ? 'wss:' : 'ws:'}//${base.host}${path}`;
}

function pollPeer(path: string): Opener {
  return (ctx) => (ctx.mode === 'slow' ? rawGetPeer(ctx, path, 'poll') : readingPollPeer(ctx, path));
}

// Chat peers start at the room's beginning (?after=0), so a filled room is theirs to take in.
const OPENERS: Record<SlowCaseId, Opener> = {
  'ws-raw': (ctx) => wsPeer(wsUrl(ctx.base, '/ws/raw?after=0'), ctx.mode, null),
  'ws-lib': (ctx) => wsPeer(wsUrl(ctx.base, '/ws/lib?after=0'), ctx.mode, null),
  sse: (ctx) => rawGetPeer(ctx, '/api/events?after=0', null),
  'long-poll': pollPeer('/api/longpoll?after=0&timeout=60000'),
  'short-poll': pollPeer('/api/poll?after=0'),
  'ws-raw-echo': (ctx) => wsPeer(wsUrl(ctx.base, '/ws/raw/echo'), ctx.mode, 'echo'),
  'ws-lib-echo': (ctx) => wsPeer(wsUrl(ctx.base, '/ws/lib/echo'), ctx.mode, 'echo'),
};

// ---------------------------------------------------------------- commands

export async function openPeers(c: Extract<Command, { cmd: 'peers-open' }>): Promise<PeersOpenResult> {
  closing = false;
  const ctx: OpenContext = { base: new URL(c.base), mode: c.mode };
  serverPort = Number(ctx.base.port);
  let opened = 0;
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < c.count) {
      next++;
      try {
        peers.push(await OPENERS[c.caseId](ctx));
        opened++;
      } catch (err) {
        failed++;
        firstError ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(c.concurrency, c.count)) }, lane));
  return { opened, failed, firstError };
}

/** Polls and echo sends for durationMs; each peer on its own phase so the sends do not all land at once. */
export async function drivePeers(c: Extract<Command, { cmd: 'peers-drive' }>): Promise<null> {
  const payload = Buffer.alloc(c.echoBytes, 0x5a);
  const timers: NodeJS.Timeout[] = [];
  peers.forEach((peer, i) => {
    if (peer.every === null) return;
    const period = peer.every === 'poll' ? c.pollEveryMs : c.echoEveryMs;
    const phase = (i * period) / peers.length;
    timers.push(
      setTimeout(() => {
        peer.tick(payload);
        timers.push(setInterval(() => peer.tick(payload), period));
      }, phase),
    );
  });
  await new Promise((r) => setTimeout(r, c.durationMs));
  for (const t of timers) clearTimeout(t);
  return null;
}

export function peersStatus(): PeersStatus {
  let states = new Map<number, number>();
  if (peers.some((p) => p.localPort !== null)) states = tcpStatesTo(readFileSync('/proc/net/tcp', 'utf8'), serverPort);
  const dropped = peers.filter((p) => p.closedByServer || (p.localPort !== null && states.get(p.localPort) !== TCP_ESTABLISHED)).length;
  return { peers: peers.length, dropped, sends, sendsSkipped, errors };
}

export function closePeers(): void {
  closing = true;
  for (const peer of peers) peer.close();
  peers.length = 0;
  sends = 0;
  sendsSkipped = 0;
  errors = 0;
}

/** The normal client beside the echo peers: small numbered messages, counting which come back. */
export function echoProbe(c: Extract<Command, { cmd: 'echo-probe' }>): Promise<EchoProbeResult> {
  return new Promise((resolve) => {
    const ws = new WebSocket(c.url, { perMessageDeflate: false });
    const received = new Set<number>();
    let sent = 0;
    let probeErrors = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      ws.terminate();
      resolve({ sent, received: received.size, errors: probeErrors });
    };
    ws.on('message', (data: Buffer) => {
      const m = /^p\|(\d+)$/.exec(data.toString());
      if (m) received.add(Number(m[1]));
      if (sent === c.count && received.size === c.count) finish();
    });
    ws.on('error', () => probeErrors++);
    ws.on('close', finish);
    ws.once('open', () => {
      const timer = setInterval(() => {
        if (sent === c.count || ws.readyState !== WebSocket.OPEN) {
          clearInterval(timer);
          setTimeout(finish, c.settleMs);
          return;
        }
        ws.send(`p|${sent++}`);
      }, c.spacingMs);
    });
  });
}
