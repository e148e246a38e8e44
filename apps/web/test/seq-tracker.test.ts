import { describe, expect, it } from 'vitest';
import { SeqTracker } from '../src/model/seq-tracker.ts';

describe('SeqTracker', () => {
  it('in-order seqs: no gaps, no duplicates', () => {
    const t = new SeqTracker();
    for (const s of [5, 6, 7, 8]) expect(t.add(s)).toBe(true);
    expect(t.snapshot).toMatchObject({ first: 5, highest: 8, received: 4, gaps: 0, duplicates: 0 });
  });

  it('counts a hole, and closes it when the missing seq arrives', () => {
    const t = new SeqTracker();
    t.add(1);
    t.add(4);
    expect(t.snapshot.gaps).toBe(2);
    t.add(2);
    expect(t.snapshot.gaps).toBe(1);
    t.add(3);
    expect(t.snapshot).toMatchObject({ gaps: 0, outOfOrder: 2, received: 4 });
  });

  it('counts duplicates without changing gaps', () => {
    const t = new SeqTracker();
    t.add(1);
    t.add(2);
    expect(t.add(2)).toBe(false);
    expect(t.snapshot).toMatchObject({ duplicates: 1, gaps: 0, received: 2 });
  });

  it('an older seq before the first opens the range downwards', () => {
    const t = new SeqTracker();
    t.add(10);
    t.add(7);
    expect(t.snapshot).toMatchObject({ first: 7, highest: 10, gaps: 2 });
  });

  it('snapshots are new objects on change (immutable)', () => {
    const t = new SeqTracker();
    const a = t.snapshot;
    t.add(1);
    expect(t.snapshot).not.toBe(a);
    expect(a.received).toBe(0);
  });

  it('starts over when the room starts again (another epoch): the new seq 1 is no duplicate', () => {
    const t = new SeqTracker();
    for (const s of [1, 2, 3]) t.add(s, 'e1');
    expect(t.add(2, 'e1')).toBe(false);
    expect(t.snapshot).toMatchObject({ duplicates: 1, epoch: 'e1', roomRestarts: 0 });
    expect(t.add(1, 'e2')).toBe(true);
    expect(t.add(2, 'e2')).toBe(true);
    expect(t.snapshot).toMatchObject({ first: 1, highest: 2, received: 2, duplicates: 0, gaps: 0, epoch: 'e2', roomRestarts: 1 });
    // Without an epoch (a server from before epochs) the tracker keeps counting as one room.
    const old = new SeqTracker();
    old.add(1);
    expect(old.add(1)).toBe(false);
  });
});
