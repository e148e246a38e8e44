// Scenario 7, slow readers: what peers that never read cost the server's memory, per transport
// and on both echo endpoints. For each case a fresh server gets N peers that never read (slow)
// and, on another fresh server, the same N peers reading (the reference), under the same
// traffic. The server's RSS is sampled from /proc; a normal client in the same room counts
// what it missed. The summaries at the top are pure and tested in test/slow-readers.test.ts.
import { performance } from 'node:perf_hooks';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { ServerProcess, readVmHwm, readVmRss, resetPeakRss, type Worker } from '../processes.ts';
import {
  ECHO_ENDPOINTS,
  type CollectResult,
  type EchoEndpoint,
  type EchoProbeResult,
  type OpenResult,
  type PeerMode,
  type PeersOpenResult,
  type PeersStatus,
  type SendResult,
  type SlowCaseId,
} from '../protocol.ts';
import { shares } from './config.ts';

const MiB = 1024 * 1024;

/** The target: N slow peers make the server grow by less than this. */
export const GROWTH_LIMIT_BYTES = 64 * MiB;
/** Reference growth below this counts as this in the ratio, so noise around zero does not blow it up. */
export const REFERENCE_FLOOR_BYTES = 1 * MiB;

/** Every chat transport, then both echo endpoints: a transport added to the contract is measured too. */
export const SLOW_CASES: readonly SlowCaseId[] = [...TRANSPORT_IDS, ...ECHO_ENDPOINTS];

export interface SlowReadersConfig {
  /** Peers per case and mode. */
  peers: number;
  /** The room is filled with this many messages of textChars characters before the peers come. */
  room: { messages: number; textChars: number };
  /** How long traffic runs. */
  durationMs: number;
  /** Chat: messages per second from the sender; echo: the probe's small messages per second. */
  messagesPerSecond: number;
  /** Poll peers ask again this often. */
  pollEveryMs: number;
  /** Each echo peer sends one message of `bytes` this often. */
  echo: { bytes: number; everyMs: number };
  /** The normal short-poll reader's interval. */
  readerPollMs: number;
  /** Wait after the traffic before the last readings. */
  settleMs: number;
  /** RSS sampling period. */
  sampleMs: number;
}

// ---------------------------------------------------------------- pure summaries

export interface SlowRun {
  mode: PeerMode;
  serverPid: number;
  peersOpened: number;
  openFailures: number;
  firstOpenError: string | null;
  /** Server VmRSS, bytes: after a full GC before the peers come, the highest while they were there, after a full GC at the end (peers still open). */
  rssBefore: number;
  rssPeak: number;
  rssAfter: number;
  /** V8 heap + external memory (Buffers) after the full GCs: what the server still holds, without the allocator's free pages. */
  heldBefore: number;
  heldAfter: number;
  /** Where the peak came from: the kernel's high-water mark (reset before the peers) or the samples alone. */
  peakFrom: 'VmHWM' | 'samples';
  /** rssPeak − rssBefore, never below 0. */
  growth: number;
  growthPerPeer: number;
  /** Peers the server closed or reset, as the peers saw it. */
  dropped: number;
  /** The server's own count of slow consumers dropped on this transport (/api/stats); null for echo or a server without it. */
  serverCountedDrops: number | null;
  /** Requests written (polls, SSE) or echo messages sent by the peers, and echo sends skipped because the server stopped reading. */
  peerSends: number;
  peerSendsSkipped: number;
  /** The normal client in the same room: messages sent to the room (or echoed), how many distinct ones it got. */
  reader: { sent: number; received: number; missing: number };
  serverCpuPct: number;
}

export interface SlowReadersCase {
  caseId: SlowCaseId;
  peers: number;
  slow: SlowRun;
  reading: SlowRun;
  /** slow growth / reading growth (the reading growth floored at REFERENCE_FLOOR_BYTES). */
  ratio: number;
  met: boolean;
}

export interface SlowReadersReport {
  config: SlowReadersConfig;
  limitBytes: number;
  floorBytes: number;
  cases: SlowReadersCase[];
}

/** The highest RSS seen: the samples and, when it could be reset before, the kernel's high-water mark. */
export function peakOf(samples: number[], highWaterMark: number | null): number {
  let peak = highWaterMark !== null && Number.isFinite(highWaterMark) ? highWaterMark : -Infinity;
  for (const s of samples) if (Number.isFinite(s) && s > peak) peak = s;
  return peak === -Infinity ? NaN : peak;
}

export function growthOf(before: number, peak: number): number {
  return Math.max(0, peak - before);
}

export function growthRatio(slow: number, reading: number, floor = REFERENCE_FLOOR_BYTES): number {
  return slow / Math.max(reading, floor);
}

/** MET when the growth stays under the limit; an unmeasured growth (NaN) is not met. */
export function growthMet(growth: number, limit = GROWTH_LIMIT_BYTES): boolean {
  return growth < limit;
}

/** Indexes 0 … sent−1 that never arrived (duplicates and strays count once or not at all). */
export function missingCount(received: Iterable<number>, sent: number): number {
  const seen = new Set<number>();
  for (const k of received) if (Number.isInteger(k) && k >= 0 && k < sent) seen.add(k);
  return sent - seen.size;
}

export function slowCase(caseId: SlowCaseId, peers: number, slow: SlowRun, reading: SlowRun): SlowReadersCase {
  return { caseId, peers, slow, reading, ratio: growthRatio(slow.growth, reading.growth), met: growthMet(slow.growth) };
}

// ---------------------------------------------------------------- the scenario

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const mib = (bytes: number): string => (bytes / MiB).toFixed(1);

const ECHO_PATHS: Record<EchoEndpoint, string> = { 'ws-raw-echo': '/ws/raw/echo', 'ws-lib-echo': '/ws/lib/echo' };
const isEcho = (id: SlowCaseId): id is EchoEndpoint => (ECHO_ENDPOINTS as readonly string[]).includes(id);

/** Samples VmRSS every `ms` until stopped. */
function sampleRss(pid: number, ms: number): () => number[] {
  const samples: number[] = [];
  const take = (): void => {
    try {
      samples.push(readVmRss(pid));
    } catch {
      // the process is gone; the run will fail on its next request
    }
  };
  take();
  const timer = setInterval(take, ms);
  return () => {
    clearInterval(timer);
    take();
    return samples;
  };
}

/** One mode of one case, on a fresh server. */
async function measure(cfg: SlowReadersConfig, caseId: SlowCaseId, mode: PeerMode, workers: Worker[]): Promise<SlowRun> {
  const [client, ...peerWorkers] = workers as [Worker, ...Worker[]];
  // The peers, the sender, the normal reader and the room filler.
  const server = await ServerProcess.start({ clients: cfg.peers + 3 });
  let stopSampling = (): number[] => [];
  try {
    if (!isEcho(caseId)) {
      const fill = await client.call<SendResult>(
        { cmd: 'send', transport: 'ws-raw', base: server.base, tag: 'F', count: cfg.room.messages, spacingMs: 0, window: 32, padTo: cfg.room.textChars },
        120_000,
      );
      if (fill.errors > 0) throw new Error(`filling the room: ${fill.firstError}`);
    }
    await sleep(cfg.settleMs);
    const memBefore = await server.memory(true);
    const before = memBefore.vmRss;
    const hwmReset = resetPeakRss(server.pid);
    stopSampling = sampleRss(server.pid, cfg.sampleMs);
    const cpu0 = server.cpuMs();
    const t0 = performance.now();
    const slowConsumers = async (): Promise<number | null> =>
      isEcho(caseId) ? null : ((await server.stats()).transports[caseId]?.slowConsumers ?? null);
    const counted0 = await slowConsumers();

    if (!isEcho(caseId)) {
      const after = (await server.stats()).room.lastSeq;
      const reader = await client.call<OpenResult>({
        cmd: 'open',
        transport: caseId,
        base: server.base,
        count: 1,
        after,
        pollIntervalMs: cfg.readerPollMs,
        longPollTimeoutMs: 60_000,
        concurrency: 1,
      });
      if (reader.failed) throw new Error(`the normal ${caseId} reader failed to open: ${reader.firstError}`);
      await client.call({ cmd: 'reset' });
    }

    const per = shares(cfg.peers, peerWorkers.length);
    const opens = await Promise.all(
      peerWorkers.map((w, i) => w.call<PeersOpenResult>({ cmd: 'peers-open', caseId, mode, base: server.base, count: per[i]!, concurrency: 10 }, 60_000)),
    );

    const count = Math.max(1, Math.round((cfg.messagesPerSecond * cfg.durationMs) / 1000));
    const spacingMs = 1000 / cfg.messagesPerSecond;
    const drive = Promise.all(
      peerWorkers.map((w) =>
        w.call({ cmd: 'peers-drive', durationMs: cfg.durationMs, pollEveryMs: cfg.pollEveryMs, echoBytes: cfg.echo.bytes, echoEveryMs: cfg.echo.everyMs }, cfg.durationMs + 30_000),
      ),
    );
    drive.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    let reader: SlowRun['reader'];
    if (isEcho(caseId)) {
      const url = `${server.base.replace(/^http/, 'ws')}${ECHO_PATHS[caseId]}`;
      const probe = await client.call<EchoProbeResult>({ cmd: 'echo-probe', url, count, spacingMs, settleMs: cfg.settleMs }, cfg.durationMs + cfg.settleMs + 30_000);
      reader = { sent: count, received: probe.received, missing: count - probe.received };
    } else {
      const sent = await client.call<SendResult>(
        { cmd: 'send', transport: caseId, base: server.base, tag: 'S', count, spacingMs, window: 1, padTo: cfg.room.textChars },
        cfg.durationMs + 60_000,
      );
      if (sent.errors > 0) throw new Error(`${caseId} sender: ${sent.firstError}`);
      await sleep(cfg.settleMs);
      const got = await client.call<CollectResult>({ cmd: 'collect', tag: 'S', withLatencies: true });
      const indexes = Object.keys(got.latencies).map(Number);
      const missing = missingCount(indexes, count);
      reader = { sent: count, received: count - missing, missing };
    }
    await drive;
    const statuses = await Promise.all(peerWorkers.map((w) => w.call<PeersStatus>({ cmd: 'peers-status' })));
    const counted1 = await slowConsumers();
    const serverCpuPct = ((server.cpuMs() - cpu0) / (performance.now() - t0)) * 100;
    const samples = stopSampling();
    const rssPeak = peakOf(samples, hwmReset ? readVmHwm(server.pid) : null);
    const memAfter = await server.memory(true);
    const growth = growthOf(before, rssPeak);
    const opened = opens.reduce((s, o) => s + o.opened, 0);
    return {
      mode,
      serverPid: server.pid,
      peersOpened: opened,
      openFailures: opens.reduce((s, o) => s + o.failed, 0),
      firstOpenError: opens.find((o) => o.firstError)?.firstError ?? null,
      rssBefore: before,
      rssPeak,
      rssAfter: memAfter.vmRss,
      heldBefore: memBefore.heapUsed + memBefore.external,
      heldAfter: memAfter.heapUsed + memAfter.external,
      peakFrom: hwmReset ? 'VmHWM' : 'samples',
      growth,
      growthPerPeer: growth / Math.max(1, opened),
      dropped: statuses.reduce((s, x) => s + x.dropped, 0),
      serverCountedDrops: counted0 !== null && counted1 !== null ? counted1 - counted0 : null,
      peerSends: statuses.reduce((s, x) => s + x.sends, 0),
      peerSendsSkipped: statuses.reduce((s, x) => s + x.sendsSkipped, 0),
      reader,
      serverCpuPct,
    };
  } finally {
    stopSampling();
    await Promise.all(workers.map((w) => w.call({ cmd: 'close' })));
    await server.stop();
  }
}

export async function slowReadersScenario(cfg: SlowReadersConfig, workers: Worker[]): Promise<SlowReadersReport> {
  if (workers.length < 2) throw new Error('slow readers need one client worker and at least one peer worker');
  const cases: SlowReadersCase[] = [];
  for (const [i, caseId] of SLOW_CASES.entries()) {
    // Alternate which mode goes first, so neither always meets the warmer machine.
    const order: PeerMode[] = i % 2 === 0 ? ['reading', 'slow'] : ['slow', 'reading'];
    const runs: Partial<Record<PeerMode, SlowRun>> = {};
    for (const mode of order) {
      const run = await measure(cfg, caseId, mode, workers);
      runs[mode] = run;
      console.log(
        `  slow readers ${caseId} ×${cfg.peers} ${mode}: RSS ${mib(run.rssBefore)} → peak ${mib(run.rssPeak)} → ${mib(run.rssAfter)} MiB, growth ${mib(run.growth)} MiB, held after GC +${mib(run.heldAfter - run.heldBefore)} MiB, ${run.dropped} dropped, normal client missed ${run.reader.missing} of ${run.reader.sent}` +
          (run.openFailures ? `, ${run.openFailures} failed to open (${run.firstOpenError})` : ''),
      );
    }
    cases.push(slowCase(caseId, cfg.peers, runs.slow!, runs.reading!));
  }
  return { config: cfg, limitBytes: GROWTH_LIMIT_BYTES, floorBytes: REFERENCE_FLOOR_BYTES, cases };
}
