// report.html: self-contained, tables and the inline SVG bar charts of svg.ts.
import { PERCENTILE_METHOD, spread } from '../stats.ts';
import { dashboardHtml } from './html-dashboard.ts';
import { MiB, cpuNote, fmt, fmtSpread } from './format.ts';
import { slowReadersHead, slowReadersRows, slowReadersTitle } from './slow-readers.ts';
import { clusterHtml } from './cluster.ts';
import { compressionHtml } from './compression.ts';
import { COLORS, barChart, esc, htmlTable } from './svg.ts';
import type { FullReport } from './types.ts';

export function renderHtml(r: FullReport): string {
  const s: string[] = [];
  s.push(`<h1>Wirebench bench report</h1>`);
  s.push(
    `<p>${esc(r.startedAt)} · <code>${esc(r.command)}</code> · ${r.quick ? '<b>quick run (tiny sizes, one run: not a measurement)</b>' : `median of ${r.runs} runs, bars at the median, whiskers from min to max`}; latency percentiles by ${PERCENTILE_METHOD}, as the dashboard shows them</p>`,
  );
  s.push(
    `<p>Machine: ${r.machine.cpus} CPUs, ${r.machine.totalMemGiB} GiB, Node ${esc(r.machine.node)}, ${esc(r.machine.platform)}. Driver PID ${r.pids.driver}, load workers ${r.pids.workers.join(', ')}.</p>`,
  );
  s.push(`<h2>Targets</h2>`);
  s.push(htmlTable(['target', 'goal', 'measured', 'result', 'note'], r.targets.map((x) => [x.name, x.goal, x.measured, x.met === null ? 'n/a' : x.met ? 'MET' : 'MISSED', x.note])));
  if (r.errors.length) {
    s.push('<h2>Scenario errors</h2><ul>' + r.errors.map((e) => `<li><b>${esc(e.scenario)}</b>: <pre>${esc(e.error)}</pre></li>`).join('') + '</ul>');
  }
  if (r.echo) {
    const e = r.echo;
    s.push(`<h2>1. Echo</h2><p>${e.clients} clients over 2 load processes, one binary message in flight each, over 127.0.0.1. Server PID ${e.serverPid}, TCP echo PID ${e.tcpPid}.</p>`);
    for (const size of [...new Set(e.cases.map((c) => c.size))]) {
      const cs = e.cases.filter((c) => c.size === size);
      s.push(barChart(`Echo ${size} B: messages per second`, 'msg/s', cs.map((c) => ({ label: c.target, value: c.msgsPerSec, color: COLORS[c.target] }))));
      s.push(barChart(`Echo ${size} B: round trip p99`, 'ms', cs.map((c) => ({ label: c.target, value: c.p99Ms, color: COLORS[c.target] })), { digits: 3 }));
    }
    s.push(
      htmlTable(
        ['target', 'size', 'msg/s', 'p50 ms', 'p99 ms', 'server CPU %', 'client CPU % (per process)', 'note'],
        e.cases.map((c) => [
          c.target,
          `${c.size} B`,
          fmtSpread(c.msgsPerSec),
          fmtSpread(c.p50Ms, 3),
          fmtSpread(c.p99Ms, 3),
          c.cpu.map((x) => fmt(x.serverPct)).join(' / '),
          c.cpu.map((x) => x.workerPct.map((p) => fmt(p)).join('+')).join(' / '),
          cpuNote(c.cpu),
        ]),
      ),
    );
    s.push(
      barChart(
        'Echo throughput ratios (paired per run)',
        '×',
        e.ratios.flatMap((x) => [
          { label: `ws-raw / ws-lib, ${x.size} B`, value: x.rawOverLib, color: COLORS['ws-raw'] },
          { label: `ws-raw / TCP, ${x.size} B`, value: x.rawOverTcp, color: COLORS.tcp },
          { label: `ws-lib / TCP, ${x.size} B`, value: x.libOverTcp, color: COLORS['ws-lib'] },
        ]),
        { refLine: 1, refLabel: '1.0×', digits: 2 },
      ),
    );
  }
  if (r.broadcast) {
    const b = r.broadcast;
    s.push(
      `<h2>2. Broadcast fan-out</h2><p>One sender (its own process; WebSocket senders send on their stack's chat socket, HTTP transports POST /api/messages with their via). Latency: ${b.latencyMessages} messages ${b.spacingMs} ms apart; for each message the first, median and last receiver; the figure is the median over messages. Throughput: a burst sent as fast as acks allow, deliveries divided by the time from the first send to the last delivery. Short polling polls every ${b.shortPollIntervalMs} ms, so its latency is mostly the wait for the next poll.</p>`,
    );
    for (const n of [...new Set(b.cases.map((c) => c.receivers))]) {
      const cs = b.cases.filter((c) => c.receivers === n);
      s.push(barChart(`${n} receivers: deliveries per second`, '/s', cs.map((c) => ({ label: c.transport, value: c.deliveriesPerSec, color: COLORS[c.transport] }))));
      s.push(
        barChart(
          `${n} receivers: last-receiver latency`,
          'ms',
          cs.filter((c) => c.transport !== 'short-poll').map((c) => ({ label: c.transport, value: c.lastMs, color: COLORS[c.transport] })),
          { refLine: n === 500 ? 5 : undefined, refLabel: n === 500 ? '5 ms target (ws-raw)' : undefined, digits: 2 },
        ),
      );
    }
    s.push(
      htmlTable(
        ['transport', 'receivers', 'deliveries/s', 'first ms', 'median ms', 'last ms', 'missing', 'server CPU %', 'client CPU %', 'note'],
        b.cases.map((c) => [
          c.transport,
          String(c.receivers),
          fmtSpread(c.deliveriesPerSec),
          fmtSpread(c.firstMs, 2),
          fmtSpread(c.medianMs, 2),
          fmtSpread(c.lastMs, 2),
          String(c.missing),
          c.cpu.map((x) => fmt(x.serverPct)).join(' / '),
          c.cpu.map((x) => x.workerPct.map((p) => fmt(p)).join('+')).join(' / '),
          cpuNote(c.cpu),
        ]),
      ),
    );
  }
  if (r.idle) {
    s.push(
      `<h2>3. Idle cost</h2><p>A fresh server per transport and run. Memory is read after a full GC (the server runs with --expose-gc and a preloaded probe that answers over IPC) before and after the idle clients connect; RSS is VmRSS from /proc/&lt;pid&gt;/status. An idle short-poll client is a keep-alive socket between polls. The last column is the time from one send to the last of all idle clients getting it (for long polling: waking every held poll).</p>`,
    );
    s.push(barChart('RSS per idle client', 'B', r.idle.map((c) => ({ label: c.transport, value: c.rssPerClient, color: COLORS[c.transport] })), { refLine: 8000, refLabel: '8 KB' }));
    s.push(barChart('V8 heap per idle client', 'B', r.idle.map((c) => ({ label: c.transport, value: c.heapPerClient, color: COLORS[c.transport] }))));
    s.push(
      htmlTable(
        ['transport', 'clients', 'RSS B/client', 'heap B/client', 'external B/client', 'send → last of all ms', 'server PIDs'],
        r.idle.map((c) => [
          c.transport,
          String(c.clients),
          fmtSpread(c.rssPerClient),
          fmtSpread(c.heapPerClient),
          fmtSpread(c.externalPerClient),
          c.wakeLastMs ? fmtSpread(c.wakeLastMs, 1) + (c.wakeMissing ? ` (${c.wakeMissing} missing)` : '') : 'n/a',
          c.serverPids.join(', '),
        ]),
      ),
    );
  }
  if (r.polling) {
    s.push(
      `<h2>4. Polling cost</h2><p>Bytes and requests as the server counts them in /api/stats for the lane (request line, headers and body in; everything written out). The sender uses ws-raw so its own traffic is not in the polling lanes.</p>`,
    );
    s.push(barChart('Bytes on the wire per delivered message', 'B', r.polling.map((c) => ({ label: c.transport, value: c.bytesPerDelivered, color: COLORS[c.transport] }))));
    s.push(barChart('Requests per second', '/s', r.polling.map((c) => ({ label: c.transport, value: c.requestsPerSec, color: COLORS[c.transport] }))));
    s.push(
      htmlTable(
        ['transport', 'clients', 'msg/s sent', 'requests/s', 'bytes/delivered', 'requests/delivered', 'delivered/s', 'note'],
        r.polling.map((c) => [
          c.transport,
          String(c.clients),
          String(c.messagesPerSecond),
          fmtSpread(c.requestsPerSec),
          fmtSpread(c.bytesPerDelivered),
          fmtSpread(c.requestsPerDelivered, 2),
          fmtSpread(c.deliveredPerSec),
          cpuNote(c.cpu),
        ]),
      ),
    );
  }
  if (r.codec) {
    s.push(`<h2>5. Codec micro-benchmarks</h2><p>One process, identical input buffers for both. Ratio = ours / ws operations per second, paired per round.</p>`);
    s.push(barChart('Codec: ours / ws', '×', r.codec.map((c) => ({ label: c.name.replace(/^(de|en)code /, '$1c. '), value: c.ratio, color: c.kind === 'decode' ? '#2e86de' : '#16a085' })), { refLine: 1, refLabel: '1.0×', digits: 2 }));
    s.push(
      htmlTable(
        ['case', 'ours ops/s', 'ws ops/s', 'ours/ws', 'ours FrameDecoder only ops/s'],
        r.codec.map((c) => [c.name, fmtSpread(c.ours), fmtSpread(c.ws), fmtSpread(c.ratio, 2, '×'), c.oursFrameOnly ? fmtSpread(c.oursFrameOnly) : '']),
      ),
    );
  }
  if (r.dashboard) s.push(dashboardHtml(r.dashboard));
  if (r.slowReaders) {
    const sr = r.slowReaders;
    s.push(
      `<h2>7. Slow readers</h2><p>${esc(slowReadersTitle(sr))}. Slow peers never read: a ws client paused right after the handshake, or a raw TCP socket whose request (for polls: <code>?after=0</code>, asked again, pipelined, every ${sr.config.pollEveryMs} ms) is never read. The reference is the same peers reading, on a fresh server in the same run. Growth = peak RSS − RSS after a full GC before the peers came. A normal client in the same room (for echo: on the same endpoint) counts the messages it missed.</p>`,
    );
    s.push(
      barChart(
        `Server RSS growth, ${sr.config.peers} peers`,
        'MiB',
        sr.cases.flatMap((c) => [
          { label: `${c.caseId}, never reading`, value: spread([c.slow.growth / MiB]), color: c.met ? '#27ae60' : '#c0392b' },
          { label: `${c.caseId}, reading`, value: spread([c.reading.growth / MiB]), color: '#7f8c8d' },
        ]),
        { refLine: sr.limitBytes / MiB, refLabel: `${fmt(sr.limitBytes / MiB)} MiB target`, digits: 1 },
      ),
    );
    const rows = sr.cases.flatMap((c) =>
      slowReadersRows(c).map((row, i) => {
        const run = i === 0 ? c.slow : c.reading;
        return [...row, fmt(run.serverCpuPct), run.peakFrom, String(run.serverPid)];
      }),
    );
    s.push(htmlTable([...slowReadersHead(sr), 'server CPU %', 'peak from', 'server PID'], rows));
  }
  if (r.cluster) s.push(clusterHtml(r.cluster, r.machine.cpus));
  if (r.compression) s.push(compressionHtml(r.compression));
  s.push(`<h2>Notes</h2><ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}<li>${esc(r.clock)}</li></ul>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Wirebench bench ${esc(r.startedAt)}</title><style>
body{font-family:system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:13px}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}
th{background:#f3f3f3}svg{display:block;margin:1em 0}code{background:#f3f3f3;padding:0 4px}
</style></head><body>${s.join('\n')}</body></html>`;
}
