// Gaps and duplicates of one lane's delivered seqs. The room numbers messages
// 1, 2, 3 … with no holes, so anything missing between the first seq a lane saw
// and the highest is a gap, and any seq seen twice is a duplicate — within one epoch.
// When the room starts again (a server restart: another epoch) its seqs start at 1 again:
// seq 1 of the new room is not a duplicate of seq 1 of the old, so the tracker starts over.

export interface SeqTrackerState {
  first: number | null;
  highest: number;
  received: number;
  duplicates: number;
  /** Seqs currently missing between `first` and `highest`. */
  gaps: number;
  outOfOrder: number;
  /** The room's epoch these seqs count in (null from a server without epochs). */
  epoch: string | null;
  /** Times the room started again (another epoch) since this lane began: the counts above are the current room's. */
  roomRestarts: number;
}

const EMPTY = { first: null, highest: 0, received: 0, duplicates: 0, gaps: 0, outOfOrder: 0 } as const;

export class SeqTracker {
  private seen = new Set<number>();
  private state: SeqTrackerState = { ...EMPTY, epoch: null, roomRestarts: 0 };

  /**
   * Returns false when the seq was a duplicate. `epoch`: the room's epoch the seq counts in;
   * another epoch than the last one starts the counts over.
   */
  add(seq: number, epoch: string | null = this.state.epoch): boolean {
    if (epoch !== this.state.epoch) {
      const restarted = this.state.epoch !== null && epoch !== null;
      this.seen.clear();
      this.state = { ...EMPTY, epoch, roomRestarts: this.state.roomRestarts + (restarted ? 1 : 0) };
    }
    const s = this.state;
    if (this.seen.has(seq)) {
      this.state = { ...s, duplicates: s.duplicates + 1 };
      return false;
    }
    this.seen.add(seq);
    if (s.first === null) {
      this.state = { ...s, first: seq, highest: seq, received: 1 };
      return true;
    }
    const received = s.received + 1;
    let { first, highest, gaps, outOfOrder } = s;
    if (seq > highest) {
      gaps += seq - highest - 1;
      highest = seq;
    } else if (seq < first) {
      // An older message: everything between it and the old first is now missing.
      outOfOrder += 1;
      gaps += first - seq - 1;
      first = seq;
    } else {
      // Fills a hole.
      outOfOrder += 1;
      gaps -= 1;
    }
    this.state = { ...s, first, highest, received, gaps, outOfOrder };
    return true;
  }

  get snapshot(): SeqTrackerState {
    return this.state;
  }
}
