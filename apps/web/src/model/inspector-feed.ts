// The hand-rolled WebSocket's byte-level feed: GET /api/inspect?clientId=… as
// Server-Sent Events of InspectEvent (handshake, frames, close). The lane is this page's
// own client, so the feed asks with its secret (`&clientSecret=`: an EventSource sends no
// headers); the server shows that secret redacted in the request line it reports.
import type { ClientIdentity } from '@wirebench/transports/client';
import type { InspectClose, InspectEvent, InspectFrame, InspectHandshake } from '@wirebench/transports/contract';
import { Store, type Schedule, frameSchedule } from '../lib/store.ts';

export const FRAME_LIMIT = 200;
/**
 * Hex characters the kept frames may hold: frames come whole now (up to 16 KiB of payload
 * each, about 100 kB as hex), so the count alone would not bound the page's memory.
 */
export const FRAME_HEX_LIMIT = 4_000_000;

export interface InspectorState {
  clientId: string | null;
  connected: boolean;
  handshake: InspectHandshake | null;
  frames: readonly InspectFrame[];
  closes: readonly InspectClose[];
  /** Why the feed is not flowing ('interrupted': the stream broke, EventSource retries); the view words it. */
  error: 'interrupted' | null;
}

const EMPTY: InspectorState = { clientId: null, connected: false, handshake: null, frames: [], closes: [], error: null };

/** Pure fold of one event into the state (tested without a browser). */
export function applyInspectEvent(s: InspectorState, e: InspectEvent): InspectorState {
  switch (e.kind) {
    case 'handshake':
      return { ...s, handshake: e };
    case 'frame': {
      const frames = s.frames.length >= FRAME_LIMIT ? [...s.frames.slice(-(FRAME_LIMIT - 1)), e] : [...s.frames, e];
      let hex = 0;
      let from = frames.length;
      // The newest frames whose hex fits (the newest one always).
      while (from > 0) {
        const f = frames[from - 1]!;
        hex += f.wireHex.length + f.payloadHex.length + (f.inflatedHex?.length ?? 0);
        if (hex > FRAME_HEX_LIMIT && from < frames.length) break;
        from--;
      }
      return { ...s, frames: from === 0 ? frames : frames.slice(from) };
    }
    case 'close':
      return { ...s, closes: [...s.closes.slice(-19), e] };
    default:
      return s;
  }
}

export class InspectorFeed {
  readonly store: Store<InspectorState>;
  private source: EventSource | null = null;

  constructor(
    private readonly baseUrl: string,
    private readonly EventSourceImpl: typeof EventSource | undefined = globalThis.EventSource,
    schedule: Schedule = frameSchedule,
  ) {
    this.store = new Store(EMPTY, schedule, schedule === frameSchedule ? 150 : 0);
  }

  /** Follows one client by its identity; a new one replaces the old stream. */
  follow(identity: ClientIdentity | null): void {
    const clientId = identity?.clientId ?? null;
    if (clientId === this.store.getSnapshot().clientId && (this.source || clientId === null)) return;
    this.source?.close();
    this.source = null;
    this.store.set({ ...EMPTY, clientId });
    if (!identity || !this.EventSourceImpl) return;
    const query = `clientId=${encodeURIComponent(identity.clientId)}&clientSecret=${encodeURIComponent(identity.clientSecret)}`;
    const es = new this.EventSourceImpl(`${this.baseUrl}/api/inspect?${query}`);
    this.source = es;
    es.onopen = () => this.store.update((s) => ({ ...s, connected: true, error: null }));
    es.onerror = () => this.store.update((s) => ({ ...s, connected: false, error: 'interrupted' }));
    es.onmessage = (ev: MessageEvent<string>) => {
      let event: InspectEvent;
      try {
        event = JSON.parse(ev.data) as InspectEvent;
      } catch {
        return;
      }
      this.store.update((s) => applyInspectEvent(s, event));
    };
  }

  close(): void {
    this.source?.close();
    this.source = null;
  }
}
