// Section 9 of the report, compression (issue #15): tables for the text report and the HTML.
import type { CompressionReport } from '../scenarios/compression.ts';
import type { TextTable } from './cluster.ts';
import { fmtSpread } from './format.ts';
import { COLORS, barChart, esc, htmlTable } from './svg.ts';

const offer = (mode: string): string => (mode === 'deflate' ? 'permessage-deflate' : 'plain');

export function compressionTables(c: CompressionReport): TextTable[] {
  const b = c.config.broadcast;
  return [
    {
      title: `9. Compression, echo: ${c.config.echo.clients} clients, one chat-like JSON text in flight each (/ws/raw/echo, /ws/lib/echo; the client offers permessage-deflate like a browser, or nothing)`,
      head: ['stack', 'mode', 'size', 'msg/s', 'p50 ms', 'B/msg from server', 'B/msg to server', 'server µs/msg', 'client µs/msg', 'errors'],
      rows: c.echo.map((x) => [
        x.stack,
        offer(x.mode),
        `${x.size} B`,
        fmtSpread(x.msgsPerSec),
        fmtSpread(x.p50Ms, 3),
        fmtSpread(x.bytesFromServer, 1),
        fmtSpread(x.bytesToServer, 1),
        fmtSpread(x.serverCpuUs, 1),
        fmtSpread(x.clientCpuUs, 1),
        String(x.errors),
      ]),
    },
    {
      title: `Compression, broadcast: ${b.receivers} receivers on /ws/raw?compress=1 and /ws/lib?compress=1 (plain: no ?compress, no offer), a burst of ${b.burst} messages of ${b.size} characters`,
      head: ['stack', 'mode', 'deliveries/s', 'B/delivery', 'server µs/delivery', 'missing'],
      rows: c.broadcast.map((x) => [x.stack, offer(x.mode), fmtSpread(x.deliveriesPerSec), fmtSpread(x.bytesPerDelivery, 1), fmtSpread(x.serverCpuUs, 1), String(x.missing)]),
    },
    {
      title: `Compression, idle: ${c.config.idle.connections} connections to the echo endpoint, each after one ${c.config.idle.size} B message (server memory growth after a full GC)`,
      head: ['stack', 'mode', 'RSS B/connection', 'heap+external B/connection'],
      rows: c.idle.map((x) => [x.stack, offer(x.mode), fmtSpread(x.rssPerConnection), fmtSpread(x.heapExternalPerConnection)]),
    },
    {
      title: `Compression ratios (paired per run)${c.declined ? `; ${c.declined} offers declined` : ''}`,
      head: ['figure', 'ratio'],
      rows: c.ratios.map((x) => [x.figure, fmtSpread(x.ratio, 2, '×')]),
    },
  ];
}

export function compressionHtml(c: CompressionReport): string {
  const s: string[] = [
    `<h2>9. Compression (permessage-deflate)</h2><p>The hand-rolled stack (ws-raw) and the <code>ws</code> library (ws-lib), each compressed and plain, in the same run. A compressed client is a <code>ws</code> client offering <code>permessage-deflate; client_max_window_bits</code> (as Chromium does) and compressing every message (threshold 0); a plain one offers nothing. Messages are chat-like JSON (words drawn from a fixed vocabulary, every message different). Bytes are the clients' TCP socket counts (frame headers and masks included); server CPU is read from /proc over the measured window.</p>`,
  ];
  const label = (stack: string, mode: string, extra = ''): string => `${stack} ${offer(mode)}${extra}`;
  for (const size of c.config.echo.sizes) {
    const cs = c.echo.filter((x) => x.size === size);
    s.push(barChart(`Echo ${size} B: bytes per message from the server`, 'B', cs.map((x) => ({ label: label(x.stack, x.mode), value: x.bytesFromServer, color: COLORS[x.stack] })), { digits: 1 }));
    s.push(barChart(`Echo ${size} B: server CPU per message`, 'µs', cs.map((x) => ({ label: label(x.stack, x.mode), value: x.serverCpuUs, color: COLORS[x.stack] })), { digits: 1 }));
  }
  s.push(barChart('Idle: server RSS per connection', 'B', c.idle.map((x) => ({ label: label(x.stack, x.mode), value: x.rssPerConnection, color: COLORS[x.stack] }))));
  for (const t of compressionTables(c)) s.push(`<h3>${esc(t.title)}</h3>`, htmlTable(t.head, t.rows));
  s.push(`<p>Idle server PIDs: ${esc(c.idle.map((x) => `${x.stack} ${x.mode}: ${x.serverPids.join(', ')}`).join('; '))}.</p>`);
  return s.join('\n');
}
