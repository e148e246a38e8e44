import { describe, expect, it } from 'vitest';
import { selfTimes, summarizeProfile, type CpuProfile } from '../src/scenarios/dashboard/profile.ts';

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
