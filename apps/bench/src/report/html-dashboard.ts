// The dashboard section of the HTML report: initial JS, frame rate and Chromium CPU.
import { spread } from '../stats.ts';
import { CPU_TARGET_PCT, FPS_TARGET, REFERENCE_FPS } from '../scenarios/dashboard/frames.ts';
import { dashboardWindows, fmt, fmtSpread, mainThreadCell, spreadOf } from './format.ts';
import { barChart, esc, htmlTable } from './svg.ts';
import type { DashboardReport } from './types.ts';

export function dashboardHtml(d: DashboardReport): string {
  const s: string[] = [];
  const b = d.bundle;
  s.push(
    `<h2>6. Dashboard</h2><h3>Initial JS</h3><p>What the browser loads before any user action: the module script and modulepreloads of <code>${esc(b.distDir)}/index.html</code> and every chunk they reach through static imports (dynamic <code>import()</code> chunks such as the Docs view, markdown and mermaid load later and are not counted). Each file gzipped at level 9 with node:zlib; KB = 1000 bytes. Built ${esc(b.builtAt)}.</p>`,
  );
  s.push(
    barChart(
      'Gzipped JavaScript',
      'KB',
      [
        { label: 'initial JS', value: spread([b.initial.gzipBytes / 1000]), color: b.met ? '#27ae60' : '#c0392b' },
        { label: 'all JS chunks (lazy included)', value: spread([b.allJs.gzipBytes / 1000]), color: '#7f8c8d' },
      ],
      { refLine: b.budgetBytes / 1000, refLabel: `${fmt(b.budgetBytes / 1000)} KB budget`, digits: 1 },
    ),
  );
  s.push(
    htmlTable(
      ['file', 'bytes', 'gzip bytes', 'why it loads'],
      [
        ...b.initial.files.map((f) => [f.path, fmt(f.bytes), fmt(f.gzipBytes), f.reason]),
        ['initial JS total', fmt(b.initial.bytes), fmt(b.initial.gzipBytes), b.met ? 'within budget' : 'over budget'],
        ...b.initialCss.files.map((f) => [f.path, fmt(f.bytes), fmt(f.gzipBytes), 'stylesheet (not JS, not counted)']),
        [`all ${b.allJs.files} JS files`, fmt(b.allJs.bytes), fmt(b.allJs.gzipBytes), 'for information'],
      ],
    ),
  );
  const f = d.frames;
  if (!f) {
    s.push('<p>Frame rate: not measured (the browser half failed; see the scenario errors).</p>');
    return s.join('\n');
  }
  const c = f.class;
  s.push(
    `<h3>Frame rate and Chromium CPU</h3><p>${esc(f.browser)}, headless with <code>--disable-gpu</code> (software painting), viewport ${f.viewport.width}×${f.viewport.height}. The dashboard at <code>/</code> of the production server with its lanes (${esc(f.lanes.join(', '))}) open; a joined client in a separate load process POSTs ${f.messagesPerSecond} messages per second to the room, so every lane receives them. requestAnimationFrame callbacks are counted inside the page over ${fmt(f.windowMs / 1000)} s after ${fmt(f.warmupMs / 1000)} s of traffic; the renderer's main thread from CDP <code>Performance.getMetrics</code>; Chromium CPU is every browser process from /proc, % of one core.${c ? ` The class variant follows on the same page: ${c.students} students in another load process, on the five transports in turn, each sending one message every ${fmt(c.everyMs / 1000)} s.` : ''} Reference: ${esc(f.referencePage)}. Targets: ≥ ${FPS_TARGET} fps against a ${REFERENCE_FPS} fps reference (the ratio ≥ ${fmt(FPS_TARGET / REFERENCE_FPS, 3)}), Chromium ≤ ${CPU_TARGET_PCT} % of a core. ${f.environmentCapped ? `<b>The reference itself stays below ${FPS_TARGET} fps: this environment caps the rate, read the ratio.</b>` : ''}</p>`,
  );
  const windows = dashboardWindows(f);
  const colors = ['#7f8c8d', '#2e86de', f.met ? '#27ae60' : '#c0392b', c?.met ? '#27ae60' : '#c0392b'];
  s.push(
    barChart(
      'Frames per second',
      'fps',
      windows.map(([label, pick], i) => ({ label, value: spreadOf(f, (x) => pick(x)?.fps ?? NaN), color: colors[i]! })),
      { refLine: FPS_TARGET, refLabel: `${FPS_TARGET} fps target`, digits: 1 },
    ),
  );
  s.push(
    barChart(
      'Chromium CPU, % of one core',
      '%',
      windows.map(([label, pick], i) => ({
        label,
        value: spreadOf(f, (x) => pick(x)?.cpu.browserPct ?? NaN),
        color: i === 2 ? (f.cpuMet ? '#27ae60' : '#c0392b') : colors[i]!,
      })),
      { refLine: CPU_TARGET_PCT, refLabel: `${CPU_TARGET_PCT} % target`, digits: 0 },
    ),
  );
  s.push(
    htmlTable(
      ['window', 'fps', 'fps / reference', 'Chromium % of a core', 'Chromium / reference', 'main thread ms per s (script, layout, style); layouts per s', 'p95 frame ms', 'long tasks'],
      windows.map(([label, pick]) => {
        const fps = spreadOf(f, (x) => pick(x)?.fps ?? NaN);
        const cpu = spreadOf(f, (x) => pick(x)?.cpu.browserPct ?? NaN);
        return [
          label,
          fmtSpread(fps, 1),
          fmtSpread(spreadOf(f, (x) => (pick(x)?.fps ?? NaN) / x.reference.fps), 3, '×'),
          fmtSpread(cpu),
          fmtSpread(spreadOf(f, (x) => (pick(x)?.cpu.browserPct ?? NaN) / x.reference.cpu.browserPct), 2, '×'),
          mainThreadCell(f, pick),
          fmtSpread(spreadOf(f, (x) => pick(x)?.p95FrameMs ?? NaN), 1),
          fmtSpread(spreadOf(f, (x) => pick(x)?.longTasks ?? NaN)),
        ];
      }),
    ),
  );
  s.push(
    htmlTable(
      ['run', 'about:blank fps', 'idle dashboard fps', 'loaded fps', 'loaded / reference', 'class fps', 'class / reference', 'p95 frame ms', 'max frame ms', 'long tasks (ms)', 'long animation frames', 'received per lane /s', 'machine CPU % (all cores, every process)', 'Chromium CPU % of a core', 'server / load CPU % of a core', 'rest of the machine % of a core', 'students (sent, errors)', 'page errors'],
      f.runs.map((x, i) => [
        String(i + 1),
        fmt(x.reference.fps, 1),
        fmt(x.idle.fps, 1),
        fmt(x.loaded.fps, 1),
        fmt(x.loaded.fps / x.reference.fps, 3),
        x.class ? fmt(x.class.window.fps, 1) : '—',
        x.class ? fmt(x.class.window.fps / x.reference.fps, 3) : '—',
        fmt(x.loaded.p95FrameMs, 1),
        fmt(x.loaded.maxFrameMs, 1),
        `${x.loaded.longTasks} (${fmt(x.loaded.longTaskMs)})`,
        x.loaded.longAnimationFrames === null ? 'n/a' : String(x.loaded.longAnimationFrames),
        Object.entries(x.lanesPerSecond).map(([t, v]) => `${t} ${fmt(v, 1)}`).join(', '),
        `${fmt(x.loaded.cpu.machinePct)} (idle dashboard ${fmt(x.idle.cpu.machinePct)}, about:blank ${fmt(x.reference.cpu.machinePct)}${x.class ? `, class ${fmt(x.class.window.cpu.machinePct)}` : ''})`,
        `${fmt(x.loaded.cpu.browserPct)} (idle dashboard ${fmt(x.idle.cpu.browserPct)}, about:blank ${fmt(x.reference.cpu.browserPct)}${x.class ? `, class ${fmt(x.class.window.cpu.browserPct)}` : ''})`,
        `${fmt(x.loaded.cpu.serverPct)} / ${fmt(x.loaded.cpu.senderPct)}${x.class ? ` (class ${fmt(x.class.window.cpu.serverPct)} / ${fmt(x.class.window.cpu.senderPct)})` : ''}`,
        `${fmt(x.loaded.cpu.otherPct)} (idle dashboard ${fmt(x.idle.cpu.otherPct)}, about:blank ${fmt(x.reference.cpu.otherPct)})`,
        x.class ? `${x.class.studentsOpened} (${x.class.sent}, ${x.class.sendErrors})` : '—',
        x.pageErrors.length ? x.pageErrors.slice(0, 3).join(' | ') : 'none',
      ]),
    ),
  );
  return s.join('\n');
}
