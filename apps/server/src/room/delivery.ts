// Per-client delivery controls for the dashboard: an added delay (to show a
// slow lane) and a server-side cut (to show reconnect and resume).

export class ClientControls {
  private readonly delays = new Map<string, number>();
  private readonly cutters = new Map<string, Set<() => void>>();

  setDelay(clientId: string, ms: number): void {
    if (ms > 0) this.delays.set(clientId, ms);
    else this.delays.delete(clientId);
  }

  delay(clientId: string | undefined): number {
    return clientId === undefined ? 0 : (this.delays.get(clientId) ?? 0);
  }

  /** Registers how to drop one connection or held request of a client. */
  onCut(clientId: string | undefined, drop: () => void): () => void {
    if (clientId === undefined) return () => {};
    let set = this.cutters.get(clientId);
    if (!set) this.cutters.set(clientId, (set = new Set()));
    set.add(drop);
    return () => {
      set.delete(drop);
      if (set.size === 0 && this.cutters.get(clientId) === set) this.cutters.delete(clientId);
    };
  }

  /** Drops everything the client has open; returns how many. */
  cut(clientId: string): number {
    const set = this.cutters.get(clientId);
    if (!set) return 0;
    this.cutters.delete(clientId);
    for (const drop of set) drop();
    return set.size;
  }
}

/**
 * Writes items in order, each no sooner than `delay()` ms after it was
 * pushed. With no delay and nothing queued, writes at once.
 */
export class Outbox<T> {
  private readonly queue: { due: number; item: T }[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly delay: () => number,
    private readonly write: (item: T) => void,
    private readonly now: () => number = Date.now,
  ) {}

  push(item: T): void {
    const ms = this.delay();
    if (ms <= 0 && this.queue.length === 0) return this.write(item);
    this.queue.push({ due: this.now() + ms, item });
    this.schedule();
  }

  /** Drops what is queued (the connection is gone). */
  clear(): void {
    this.queue.length = 0;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = this.now();
      while (this.queue.length > 0 && this.queue[0]!.due <= now) this.write(this.queue.shift()!.item);
      this.schedule();
    }, Math.max(0, this.queue[0]!.due - this.now()));
  }
}
