// The tables printed at the end of a run.
import { PERCENTILE_METHOD } from '../stats.ts';
import { cpuNote, dashboardWindows, fmt, fmtSpread, kb, mainThreadCell, spreadOf } from './format.ts';
import { slowReadersHead, slowReadersRows, slowReadersTitle } from './slow-readers.ts';
import { clusterLimits, clusterTables } from './cluster.ts';
import { compressionTables } from './compression.ts';
import type { FullReport } from './types.ts';

export function printTables(r: FullReport): string {
  const lines: string[] = [];
  const table = (title: string, head: string[], rows: string[][]): void => {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
    const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
    lines.push('', title, line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line));
  };
  if (r.echo) {
    table(
      `1. Echo, ${r.echo.clients} clients, one message in flight each (median of ${r.runs} runs, min–max; p50/p99 by ${PERCENTILE_METHOD})`,
      ['target', 'size', 'msg/s', 'p50 ms', 'p99 ms', 'note'],
      r.echo.cases.map((c) => [c.target, `${c.size} B`, fmtSpread(c.msgsPerSec), fmtSpread(c.p50Ms, 3), fmtSpread(c.p99Ms, 3), cpuNote(c.cpu)]),
    );
    table(
      'Echo ratios (paired per run)',
      ['size', 'ws-raw/ws-lib', 'ws-raw/TCP', 'ws-lib/TCP'],
      r.echo.ratios.map((x) => [`${x.size} B`, fmtSpread(x.rawOverLib, 2, '×'), fmtSpread(x.rawOverTcp, 2, '×'), fmtSpread(x.libOverTcp, 2, '×')]),
    );
  }
  if (r.broadcast) {
    table(
      `2. Broadcast, 1 sender (latency: median over ${r.broadcast.latencyMessages} messages, ${r.broadcast.spacingMs} ms apart)`,
      ['transport', 'receivers', 'deliveries/s', 'first ms', 'median ms', 'last ms', 'missing', 'note'],
      r.broadcast.cases.map((c) => [
        c.transport,
        String(c.receivers),
        fmtSpread(c.deliveriesPerSec),
        fmtSpread(c.firstMs, 2),
        fmtSpread(c.medianMs, 2),
        fmtSpread(c.lastMs, 2),
        String(c.missing),
        cpuNote(c.cpu),
      ]),
    );
    table('Broadcast ratio (paired per run)', ['receivers', 'ws-raw/ws-lib deliveries/s'], r.broadcast.ratios.map((x) => [String(x.receivers), fmtSpread(x.rawOverLib, 2, '×')]));
  }
  if (r.idle) {
    table(
      '3. Idle cost per client (server RSS and V8 heap growth after a full GC)',
      ['transport', 'clients', 'RSS B/client', 'heap B/client', 'external B/client', 'send → last of all ms'],
      r.idle.map((c) => [
        c.transport,
        String(c.clients),
        fmtSpread(c.rssPerClient),
        fmtSpread(c.heapPerClient),
        fmtSpread(c.externalPerClient),
        c.wakeLastMs ? fmtSpread(c.wakeLastMs, 1) + (c.wakeMissing ? ` (${c.wakeMissing} missing)` : '') : 'n/a',
      ]),
    );
  }
  if (r.polling) {
    table(
      `4. Polling cost (server-counted bytes, both directions)`,
      ['transport', 'clients', 'msg/s sent', 'requests/s', 'bytes/delivered', 'requests/delivered', 'note'],
      r.polling.map((c) => [
        c.transport,
        String(c.clients),
        String(c.messagesPerSecond),
        fmtSpread(c.requestsPerSec),
        fmtSpread(c.bytesPerDelivered),
        fmtSpread(c.requestsPerDelivered, 2),
        cpuNote(c.cpu),
      ]),
    );
  }
  if (r.codec) {
    table(
      '5. Codec micro-benchmarks (ops/s, one process)',
      ['case', 'ours', 'ws', 'ours/ws', 'ours frame-only'],
      r.codec.map((c) => [c.name, fmtSpread(c.ours), fmtSpread(c.ws), fmtSpread(c.ratio, 2, '×'), c.oursFrameOnly ? fmtSpread(c.oursFrameOnly) : '']),
    );
  }
  if (r.dashboard) {
    const b = r.dashboard.bundle;
    table(
      `6. Dashboard initial JS (gzip level 9): ${kb(b.initial.gzipBytes)} of ${kb(b.budgetBytes, 0)}; all JS ${kb(b.allJs.gzipBytes)} in ${b.allJs.files} files`,
      ['file', 'bytes', 'gzip bytes', 'why it loads'],
      [
        ...b.initial.files.map((f) => [f.path, fmt(f.bytes), fmt(f.gzipBytes), f.reason]),
        ...b.initialCss.files.map((f) => [f.path, fmt(f.bytes), fmt(f.gzipBytes), 'stylesheet (not JS, not counted)']),
      ],
    );
    const f = r.dashboard.frames;
    if (f) {
      table(
        `Dashboard frames, ${f.browser}, ${f.viewport.width}×${f.viewport.height}, ${fmt(f.windowMs / 1000)} s windows, ${f.lanes.join(' + ')} at ${f.messagesPerSecond} msg/s (median of ${f.runs.length} runs, min–max)`,
        ['page', 'fps', 'p95 frame ms', 'max frame ms', 'long tasks', 'main thread ms/s (script, layout, style); layouts/s', 'machine CPU %', 'Chromium % core', 'outside bench % core'],
        dashboardWindows(f).map(([label, pick]) => [
          label,
          fmtSpread(spreadOf(f, (x) => pick(x)?.fps ?? NaN), 1),
          fmtSpread(spreadOf(f, (x) => pick(x)?.p95FrameMs ?? NaN), 1),
          fmtSpread(spreadOf(f, (x) => pick(x)?.maxFrameMs ?? NaN), 1),
          fmtSpread(spreadOf(f, (x) => pick(x)?.longTasks ?? NaN)),
          mainThreadCell(f, pick),
          fmtSpread(spreadOf(f, (x) => pick(x)?.cpu.machinePct ?? NaN)),
          fmtSpread(spreadOf(f, (x) => pick(x)?.cpu.browserPct ?? NaN)),
          fmtSpread(spreadOf(f, (x) => pick(x)?.cpu.otherPct ?? NaN)),
        ]).concat([
          ['dashboard / reference', fmtSpread(f.loadedOverReference, 3, '×'), '', '', '', '', '', fmtSpread(f.loadedCpuOverReference, 2, '×'), ''],
          ...(f.class ? [['class / reference', fmtSpread(f.class.overReference, 3, '×'), '', '', '', '', '', fmtSpread(f.class.cpuOverReference, 2, '×'), '']] : []),
        ]),
      );
    }
  }
  if (r.slowReaders) {
    table(`7. Slow readers: ${slowReadersTitle(r.slowReaders)}`, slowReadersHead(r.slowReaders), r.slowReaders.cases.flatMap(slowReadersRows));
  }
  if (r.cluster) {
    for (const t of clusterTables(r.cluster, r.machine.cpus)) table(t.title, t.head, t.rows);
    lines.push(...clusterLimits(r.cluster, r.machine.cpus).map((l) => `- ${l}`));
  }
  if (r.compression) for (const t of compressionTables(r.compression)) table(t.title, t.head, t.rows);
  table(
    'Targets',
    ['target', 'goal', 'measured', 'result', 'note'],
    r.targets.map((x) => [x.name, x.goal, x.measured, x.met === null ? 'n/a' : x.met ? 'MET' : 'MISSED', x.note]),
  );
  if (r.errors.length) {
    lines.push('', 'Scenario errors:');
    for (const e of r.errors) lines.push(`  ${e.scenario}: ${e.error.split('\n')[0]}`);
  }
  return lines.join('\n');
}
