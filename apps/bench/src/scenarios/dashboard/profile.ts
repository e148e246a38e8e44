// Where the page's main thread spent a window: a V8 CPU profile (CDP Profiler.stop) folded
// into self time per function. Style, layout and paint run outside JavaScript and show up
// as "(program)"; Performance.getMetrics beside it splits those.

/** The parts of a CDP Profiler.Profile read here. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; children?: number[] }>;
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileEntry {
  name: string;
  where: string;
  selfMs: number;
}

/** Self time per function (name + script:line), largest first. */
export function selfTimes(p: CpuProfile): ProfileEntry[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  // Each delta is the time before its sample; it is charged to the sample that follows it.
  for (let i = 0; i < samples.length; i++) self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + (deltas[i] ?? 0) / 1000);
  const out = new Map<string, ProfileEntry>();
  for (const [id, ms] of self) {
    const f = byId.get(id)!.callFrame;
    const file = f.url ? f.url.slice(f.url.lastIndexOf('/') + 1) : '';
    const where = file ? `${file}:${f.lineNumber + 1}:${f.columnNumber + 1}` : '';
    const name = f.functionName || (file ? '(anonymous)' : '(native)');
    const key = `${name} ${where}`;
    const e = out.get(key) ?? { name, where, selfMs: 0 };
    e.selfMs += ms;
    out.set(key, e);
  }
  return [...out.values()].sort((a, b) => b.selfMs - a.selfMs);
}

/** The `top` functions by self time, as lines, after the profile's length and its idle share. */
export function summarizeProfile(p: CpuProfile, top: number): string[] {
  const all = selfTimes(p);
  const totalMs = (p.endTime - p.startTime) / 1000;
  const idle = all.find((e) => e.name === '(idle)')?.selfMs ?? 0;
  const lines = [`${totalMs.toFixed(0)} ms profiled, ${(totalMs - idle).toFixed(0)} ms busy (self time per function, ms):`];
  for (const e of all.filter((x) => x.name !== '(idle)').slice(0, top)) lines.push(`${e.selfMs.toFixed(1).padStart(8)}  ${e.name} ${e.where}`);
  return lines;
}

/** The parts of a Chrome trace event read here ('X': complete, with a duration; 'M': thread names). */
export interface TraceEvent {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string };
}

export interface ThreadTime {
  thread: string;
  busyMs: number;
  /** Self time per event name, ms, largest first. */
  events: Array<{ name: string; selfMs: number }>;
}

/**
 * Self time per event name on each thread of a trace (an event's time minus the events nested
 * in it), threads by busy time (their top-level events) first. Style, layout, paint and raster
 * show under their own names here, which a V8 profile folds into "(program)".
 */
export function traceSelfTimes(events: readonly TraceEvent[]): ThreadTime[] {
  const names = new Map<string, string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') names.set(`${e.pid}:${e.tid}`, `${e.args?.name ?? '?'} (${e.pid})`);
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined) continue;
    const key = `${e.pid}:${e.tid}`;
    byThread.set(key, [...(byThread.get(key) ?? []), e]);
  }
  const out: ThreadTime[] = [];
  for (const [key, list] of byThread) {
    // Parents before their children: by start, the longer first.
    list.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const self = new Map<string, number>();
    const open: TraceEvent[] = [];
    let busy = 0;
    for (const e of list) {
      while (open.length > 0 && open.at(-1)!.ts + open.at(-1)!.dur! <= e.ts) open.pop();
      const parent = open.at(-1);
      if (parent) self.set(parent.name, (self.get(parent.name) ?? 0) - e.dur!);
      else busy += e.dur!;
      self.set(e.name, (self.get(e.name) ?? 0) + e.dur!);
      open.push(e);
    }
    const evs = [...self].map(([name, us]) => ({ name, selfMs: us / 1000 })).sort((a, b) => b.selfMs - a.selfMs);
    out.push({ thread: names.get(key) ?? key, busyMs: busy / 1000, events: evs });
  }
  return out.sort((a, b) => b.busyMs - a.busyMs);
}

/** The busiest `threads` threads of a trace, each with its `top` events by self time, as lines. */
export function summarizeTrace(events: readonly TraceEvent[], threads: number, top: number): string[] {
  const lines: string[] = [];
  for (const t of traceSelfTimes(events).slice(0, threads)) {
    lines.push(`${t.thread}: ${t.busyMs.toFixed(0)} ms busy; self time per event, ms:`);
    for (const e of t.events.slice(0, top)) lines.push(`${e.selfMs.toFixed(1).padStart(8)}  ${e.name}`);
  }
  return lines;
}
