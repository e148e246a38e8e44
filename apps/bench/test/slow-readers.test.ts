import net from 'node:net';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import {
  GROWTH_LIMIT_BYTES,
  REFERENCE_FLOOR_BYTES,
  SLOW_CASES,
  growthMet,
  growthOf,
  growthRatio,
  missingCount,
  peakOf,
  slowCase,
  type SlowRun,
} from '../src/scenarios/slow-readers.ts';
import { TCP_ESTABLISHED, tcpStatesTo } from '../src/load/slow-peers.ts';
import { benchServerEnv } from '../src/processes.ts';
import { benchText } from '../src/protocol.ts';
import { slowReadersTargets } from '../src/report/targets.ts';
import { printTables } from '../src/report/text.ts';
import type { FullReport } from '../src/report/types.ts';

const MiB = 1024 * 1024;

function run(mode: SlowRun['mode'], growth: number, extra: Partial<SlowRun> = {}): SlowRun {
  return {
    mode,
    serverPid: 1,
    peersOpened: 50,
    openFailures: 0,
    firstOpenError: null,
    rssBefore: 80 * MiB,
    rssPeak: 80 * MiB + growth,
    rssAfter: 80 * MiB + growth / 2,
    heldBefore: 15 * MiB,
    heldAfter: 15 * MiB,
    peakFrom: 'VmHWM',
    growth,
    growthPerPeer: growth / 50,
    dropped: 0,
    serverCountedDrops: null,
    peerSends: 0,
    peerSendsSkipped: 0,
    reader: { sent: 250, received: 250, missing: 0 },
    serverCpuPct: 10,
    ...extra,
  };
}

describe('peak, growth and ratio', () => {
  it('the peak is the highest sample or the high-water mark, whichever is higher', () => {
    expect(peakOf([10, 30, 20], null)).toBe(30);
    expect(peakOf([10, 30, 20], 45)).toBe(45);
    expect(peakOf([10, 30, 20], 25)).toBe(30);
    expect(peakOf([], 12)).toBe(12);
    expect(peakOf([NaN, 7], NaN)).toBe(7);
    expect(Number.isNaN(peakOf([], null))).toBe(true);
  });
  it('growth is peak minus before, never negative', () => {
    expect(growthOf(100, 164)).toBe(64);
    expect(growthOf(100, 90)).toBe(0);
  });
  it('the ratio divides by the reference growth, floored so noise near zero does not blow it up', () => {
    expect(growthRatio(200 * MiB, 20 * MiB)).toBe(10);
    expect(growthRatio(200 * MiB, 0)).toBe(200);
    expect(growthRatio(200 * MiB, 0.1 * MiB)).toBe(200 / (REFERENCE_FLOOR_BYTES / MiB));
    expect(growthRatio(3, 0, 2)).toBe(1.5);
  });
  it('MET only strictly under the limit; an unmeasured growth is not met', () => {
    expect(GROWTH_LIMIT_BYTES).toBe(64 * MiB);
    expect(growthMet(64 * MiB - 1)).toBe(true);
    expect(growthMet(64 * MiB)).toBe(false);
    expect(growthMet(300 * MiB)).toBe(false);
    expect(growthMet(NaN)).toBe(false);
  });
  it('a case carries the ratio and the verdict of its slow run', () => {
    const c = slowCase('ws-lib-echo', 50, run('slow', 320 * MiB), run('reading', 16 * MiB));
    expect(c.ratio).toBe(20);
    expect(c.met).toBe(false);
    expect(slowCase('ws-raw', 50, run('slow', 8 * MiB), run('reading', 0)).met).toBe(true);
  });
});

describe('gaps of the normal client', () => {
  it('counts the indexes that never arrived; duplicates and strays do not hide a gap', () => {
    expect(missingCount([0, 1, 2, 3], 4)).toBe(0);
    expect(missingCount([0, 2, 2, 2], 4)).toBe(2);
    expect(missingCount([0, 1, 2, 7, -1, 1.5], 4)).toBe(1);
    expect(missingCount([], 3)).toBe(3);
    expect(missingCount([0], 0)).toBe(0);
  });
});

describe('every transport and both echo endpoints are cases', () => {
  it('covers the contract ids', () => {
    for (const id of TRANSPORT_IDS) expect(SLOW_CASES).toContain(id);
    expect(SLOW_CASES).toContain('ws-raw-echo');
    expect(SLOW_CASES).toContain('ws-lib-echo');
    expect(new Set(SLOW_CASES).size).toBe(SLOW_CASES.length);
  });
});

describe('the report', () => {
  it('shows MET and MISSED per case, with the ratio and the drops', () => {
    const report: FullReport = {
      startedAt: '2026-01-01T00:00:00.000Z',
      command: 'pnpm bench --only slow-readers',
      quick: false,
      runs: 1,
      machine: { cpus: 2, node: 'v20', platform: 'Linux', totalMemGiB: 24 },
      clock: '',
      pids: { driver: 1, workers: [] },
      notes: [],
      slowReaders: {
        config: {
          peers: 50,
          room: { messages: 3000, textChars: 1900 },
          durationMs: 5000,
          messagesPerSecond: 50,
          pollEveryMs: 500,
          echo: { bytes: 256 * 1024, everyMs: 250 },
          readerPollMs: 250,
          settleMs: 1000,
          sampleMs: 50,
        },
        limitBytes: GROWTH_LIMIT_BYTES,
        floorBytes: REFERENCE_FLOOR_BYTES,
        cases: [
          slowCase('ws-raw', 50, run('slow', 6 * MiB, { dropped: 50, serverCountedDrops: 49 }), run('reading', 4 * MiB)),
          slowCase('ws-lib-echo', 50, run('slow', 320 * MiB), run('reading', 70 * MiB)),
        ],
      },
      targets: [],
      errors: [],
    };
    const targets = slowReadersTargets(report.slowReaders!, false);
    expect(targets.map((t) => t.met)).toEqual([true, false]);
    expect(targets[0]!.note).toContain('50 of 50 slow peers dropped by the server (its own count: 49)');
    expect(targets[0]!.note).not.toContain('churn');
    expect(targets[1]!.measured).toContain('slow / reading 4.6×');
    expect(targets[1]!.note).toContain('The reference (peers reading) grew 70.0 MiB too');
    report.targets = targets;
    const text = printTables(report);
    expect(text).toMatch(/ws-raw\s+never read.*50 \(server: 49\).*MET/);
    expect(text).toMatch(/ws-lib-echo\s+never read.*4\.6×\s+MISSED/);
  });
});

describe('bench server environment', () => {
  it('lifts the per-address limits above the client count and keeps the buffered-bytes limit', () => {
    const env = benchServerEnv(2_000);
    expect(Number(env.MAX_CONNECTIONS_PER_ADDRESS)).toBeGreaterThan(2_000);
    expect(Number(env.JOIN_RATE_LIMIT)).toBeGreaterThan(2_000);
    expect(Number(env.SEND_RATE_LIMIT_PER_ADDRESS)).toBeGreaterThanOrEqual(1e9);
    expect(env.HOST).toBe('127.0.0.1');
    expect(env).not.toHaveProperty('MAX_BUFFERED_BYTES');
    expect(env.REDIS_URL).toBe(''); // the memory room, even when the caller's shell points at a Redis
    expect(() => benchServerEnv(-1)).toThrow(RangeError);
    expect(() => benchServerEnv(1.5)).toThrow(RangeError);
  });
});

describe('padded bench text', () => {
  it('is padded to the asked length and still carries tag, index and time', () => {
    const text = benchText('F', 12, 1763900000123.5, 1900);
    expect(text).toHaveLength(1900);
    expect(text.split('|').slice(0, 4)).toEqual(['b', 'F', '12', '1763900000123.500']);
    expect(benchText('S', 1, 5)).toBe('b|S|1|5.000');
    expect(benchText('S', 1, 5, 3)).toBe('b|S|1|5.000');
  });
});

describe('drops seen in the kernel socket table', () => {
  it('parses /proc/net/tcp lines by remote port', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0',
      '   1: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1',
      '   2: 0100007F:C351 0100007F:1F90 08 00000000:00001000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1',
      '   3: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0 20 4 30 10 -1',
      '',
    ].join('\n');
    const states = tcpStatesTo(table, 0x1f90);
    expect(states).toEqual(
      new Map([
        [0xc350, TCP_ESTABLISHED],
        [0xc351, 0x08],
      ]),
    );
  });

  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const c of cleanups.splice(0)) c();
  });

  it('a client that never reads still sees, in the table, that the server closed it', async () => {
    const accepted: net.Socket[] = [];
    const server = net.createServer((s) => {
      accepted.push(s);
      s.write(Buffer.alloc(64 * 1024));
    });
    cleanups.push(() => server.close());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const client = net.connect({ host: '127.0.0.1', port });
    client.pause();
    cleanups.push(() => client.destroy());
    await new Promise<void>((r) => client.once('connect', r));
    while (accepted.length === 0) await new Promise((r) => setTimeout(r, 5));
    const state = (): number | undefined => tcpStatesTo(readFileSync('/proc/net/tcp', 'utf8'), port).get(client.localPort!);
    expect(state()).toBe(TCP_ESTABLISHED);
    accepted[0]!.destroy();
    const deadline = Date.now() + 2_000;
    while (state() === TCP_ESTABLISHED && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(state()).not.toBe(TCP_ESTABLISHED);
    expect(client.destroyed).toBe(false); // the paused client itself has noticed nothing
  });
});
