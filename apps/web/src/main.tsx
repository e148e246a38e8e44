import { createClient } from '@wirebench/transports/client';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import { StudentApp, TeacherApp } from './app.tsx';
import { ClassRoster } from './model/class-roster.ts';
import { pageNow } from './model/clock.ts';
import { loadSettings, rememberSettings, type SavedSettings } from './model/settings.ts';
import { loadOwnIds, saveOwnIds, takeTeacherKey, TeacherSession } from './model/teacher.ts';
import { COMPRESSIBLE, DEFAULT_LANES, Workbench } from './model/workbench.ts';
import { chartChoice } from './ui/chart-choice.ts';
import { projector, setProjector } from './ui/projector.ts';
import { setTheme, themeChoice } from './ui/theme.ts';
import './ui/styles.css';
import './i18n/index.ts';

// Before anything renders: the key leaves the address bar (#teacher=… becomes #/lanes).
const key = takeTeacherKey();
const saved = loadSettings();
setTheme(saved.theme);
const root = createRoot(document.getElementById('root')!);

if (key === null) {
  root.render(
    <StrictMode>
      <StudentApp />
    </StrictMode>,
  );
} else {
  const fetchImpl: typeof fetch = (input, init) => fetch(input, init);
  const session = new TeacherSession(key, location.origin, fetchImpl);
  // The model lives outside React: created once, before the first render.
  const workbench = new Workbench({
    // The lanes' joins carry the key: this page's identities are the teacher's.
    factory: (transport, options) => createClient(transport, { ...options, fetch: session.joinFetch }),
    fetch: fetchImpl,
    baseUrl: location.origin,
    now: pageNow,
    teacherFetch: session.fetch,
    teacherJoin: (name) => session.join(name),
  });
  workbench.ownIds.set(new Set(loadOwnIds()));
  workbench.ownIds.subscribe(() => saveOwnIds(workbench.ownIds.getSnapshot()));
  const roster = new ClassRoster({ fetch: session.fetch, baseUrl: location.origin, now: () => Date.now() });
  // Last time's settings, before the first lane opens with them.
  setProjector(saved.projector);
  chartChoice.set(saved.chart);
  if (saved.name) workbench.setName(saved.name);
  workbench.setPollInterval(saved.pollIntervalMs);
  workbench.setLongPollTimeout(saved.longPollTimeoutMs);
  for (const t of COMPRESSIBLE) workbench.setCompression(t, saved.compress[t]);
  workbench.setAutoSend(saved.autoSendIntervalMs, saved.autoSendTarget);
  workbench.start(saved.lanes);
  const current = (): SavedSettings => {
    const s = workbench.settings.getSnapshot();
    const lanes = workbench.lanes.getSnapshot().map((l) => l.transport);
    return {
      name: s.name,
      lanes: lanes.length > 0 ? lanes : DEFAULT_LANES,
      pollIntervalMs: s.pollIntervalMs,
      longPollTimeoutMs: s.longPollTimeoutMs,
      compress: s.compress,
      autoSendIntervalMs: s.autoSend.intervalMs,
      autoSendTarget: s.autoSend.target,
      chart: chartChoice.getSnapshot(),
      projector: projector.getSnapshot(),
      theme: themeChoice.getSnapshot(),
    };
  };
  const forget = rememberSettings(current, [workbench.settings.subscribe, workbench.lanes.subscribe, chartChoice.subscribe, projector.subscribe, themeChoice.subscribe]);
  // The roster's first GET /api/clients is the key's first test.
  roster.start();
  (window as unknown as { wirebench: Workbench }).wirebench = workbench;
  session.standing.subscribe(() => {
    if (session.standing.getSnapshot() !== 'rejected') return;
    forget();
    roster.stop();
    workbench.stop();
  });
  addEventListener('pagehide', () => {
    // Stopping empties the lanes: that is not the teacher's choice, so it is not remembered.
    forget();
    roster.stop();
    workbench.stop();
  });
  // Back from the back/forward cache with stopped clients: start over.
  addEventListener('pageshow', (e) => {
    if (e.persisted) location.reload();
  });

  root.render(
    <StrictMode>
      <TeacherApp workbench={workbench} teacher={{ session, roster }} />
    </StrictMode>,
  );
}
