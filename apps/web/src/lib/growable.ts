// Append-only numeric columns for charts: amortised O(1) push, and a view of
// exactly the filled part for uPlot's setData (no copy).

export class GrowableColumn {
  private buf: Float64Array;
  length = 0;

  constructor(capacity = 256) {
    this.buf = new Float64Array(capacity);
  }

  push(value: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = value;
  }

  get(i: number): number {
    return this.buf[i]!;
  }

  view(): Float64Array {
    return this.buf.subarray(0, this.length);
  }

  toArray(): number[] {
    return Array.from(this.view());
  }

  clear(): void {
    this.length = 0;
  }
}

/** A sparse column aligned to a shared x column: null where a lane has no value. */
export class NullableColumn {
  values: (number | null)[] = [];

  /** Sets index i, filling any new positions before it with null. */
  set(i: number, value: number | null): void {
    while (this.values.length < i) this.values.push(null);
    this.values[i] = value;
  }

  padTo(length: number): void {
    while (this.values.length < length) this.values.push(null);
  }

  clear(): void {
    this.values = [];
  }
}
