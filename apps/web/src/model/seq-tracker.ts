// Gaps and duplicates of one lane's delivered seqs. The room numbers messages
// 1, 2, 3 … with no holes, so anything missing between the first seq a lane saw
// and the highest is a gap, and any seq seen twice is a duplicate.

export interface SeqTrackerState {
  first: number | null;
  highest: number;
  received: number;
  duplicates: number;
  /** Seqs currently missing between `first` and `highest`. */
  gaps: number;
  outOfOrder: number;
}

export class SeqTracker {
  private seen = new Set<number>();
  private state: SeqTrackerState = { first: null, highest: 0, received: 0, duplicates: 0, gaps: 0, outOfOrder: 0 };

  /** Returns false when the seq was a duplicate. */
  add(seq: number): boolean {
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
    this.state = { first, highest, received, duplicates: s.duplicates, gaps, outOfOrder };
    return true;
  }

  get snapshot(): SeqTrackerState {
    return this.state;
  }
}
