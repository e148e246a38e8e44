import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SnapshotError, distil, newestFullReport, parseMeasured } from './bench-snapshot.ts';
import { grouped, ratio, renderHeadlines, renderSummary, renderTargets } from './generators/bench.ts';

const s = (median: number, min = median, max = median) => ({ median, min, max, relSpread: 0, runs: [min, median, max] });

/** A report with the shape `pnpm bench` writes, cut down to one case per table. */
function fixture(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    startedAt: '2026-01-02T03:04:05.000Z',
    command: 'pnpm bench',
    quick: false,
    runs: 3,
    machine: { cpus: 2, node: 'v20.0.0', platform: 'Linux 6.0', totalMemGiB: 8 },
    clock: 'ignored',
    notes: ['ignored'],
    targets: [
      { name: 'broadcast ws-raw / ws-lib', goal: '≥ 1.2×', measured: '3.60× (3.48–4.03)', met: true, note: '' },
      { name: 'idle RSS per client', goal: '≤ 8 KB', measured: '11,279 B (10,549–11,737)', met: false, note: 'missed: too | big' },
    ],
    errors: [],
    echo: {
      clients: 50,
      cases: [{ target: 'tcp', size: 16384, msgsPerSec: s(24008.4, 19919, 24594), p50Ms: s(1.554), p99Ms: s(8.16), errors: 0, cpu: [] }],
      ratios: [{ size: 64, rawOverLib: s(0.9788, 0.975, 1.0296), rawOverTcp: s(0.74), libOverTcp: s(0.7589) }],
    },
    broadcast: {
      cases: [
        { transport: 'ws-raw', receivers: 500, burst: 200, deliveriesPerSec: s(248372.6), firstMs: s(2.9), medianMs: s(8.57), lastMs: s(13.04), missing: 0, cpu: [], serverPid: 1 },
      ],
      latencyMessages: 20,
      spacingMs: 100,
      shortPollIntervalMs: 1000,
      ratios: [{ receivers: 500, rawOverLib: s(3.6027) }, { receivers: 2000, rawOverLib: s(4.4865) }],
    },
    idle: [
      { transport: 'ws-raw', clients: 5000, rssPerClient: s(10000), heapPerClient: s(6165.3), externalPerClient: s(1), wakeLastMs: s(128.5), wakeMissing: 0, serverPids: [] },
      { transport: 'ws-lib', clients: 5000, rssPerClient: s(12000), heapPerClient: s(6900), externalPerClient: s(1), wakeLastMs: s(130), wakeMissing: 0, serverPids: [] },
      { transport: 'long-poll', clients: 5000, rssPerClient: s(15000), heapPerClient: s(7600), externalPerClient: s(0), wakeLastMs: s(455.46), wakeMissing: 0, serverPids: [] },
      { transport: 'short-poll', clients: 5000, rssPerClient: s(2181.5), heapPerClient: s(224.1), externalPerClient: s(0), wakeLastMs: null, wakeMissing: 0, serverPids: [] },
    ],
    polling: [
      { transport: 'short-poll', clients: 1000, requestsPerSec: s(1001.2), bytesPerDelivered: s(339.98), requestsPerDelivered: s(0.53715), deliveredPerSec: s(1864), messagesPerSecond: 2, cpu: [] },
      { transport: 'long-poll', clients: 1000, requestsPerSec: s(1857.7), bytesPerDelivered: s(487.65), requestsPerDelivered: s(1), deliveredPerSec: s(1857), messagesPerSecond: 2, cpu: [] },
    ],
    codec: [{ name: 'encode 1 MiB, unmasked', kind: 'encode', payloadBytes: 1048576, ours: s(5683), ws: s(1.3e7), ratio: s(0.000459, 0.00041, 0.00062) }],
    dashboard: {
      bundle: {
        budgetBytes: 250000,
        initial: { files: [{ path: 'a.js' }, { path: 'b.js' }], bytes: 341659, gzipBytes: 111265, external: [] },
        allJs: { files: 103, bytes: 5652227, gzipBytes: 1647587 },
        met: true,
      },
      frames: {
        browser: 'Chromium 1',
        lanes: ['ws-raw', 'long-poll'],
        messagesPerSecond: 20,
        referenceFps: s(60.0028),
        loadedFps: s(57.9056, 53.213, 58.006),
        loadedOverReference: s(0.965, 0.8868, 0.9667),
        loadedP95FrameMs: s(16.8),
        met: false,
      },
    },
    ...overrides,
  };
}

describe('distil', () => {
  it('keeps the report\'s numbers unrounded and drops what the docs do not show', () => {
    const snap = distil(fixture(), 'bench-results/x/report.json');
    expect(snap.source).toBe('bench-results/x/report.json');
    expect(snap.machine).toEqual({ cpus: 2, node: 'v20.0.0', platform: 'Linux 6.0', totalMemGiB: 8 });
    expect(snap.echo.cases[0]!.msgsPerSec).toEqual({ median: 24008.4, min: 19919, max: 24594 });
    expect(snap.echo.ratios[0]!.rawOverLib).toEqual({ median: 0.9788, min: 0.975, max: 1.0296 });
    expect(snap.broadcast.ratios.map((r) => r.rawOverLib.median)).toEqual([3.6027, 4.4865]);
    expect(snap.broadcast.latencyMessages).toBe(20);
    expect(snap.idle.find((i) => i.transport === 'short-poll')!.wakeLastMs).toBeNull();
    expect(snap.polling[0]!.requestsPerDelivered.median).toBe(0.53715);
    expect(snap.codec[0]!.ratio.median).toBe(0.000459);
    expect(snap.dashboard).toMatchObject({ initialGzipBytes: 111265, initialFiles: 2, allJsFiles: 103, bundleMet: true, framesMet: false });
    expect(JSON.stringify(snap)).not.toContain('runs":[');
    expect(JSON.stringify(snap)).not.toContain('serverPid');
  });

  it('parses each target\'s leading figure and keeps the report\'s wording', () => {
    const [met, missed] = distil(fixture(), 'r.json').targets;
    expect(met).toEqual({ name: 'broadcast ws-raw / ws-lib', goal: '≥ 1.2×', measured: '3.60× (3.48–4.03)', median: 3.6, min: 3.48, max: 4.03, unit: '×', met: true, note: '' });
    expect(missed).toMatchObject({ median: 11279, min: 10549, max: 11737, unit: 'B', met: false, note: 'missed: too | big' });
    expect(parseMeasured('111.3 KB in 2 files (341.7 KB raw)')).toEqual({ median: 111.3, unit: 'KB', min: null, max: null });
    expect(parseMeasured('n/a')).toEqual({ median: null, min: null, max: null, unit: '' });
  });

  it('refuses a quick run, a run with a scenario left out, and a report missing a field', () => {
    expect(() => distil(fixture({ quick: true }), 'q.json')).toThrow(/q.json is not a full run/);
    expect(() => distil(fixture({ codec: undefined }), 'o.json')).toThrow(SnapshotError);
    const broken = fixture();
    delete (broken.machine as Record<string, unknown>).cpus;
    expect(() => distil(broken, 'b.json')).toThrow('report.json has no "machine.cpus"');
  });
});

describe('newestFullReport', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wirebench-bench-snapshot-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, body: string) => {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'report.json'), body);
  };

  it('skips newer quick, partial and unreadable reports', () => {
    write('2026-01-01T00-00-00.000Z', JSON.stringify(fixture()));
    write('2026-01-02T00-00-00.000Z', JSON.stringify(fixture({ startedAt: 'second' })));
    write('2026-01-03T00-00-00.000Z', JSON.stringify(fixture({ quick: true })));
    write('2026-01-04T00-00-00.000Z', JSON.stringify(fixture({ echo: undefined })));
    write('2026-01-05T00-00-00.000Z', '{"half-written');
    expect(newestFullReport(dir)).toBe(join(dir, '2026-01-02T00-00-00.000Z', 'report.json'));
    expect(newestFullReport(join(dir, 'absent'))).toBeNull();
  });
});

describe('rendering', () => {
  const snap = distil(fixture(), 'r.json');

  it('bench-targets: a MET row and a MISSED row, the note without its "missed:" and with | escaped', () => {
    const md = renderTargets(snap, 'en').split('\n');
    expect(md[0]).toBe(
      'From `pnpm bench` started 2026-01-02 03:04 UTC, 3 runs per figure, on a shared 2-core machine (Linux 6.0, Node v20.0.0, 8 GiB) where the server and the load processes compete for the same cores. Medians of the runs, min–max in brackets.',
    );
    expect(md).toContain('| broadcast ws-raw / ws-lib | ≥ 1.2× | 3.60× (3.48–4.03) | MET |  |');
    expect(md).toContain('| idle RSS per client | ≤ 8 KB | 11,279 B (10,549–11,737) | **MISSED** | too \\| big |');
  });

  it('bench-headlines: rounds when rendering, ratios keep small values visible', () => {
    const md = renderHeadlines(snap, 'en');
    expect(md).toContain('| raw TCP | 16,384 | 24,008 (19,919–24,594) | 1.55 | 8.16 |');
    expect(md).toContain('| 64 | 0.98× (0.97–1.03) | 0.74× (0.74–0.74) | 0.76× (0.76–0.76) |');
    expect(md).toContain('| `ws-raw` | 500 | 248,373 (248,373–248,373) | 2.90 | 8.57 | 13.0 |');
    expect(md).toContain('| `short-poll` | 5,000 | 2,182 (2,182–2,182) | 224 | – |');
    expect(md).toContain('| `long-poll` | 1,000 | 2 | 1,858 | 1.00 | 488 |');
    expect(md).toContain('| encode 1 MiB, unmasked | 0.00046× (0.00041–0.00062) |');
    expect(md).toContain('| initial JS, gzipped | 111.3 KB in 2 files (341.7 KB raw; all JS 1,647.6 KB in 103 files) | ≤ 250 KB | MET |');
    expect(md).toContain('| frame rate under traffic | 57.9 (53.2–58.0) fps; about:blank 60.0 fps; ratio 0.96× (0.89–0.97); p95 frame 16.8 ms | ≥ 50 fps | **MISSED** |');
  });

  it('bench-summary: broadcast ratio, idle bytes WebSocket vs long poll, polling requests per message', () => {
    const md = renderSummary(snap, 'en');
    expect(md).toContain('`pnpm bench` started 2026-01-02 03:04 UTC');
    expect(md).toContain('3.60× as fast as the `ws` library (`ws-lib`) with 500 receivers, 4.49× with 2,000');
    expect(md).toContain('10,000 B for a `ws-raw` WebSocket, 12,000 B for `ws-lib`, 15,000 B for a held long poll (1.50× the `ws-raw` median)');
    expect(md).toContain('0.54 for short polling (340 B each), 1.00 for long polling (488 B each)');
    expect(() => renderSummary({ ...snap, idle: snap.idle.filter((i) => i.transport !== 'long-poll') }, 'en')).toThrow('bench snapshot has no long-poll figure');
  });

  it("in Simplified Chinese: the same figures, Chinese words, the report's own target names kept", () => {
    const targets = renderTargets(snap, 'zh-CN').split('\n');
    expect(targets[0]).toMatch(/^数据来自 `pnpm bench`，开始于 2026-01-02 03:04 UTC，每个数字跑 3 轮/);
    expect(targets).toContain('| broadcast ws-raw / ws-lib | ≥ 1.2× | 3.60× (3.48–4.03) | 达标 |  |');
    expect(targets).toContain('| idle RSS per client | ≤ 8 KB | 11,279 B (10,549–11,737) | **未达标** | too \\| big |');
    const headlines = renderHeadlines(snap, 'zh-CN');
    expect(headlines).toContain('| 原始 TCP | 16,384 | 24,008 (19,919–24,594) | 1.55 | 8.16 |');
    expect(headlines).toContain('| 首屏 JS（gzip 后） | 111.3 KB，共 2 个文件（未压缩 341.7 KB；全部 JS 1,647.6 KB，共 103 个文件） | ≤ 250 KB | 达标 |');
    const summary = renderSummary(snap, 'zh-CN');
    expect(summary).toContain('有 500 个接收者时，手写的 `ws-raw` 服务器投递消息的速度是 `ws` 库（`ws-lib`）的 3.60×，2,000 个时是 4.49×');
    expect(summary).toContain('短轮询 0.54 个（每个 340 B），长轮询 1.00 个（每个 488 B）');
    // Every line with words has Chinese in it; no English sentence is left.
    for (const md of [targets.join('\n'), headlines, summary]) {
      for (const line of md.split('\n').filter((x) => x && !x.startsWith('|'))) expect(line).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('number helpers print the same everywhere', () => {
    expect(grouped(1234567.89)).toBe('1,234,568');
    expect(grouped(-1647.587, 1)).toBe('-1,647.6');
    expect(ratio(0.9788)).toBe('0.98×');
    expect(ratio(0.0145)).toBe('0.015×');
    expect(ratio(0)).toBe('0.00×');
  });
});
