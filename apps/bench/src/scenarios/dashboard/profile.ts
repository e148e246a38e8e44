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
