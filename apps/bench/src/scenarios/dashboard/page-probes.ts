// Code that runs inside the page, kept as source text: page.evaluate() serialises functions with
// Function.prototype.toString, and the TypeScript loader may add helpers that do not exist in the page.

/** Counts requestAnimationFrame callbacks for `windowMs` and records long tasks and long animation frames meanwhile. */
export const FRAME_PROBE = `(windowMs) => new Promise((resolve) => {
  const supported = (PerformanceObserver.supportedEntryTypes || []);
  const observers = [];
  const watch = (type) => {
    if (!supported.includes(type)) return null;
    const into = [];
    const o = new PerformanceObserver((list) => { for (const e of list.getEntries()) into.push(e.duration); });
    o.observe({ type });
    observers.push([o, into]);
    return into;
  };
  const longTasks = watch('longtask') || [];
  const longFrames = watch('long-animation-frame');
  const intervals = [];
  let first = -1;
  let last = -1;
  const tick = (t) => {
    if (first < 0) first = t; else intervals.push(t - last);
    last = t;
    if (t - first < windowMs) { requestAnimationFrame(tick); return; }
    for (const [o, into] of observers) { for (const e of o.takeRecords()) into.push(e.duration); o.disconnect(); }
    resolve({ intervals, longTasks, longFrames });
  };
  requestAnimationFrame(tick);
})`;

/** The dashboard's lanes as the page's Workbench sees them. */
export const LANE_STATE = `(() => {
  const wb = window.wirebench;
  if (!wb) return null;
  return wb.lanes.getSnapshot().map((l) => ({
    transport: l.transport,
    status: l.client.getSnapshot().status,
    received: l.store.getSnapshot().seq.received,
  }));
})()`;

/** Adds the lanes the page does not have yet, as the "+ lane" buttons do. */
export const ADD_LANES = `(lanes) => {
  const wb = window.wirebench;
  for (const t of lanes) if (!wb.lane(t)) wb.addLane(t);
}`;

/** True once the page has (at least) `n` lanes, every lane's client is open and every lane card shows it. */
export const LANES_OPEN = `(n) => {
  const wb = window.wirebench;
  if (!wb) return false;
  const lanes = wb.lanes.getSnapshot();
  return lanes.length >= n && lanes.every((l) => l.client.getSnapshot().status === 'open'
    && document.querySelector('[data-testid="lane-' + l.transport + '-status"]')?.classList.contains('open'));
}`;

export interface LaneState {
  transport: string;
  status: string;
  received: number;
}
