import { describe, expect, it } from 'vitest';
import { selfTimes, summarizeProfile, summarizeTrace, traceSelfTimes, type CpuProfile } from '../src/scenarios/dashboard/profile.ts';

const frame = (functionName: string, url = '', lineNumber = -1) => ({ functionName, url, lineNumber, columnNumber: -1 });

describe('a CPU profile folded into self time', () => {
  // root → (program) | idle | draw (app.js:10) → layoutText (app.js:40); two nodes of one function.
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 6] },
      { id: 2, callFrame: frame('(program)') },
      { id: 3, callFrame: frame('(idle)') },
      { id: 4, callFrame: frame('draw', 'http://127.0.0.1:1/assets/app.js', 9), children: [5] },
      { id: 5, callFrame: frame('layoutText', 'http://127.0.0.1:1/assets/app.js', 39) },
      { id: 6, callFrame: frame('draw', 'http://127.0.0.1:1/assets/app.js', 9) },
    ],
    startTime: 0,
    endTime: 10_000,
    // Each delta (µs) is charged to the sample it precedes.
    samples: [2, 4, 5, 6, 3, 5],
    timeDeltas: [1_000, 2_000, 500, 1_500, 4_000, 1_000],
  };

  it('charges every sample to its own function, one entry per function and place', () => {
    const all = selfTimes(profile);
    expect(all.map((e) => [e.name, e.where, e.selfMs])).toEqual([
      ['(idle)', '', 4],
      ['draw', 'app.js:10:0', 3.5],
      ['layoutText', 'app.js:40:0', 1.5],
      ['(program)', '', 1],
    ]);
  });

  it('prints the busy time and the top functions without idle', () => {
    const lines = summarizeProfile(profile, 2);
    expect(lines[0]).toBe('10 ms profiled, 6 ms busy (self time per function, ms):');
    expect(lines.slice(1).map((l) => l.trim())).toEqual(['3.5  draw app.js:10:0', '1.5  layoutText app.js:40:0']);
  });
});

describe('a trace folded into self time per thread', () => {
  const x = (name: string, tid: number, ts: number, dur: number) => ({ ph: 'X', name, pid: 1, tid, ts, dur });
  // Main thread: RunTask 0–10 ms holding Layout 1–4 (holding UpdateLayoutTree 1–2) and Paint 5–7; a second RunTask 20–21.
  const events = [
    { ph: 'M', name: 'thread_name', pid: 1, tid: 1, ts: 0, args: { name: 'CrRendererMain' } },
    { ph: 'M', name: 'thread_name', pid: 1, tid: 2, ts: 0, args: { name: 'Compositor' } },
    x('Paint', 1, 5_000, 2_000),
    x('RunTask', 1, 0, 10_000),
    x('Layout', 1, 1_000, 3_000),
    x('UpdateLayoutTree', 1, 1_000, 1_000),
    x('RunTask', 1, 20_000, 1_000),
    x('RunTask', 2, 0, 500),
    { ph: 'I', name: 'Mark', pid: 1, tid: 1, ts: 3_000 },
  ];

  it('charges each event its time minus what it holds; busy time is the top-level events', () => {
    const [main, compositor] = traceSelfTimes(events);
    expect(main!.thread).toBe('CrRendererMain (1)');
    expect(main!.busyMs).toBe(11);
    expect(main!.events).toEqual([
      { name: 'RunTask', selfMs: 6 },
      { name: 'Layout', selfMs: 2 },
      { name: 'Paint', selfMs: 2 },
      { name: 'UpdateLayoutTree', selfMs: 1 },
    ]);
    expect(compositor).toEqual({ thread: 'Compositor (1)', busyMs: 0.5, events: [{ name: 'RunTask', selfMs: 0.5 }] });
  });

  it('prints the busiest threads with their top events', () => {
    expect(summarizeTrace(events, 1, 2).map((l) => l.trim())).toEqual(['CrRendererMain (1): 11 ms busy; self time per event, ms:', '6.0  RunTask', '2.0  Layout']);
  });
});
