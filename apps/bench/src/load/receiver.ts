// The one interface every chat receiver implements, and the handles of the open ones.
// A receiver feeds what it gets to deliveries.ts (scan) and counts its requests and errors there.

export interface ReceiverOptions {
  /** http://127.0.0.1:<port> of the server. */
  base: string;
  /** The room's lastSeq: receivers start after it (no history replay). */
  after: number;
  /** Short polling period; 0 polls once and then keeps the socket idle. */
  pollIntervalMs: number;
  /** Long-poll hold requested per request. */
  longPollTimeoutMs: number;
}

/** Opens one receiver; resolves once it is connected (WebSocket open, SSE headers, first poll answered or long poll sent). */
export type OpenReceiver = (o: ReceiverOptions) => Promise<void>;

const open = new Set<{ close: () => void }>();
let closing = false;

/** True between closeReceivers() and the next open: polls stop asking again. */
export const isClosing = (): boolean => closing;

export function track(handle: { close: () => void }): void {
  open.add(handle);
}

export function startOpening(): void {
  closing = false;
}

export function closeReceivers(): void {
  closing = true;
  for (const h of open) h.close();
  open.clear();
}
