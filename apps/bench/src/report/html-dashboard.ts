// The dashboard section of the HTML report: initial JS and frame rate.
import { spread } from '../stats.ts';
import { FPS_TARGET } from '../scenarios/dashboard/frames.ts';
import { fmt } from './format.ts';
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
  s.push(
    `<h3>Frame rate</h3><p>${esc(f.browser)}, headless with <code>--disable-gpu</code> (software painting), viewport ${f.viewport.width}×${f.viewport.height}. The dashboard at <code>/</code> of the production server with its default lanes (${esc(f.lanes.join(', '))}) open; a joined client in a separate load process POSTs ${f.messagesPerSecond} messages per second to the room, so every lane receives them. requestAnimationFrame callbacks are counted inside the page over ${fmt(f.windowMs / 1000)} s after ${fmt(f.warmupMs / 1000)} s of traffic. Reference: ${esc(f.referencePage)}. ${f.environmentCapped ? `<b>The reference itself stays below ${FPS_TARGET} fps: this environment caps the rate, read the ratio.</b>` : ''}</p>`,
  );
  s.push(
    barChart(
      'Frames per second',
      'fps',
      [
        { label: 'about:blank (reference)', value: f.referenceFps, color: '#7f8c8d' },
        { label: 'dashboard, no traffic', value: f.idleFps, color: '#2e86de' },
        { label: `dashboard, ${f.messagesPerSecond} msg/s`, value: f.loadedFps, color: f.met ? '#27ae60' : '#c0392b' },
      ],
      { refLine: FPS_TARGET, refLabel: `${FPS_TARGET} fps target`, digits: 1 },
    ),
  );
  s.push(
    htmlTable(
      ['run', 'about:blank fps', 'idle dashboard fps', 'loaded fps', 'loaded / reference', 'p95 frame ms', 'max frame ms', 'long tasks (ms)', 'long animation frames', 'received per lane /s', 'machine CPU % (all cores, every process)', 'Chromium CPU % of a core', 'server / sender CPU % of a core', 'rest of the machine % of a core', 'page errors'],
      f.runs.map((x, i) => [
        String(i + 1),
        fmt(x.reference.fps, 1),
        fmt(x.idle.fps, 1),
        fmt(x.loaded.fps, 1),
        fmt(x.loaded.fps / x.reference.fps, 2),
        fmt(x.loaded.p95FrameMs, 1),
        fmt(x.loaded.maxFrameMs, 1),
        `${x.loaded.longTasks} (${fmt(x.loaded.longTaskMs)})`,
        x.loaded.longAnimationFrames === null ? 'n/a' : String(x.loaded.longAnimationFrames),
        Object.entries(x.lanesPerSecond).map(([t, v]) => `${t} ${fmt(v, 1)}`).join(', '),
        `${fmt(x.loaded.cpu.machinePct)} (idle dashboard ${fmt(x.idle.cpu.machinePct)}, about:blank ${fmt(x.reference.cpu.machinePct)})`,
        `${fmt(x.loaded.cpu.browserPct)} (idle dashboard ${fmt(x.idle.cpu.browserPct)}, about:blank ${fmt(x.reference.cpu.browserPct)})`,
        `${fmt(x.loaded.cpu.serverPct)} / ${fmt(x.loaded.cpu.senderPct)}`,
        `${fmt(x.loaded.cpu.otherPct)} (idle dashboard ${fmt(x.idle.cpu.otherPct)}, about:blank ${fmt(x.reference.cpu.otherPct)})`,
        x.pageErrors.length ? x.pageErrors.slice(0, 3).join(' | ') : 'none',
      ]),
    ),
  );
  return s.join('\n');
}
