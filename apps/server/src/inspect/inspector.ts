// The inspector feed: browser code cannot see WebSocket frames, so the server
// records, for each hand-rolled chat connection, its handshake and its recent
// frames, and streams them to the dashboard (GET /api/inspect?clientId=).
import type { InspectEvent, InspectFrame, InspectHandshake } from '@wirebench/transports/contract';
import { describeEncoded, opcodeName, type Frame } from '@wirebench/transports/ws';

const PREVIEW_BYTES = 64;
const PREVIEW_CHARS = 200;
const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

const hex = (bytes: Uint8Array): string => {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (i ? ' ' : '') + bytes[i]!.toString(16).padStart(2, '0');
  return out;
};

/** A frame as the inspector shows it; the payload preview is cut to 64 bytes. */
export function describeFrame(connectionId: number, frame: Frame, direction: 'in' | 'out', at: number): InspectFrame {
  const preview = frame.payload.subarray(0, PREVIEW_BYTES);
  const wire = new Uint8Array(preview);
  if (frame.maskKey) for (let i = 0; i < wire.length; i++) wire[i] = wire[i]! ^ frame.maskKey[i & 3]!;
  const event: InspectFrame = {
    kind: 'frame',
    connectionId,
    at,
    direction,
    fin: frame.fin,
    rsv: [frame.rsv1, frame.rsv2, frame.rsv3],
    opcode: frame.opcode,
    opcodeName: opcodeName(frame.opcode),
    masked: frame.masked,
    maskKeyHex: frame.maskKey ? hex(frame.maskKey) : null,
    lengthForm: frame.lengthForm,
    payloadLength: frame.payloadLength,
    headerHex: hex(frame.headerBytes),
    wireHex: hex(wire),
    payloadHex: hex(preview),
    truncated: frame.payloadLength > PREVIEW_BYTES,
  };
  if (frame.opcode === 1) event.text = textDecoder.decode(frame.payload.subarray(0, PREVIEW_CHARS * 4)).slice(0, PREVIEW_CHARS);
  return event;
}

type Listener = (event: InspectEvent) => void;

/** A frame as recorded: formatted only when someone looks at it. */
interface RawFrame {
  /** A received frame, or the bytes of a sent one (often a broadcast shared by every peer). */
  frame: Frame | Uint8Array;
  /** A sent frame's payload when it left as a chunk of its own after the header. */
  payload?: Uint8Array;
  direction: 'in' | 'out';
  at: number;
}

interface Recorded {
  clientId: string;
  /** Described when first looked at; most connections are never inspected. */
  handshake: InspectHandshake | (() => InspectHandshake);
  /** A ring of the last `framesKept` entries; `next` is the oldest once full. */
  frames: (RawFrame | InspectEvent)[];
  next: number;
}

export interface InspectorOptions {
  /** Recent frames kept per connection for a late subscriber. */
  framesKept?: number;
  /** Connections remembered per client. */
  connectionsKept?: number;
  now?: () => number;
}

export class Inspector {
  private readonly connections = new Map<number, Recorded>();
  private readonly byClient = new Map<string, number[]>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private nextId = 1;
  private readonly framesKept: number;
  private readonly connectionsKept: number;
  private readonly now: () => number;

  constructor(options: InspectorOptions = {}) {
    this.framesKept = options.framesKept ?? 200;
    this.connectionsKept = options.connectionsKept ?? 3;
    this.now = options.now ?? Date.now;
  }

  /** A new connection of `clientId`; returns its id for frames and close. */
  open(clientId: string, describe: () => Omit<InspectHandshake, 'kind' | 'connectionId' | 'at'>): number {
    const connectionId = this.nextId++;
    const at = this.now();
    const handshake = (): InspectHandshake => ({ kind: 'handshake', connectionId, at, ...describe() });
    const recorded: Recorded = { clientId, handshake, frames: [], next: 0 };
    this.connections.set(connectionId, recorded);
    const ids = this.byClient.get(clientId) ?? [];
    ids.push(connectionId);
    while (ids.length > this.connectionsKept) this.connections.delete(ids.shift()!);
    this.byClient.set(clientId, ids);
    if (this.listeners.has(clientId)) this.emit(clientId, this.handshakeOf(recorded));
    return connectionId;
  }

  /** Records a received frame; it is formatted only when someone looks at it. */
  received(connectionId: number, frame: Frame): void {
    // A copy of what the preview needs: the decoder's arrays may share a slab with others.
    const kept: Frame = {
      ...frame,
      payload: new Uint8Array(frame.payload.subarray(0, 1024)),
      headerBytes: new Uint8Array(frame.headerBytes),
      maskKey: frame.maskKey && new Uint8Array(frame.maskKey),
    };
    this.record(connectionId, kept, 'in');
  }

  /** Records a sent frame by its bytes: nothing is parsed on the send path. */
  sent(connectionId: number, encoded: Uint8Array, payload?: Uint8Array): void {
    this.record(connectionId, encoded, 'out', payload?.subarray(0, 1024));
  }

  private record(connectionId: number, frame: Frame | Uint8Array, direction: 'in' | 'out', payload?: Uint8Array): void {
    const recorded = this.connections.get(connectionId);
    if (!recorded) return;
    const raw: RawFrame = { frame, direction, at: this.now() };
    if (payload) raw.payload = payload;
    this.keep(recorded, raw);
    if (this.listeners.has(recorded.clientId)) this.emit(recorded.clientId, this.format(connectionId, raw));
  }

  close(connectionId: number, code: number, reason: string): void {
    const recorded = this.connections.get(connectionId);
    if (!recorded) return;
    const event: InspectEvent = { kind: 'close', connectionId, at: this.now(), code, reason };
    this.keep(recorded, event);
    this.emit(recorded.clientId, event);
  }

  /** Everything recorded for the client so far, oldest first, then live events. */
  subscribe(clientId: string, listener: Listener): () => void {
    for (const id of this.byClient.get(clientId) ?? []) {
      const recorded = this.connections.get(id);
      if (!recorded) continue;
      listener(this.handshakeOf(recorded));
      const { frames, next } = recorded;
      for (let i = 0; i < frames.length; i++) listener(this.format(id, frames[(next + i) % frames.length]!));
    }
    let set = this.listeners.get(clientId);
    if (!set) this.listeners.set(clientId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(clientId);
    };
  }

  /** Forgets a client's connections (kept only while the room remembers it). */
  forget(clientId: string): void {
    for (const id of this.byClient.get(clientId) ?? []) this.connections.delete(id);
    this.byClient.delete(clientId);
  }

  private handshakeOf(recorded: Recorded): InspectHandshake {
    if (typeof recorded.handshake === 'function') recorded.handshake = recorded.handshake();
    return recorded.handshake;
  }

  private keep(recorded: Recorded, entry: RawFrame | InspectEvent): void {
    if (recorded.frames.length < this.framesKept) {
      recorded.frames.push(entry);
      return;
    }
    recorded.frames[recorded.next] = entry;
    recorded.next = (recorded.next + 1) % this.framesKept;
  }

  private format(connectionId: number, entry: RawFrame | InspectEvent): InspectEvent {
    if ('kind' in entry) return entry;
    const frame = entry.frame instanceof Uint8Array ? describeEncoded(entry.frame, entry.payload) : entry.frame;
    return describeFrame(connectionId, frame, entry.direction, entry.at);
  }

  private emit(clientId: string, event: InspectEvent): void {
    const set = this.listeners.get(clientId);
    if (set) for (const listener of set) listener(event);
  }
}
