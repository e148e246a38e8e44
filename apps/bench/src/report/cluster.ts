// Section 8 of the report, several processes (issue #14): tables for the text report and the
// HTML, and the sentences that say what limits each set-up, from the run's own CPU and Redis counts.
import { spread } from '../stats.ts';
import { cpuVerdict, type ClusterCase, type ClusterReport } from '../scenarios/cluster.ts';
import { fmt, fmtSpread } from './format.ts';
import { barChart, esc, htmlTable } from './svg.ts';

export interface TextTable {
  title: string;
  head: string[];
  rows: string[][];
}

export const clusterTitle = (c: ClusterReport): string =>
  `8. Past one server: ${c.config.receivers} ws-raw receivers, 1 ws-raw sender; latency over ${c.config.latencyMessages} messages ${c.config.spacingMs} ms apart, throughput over a burst of ${c.config.burst} (${c.config.window} in flight); ratios to the memory room, paired per run`;

/** The busiest run's CPU of a case, as words. */
function limitOf(x: ClusterCase, cores: number): string {
  if (x.cpu.length === 0) return '';
  const busiest = x.cpu.reduce((a, b) => (b.total > a.total ? b : a));
  return cpuVerdict(busiest, cores);
}

export function clusterTables(c: ClusterReport, cores: number): TextTable[] {
  if (c.skipped) return [{ title: '8. Past one server: skipped', head: ['reason'], rows: [[c.skipped]] }];
  return [
    {
      title: clusterTitle(c),
      head: ['set-up', 'deliveries/s', '× memory', 'median ms', '× memory', 'last ms', '× memory', 'Redis per msg: scripts, µs, commands', 'missing', 'CPU over the burst (busiest run)'],
      rows: c.cases.map((x) => [
        x.label,
        fmtSpread(x.deliveriesPerSec),
        fmtSpread(x.throughputVsMemory, 2, '×'),
        fmtSpread(x.medianMs, 2),
        fmtSpread(x.medianVsMemory, 2, '×'),
        fmtSpread(x.lastMs, 2),
        fmtSpread(x.lastVsMemory, 2, '×'),
        x.redis ? `${fmtSpread(x.redis.scripts, 1)}, ${fmtSpread(x.redis.scriptUs)} µs, ${fmtSpread(x.redis.commands, 1)}` : '—',
        String(x.missing),
        limitOf(x, cores),
      ]),
    },
  ];
}

/** What each set-up adds on the way of a message, and where this run's CPU went. */
export function clusterLimits(c: ClusterReport, cores: number): string[] {
  if (c.skipped) return [];
  const find = (id: ClusterCase['id']): ClusterCase | undefined => c.cases.find((x) => x.id === id);
  const one = find('redis-1');
  const rr = find('redis-1-rr');
  const many = find('redis-3-rr');
  const out = [
    `Redis room: each send is one script run in Redis (mint seq, XADD to the stream, record the idempotency key, PUBLISH) — one round trip before the ack — plus the sender's TOUCH script beside it (not awaited), and each process's subscriber receives the announcement before its fan-out writes to its sockets; Redis appends to its AOF and fsyncs before answering (${c.redis?.persistence ?? ''}, as pnpm start:cluster runs it).` +
      (one?.redis
        ? ` Measured per message with 1 process: ${fmt(one.redis.scripts.median, 1)} script runs (round trips), ${fmt(one.redis.scriptUs.median)} µs of Redis time in them, ${fmt(one.redis.commands.median, 1)} commands counting those the scripts ran` +
          (many?.redis ? `; with ${many.processes}: ${fmt(many.redis.scripts.median, 1)} script runs, ${fmt(many.redis.scriptUs.median)} µs` : '') +
          ' (periodic checks of the head that fell within the burst included).'
        : ''),
  ];
  if (one && rr) {
    out.push(
      `The round-robin's hop: every byte to and from every client crosses one more process (two more socket writes and reads per frame); 1 process behind it delivered ${fmt(spread(rr.deliveriesPerSec.runs.map((v, i) => v / one.deliveriesPerSec.runs[i]!)).median, 2)}× the deliveries per second of the same process reached directly.`,
    );
  }
  if (many) {
    out.push(
      `${many.processes} processes on ${cores} cores: they do not add cores, they share them with Redis, the round-robin and the load processes; each process receives the announcement on its own subscriber and runs its own fan-out, so that work is done ${many.processes} times per message. This run: ${limitOf(many, cores)}.`,
    );
  }
  return out;
}

export function clusterHtml(c: ClusterReport, cores: number): string {
  if (c.skipped) return `<h2>8. Past one server</h2><p><b>Skipped</b>: ${esc(c.skipped)}.</p>`;
  const s: string[] = [`<h2>8. Past one server</h2><p>${esc(clusterTitle(c))}. The memory room is the reference. Redis ${esc(c.redis?.version ?? '')}, started by the bench on a free port and stopped after.</p>`];
  s.push(barChart('Deliveries per second, × the memory room', '×', c.cases.map((x) => ({ label: x.label, value: x.throughputVsMemory, color: x.id === 'memory' ? '#7f8c8d' : '#2e86de' })), { refLine: 1, refLabel: 'memory room', digits: 2 }));
  s.push(barChart('Last receiver latency, × the memory room', '×', c.cases.map((x) => ({ label: x.label, value: x.lastVsMemory, color: x.id === 'memory' ? '#7f8c8d' : '#e67e22' })), { refLine: 1, refLabel: 'memory room', digits: 2 }));
  const [t] = clusterTables(c, cores);
  s.push(htmlTable([...t!.head, 'PIDs'], t!.rows.map((row, i) => {
    const p = c.cases[i]!.pids;
    return [...row, `servers ${p.servers.join(', ')}${p.redis ? `; redis ${p.redis}` : ''}${p.proxy ? `; round-robin ${p.proxy}` : ''}`];
  })));
  s.push(`<ul>${clusterLimits(c, cores).map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`);
  return s.join('\n');
}
