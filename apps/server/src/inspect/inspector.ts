// The inspector feed: browser code cannot see WebSocket frames, so the server
// records, for each hand-rolled chat connection, its handshake and its recent
// frames, and streams them to the dashboard (GET /api/inspect?clientId=).
//
// What it keeps is bounded by construction (CONTRACT v2: "nothing is kept per
// closed connection beyond a fixed, small window"): an open connection keeps a
// ring bounded by count and by bytes; a closed one stays only while it is among
// the `closedKept` most recently closed.
//
// RFC 7692: a compressed frame is shown with both payloads, the compressed bytes as they
// crossed the wire and what they inflated to (a received frame is shown once its inflating
// is done; a sent one carries the message it was compressed from).
import type { InspectClose, InspectEvent, InspectFrame, InspectHandshake } from '@wirebench/transports/contract';
import { applyMask, describeEncoded, opcodeName, type Frame } from '@wirebench/transports/ws';

/** 5.2: 2 bytes, up to 8 of extended length, 4 of masking key. */
const MAX_HEADER_BYTES = 14;
const textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

const hex = (bytes: Uint8Array): string => {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += (i ? ' ' : '') + bytes[i]!.toString(16).padStart(2, '0');
  return out;
};

const textEncoder = new TextEncoder();
const STAR = 0x2a;

/** `bytes` with every occurrence of `secret` written as `*` (the same length: lengths stay true); `bytes` itself when none. */
export function starred(bytes: Uint8Array, secret: Uint8Array): Uint8Array {
  let out = bytes;
  for (let i = 0; i + secret.length <= bytes.length; i++) {
    let j = 0;
    while (j < secret.length && bytes[i + j] === secret[j]) j++;
    if (j < secret.length) continue;
    if (out === bytes) out = new Uint8Array(bytes);
    out.fill(STAR, i, i + secret.length);
    i += secret.length - 1;
  }
  return out;
}

/** What a compressed frame's payload inflated to: the bytes kept (at most `payloadKept`) and how many there were. */
export interface Inflated {
  bytes: Uint8Array;
  length: number;
}

/**
 * A frame as the inspector shows it: its header and every payload byte it holds (the
 * inspector keeps `payloadKept` of them, enough for any chat frame), so that header and
 * wire bytes together are the frame as it crossed the wire. `truncated` when bytes are missing.
 * A compressed frame (`compressed`: RSV1 on its message's first frame) adds its inflated
 * payload, when known, and its text is the inflated one.
 */
export function describeFrame(
  connectionId: number,
  frame: Frame,
  direction: 'in' | 'out',
  at: number,
  compressed = false,
  inflated?: Inflated,
): InspectFrame {
  const wire = new Uint8Array(frame.payload);
  if (frame.maskKey) applyMask(wire, frame.maskKey);
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
    payloadHex: hex(frame.payload),
    truncated: frame.payloadLength > frame.payload.byteLength,
  };
  if (compressed) {
    event.compressed = true;
    if (inflated) {
      event.inflatedHex = hex(inflated.bytes);
      event.inflatedLength = inflated.length;
      if (frame.opcode === 1) event.text = textDecoder.decode(inflated.bytes);
    }
  } else if (frame.opcode === 1) {
    event.text = textDecoder.decode(frame.payload);
  }
  return event;
}

// #region redaction
// CONTRACT v2 identity: the secret is never in "the inspector's feed (a request
// line or header that carries it is shown redacted)". Done here, when the
// handshake is first described, so that no caller can forget it.
const REDACTED = '[redacted]';

/** Names read as the server's URL parser reads them ('+' a space, %XX a byte), in any case. */
function isSecretName(raw: string): boolean {
  for (const name of new URLSearchParams(raw).keys()) if (name.toLowerCase() === 'clientsecret') return true;
  return false;
}

/** The request-target with the value of every `clientSecret` query parameter replaced. */
export function redactTarget(target: string): string {
  const query = target.indexOf('?');
  if (query < 0) return target;
  // Split where URLSearchParams splits, so a value is redacted up to where the server ends it.
  const parts = target.slice(query + 1).split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const eq = parts[i]!.indexOf('=');
    if (eq < 0 || !isSecretName(parts[i]!.slice(0, eq))) continue;
    parts[i] = `${parts[i]!.slice(0, eq + 1)}${REDACTED}`;
    changed = true;
  }
  return changed ? `${target.slice(0, query + 1)}${parts.join('&')}` : target;
}

/** A header value fit to show: credentials keep only their scheme (`Bearer [redacted]`). */
export function redactHeader(name: string, value: string): string {
  switch (name.toLowerCase()) {
    case 'authorization':
    case 'proxy-authorization': {
      const scheme = /^\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s/.exec(value);
      return scheme ? `${scheme[1]} ${REDACTED}` : REDACTED;
    }
    case 'cookie':
      return REDACTED;
    case 'referer':
      return redactTarget(value);
    default:
      return value;
  }
}

function redactHandshake(handshake: InspectHandshake): InspectHandshake {
  const { request } = handshake;
  return {
    ...handshake,
    request: {
      ...request,
      url: redactTarget(request.url),
      headers: request.headers.map(([name, value]): [string, string] => [name, redactHeader(name, value)]),
    },
  };
}
// #endregion redaction

type Listener = (event: InspectEvent) => void;

/**
 * A frame as recorded, formatted only when someone looks at it. Its arrays are
 * the inspector's own (never a view of a decoder's or encoder's slab): the
 * header and the start of the payload, at most `payloadKept` + 14 bytes.
 */
interface RawFrame {
  /** A received frame, or the bytes of a sent one (header, then the start of the payload). */
  frame: Frame | Uint8Array;
  /** A sent frame's payload when it left as a chunk of its own after the header. */
  payload?: Uint8Array;
  direction: 'in' | 'out';
  at: number;
  /** Part of a compressed message (RFC 7692). */
  compressed?: boolean;
  /** A compressed frame's payload inflated (the inspector's own copy, at most payloadKept bytes). */
  inflated?: Inflated;
  /** A received compressed frame still inflating: kept, but shown only once inflated (or given up on). */
  awaiting?: boolean;
}

type Entry = RawFrame | InspectClose;

/** The bytes an entry keeps alive. */
function sizeOf(entry: Entry): number {
  if ('kind' in entry) return 0;
  const { frame, payload, inflated } = entry;
  const extra = inflated?.bytes.byteLength ?? 0;
  if (frame instanceof Uint8Array) return frame.byteLength + (payload?.byteLength ?? 0) + extra;
  return frame.headerBytes.byteLength + frame.payload.byteLength + extra;
}

interface Recorded {
  id: number;
  clientId: string;
  /** Described when first looked at; most connections are never inspected. */
  handshake: InspectHandshake | (() => InspectHandshake);
  /** A ring of at most `framesKept` entries: `size` of them from `head`, oldest first. */
  entries: (Entry | undefined)[];
  head: number;
  size: number;
  bytes: number;
  closed: boolean;
  /** The connection's client secret as UTF-8: shown as `*` in every frame (the welcome carries it). */
  secret: Uint8Array | undefined;
  /** The received message in progress is compressed (RSV1 on its first frame): its continuations are too. */
  compressedMessage: boolean;
  /** The received compressed frame whose inflated payload is awaited (one at a time: the core reads nothing meanwhile). */
  awaiting: RawFrame | null;
}

export interface InspectorOptions {
  /** Recent frames kept per connection for a late subscriber. Default 200. */
  framesKept?: number;
  /** Bytes those frames may keep alive per connection (header, payload and inflated copies). Default 256 KiB. */
  bytesKept?: number;
  /**
   * Payload bytes kept per frame (a sent frame is cut at this + 14 bytes, header included), and
   * as many of a compressed frame's inflated payload. Default 16 KiB: every chat frame whole
   * (2,000 characters of text, each at most 6 bytes as JSON).
   */
  payloadKept?: number;
  /**
   * Kept bytes a new subscriber is sent at most, the newest frames across the client's
   * connections (handshakes and closes always). Described as hex and text, a kept byte is
   * about 7 bytes of feed, so the default 256 KiB stays well inside the feed's buffer limit.
   */
  replayBytes?: number;
  /** Closed connections remembered, the most recently closed, across all clients. Default 32. */
  closedKept?: number;
  /** Closed connections remembered per client, within `closedKept`. Default 3. */
  closedPerClient?: number;
  now?: () => number;
}

export class Inspector {
  private readonly connections = new Map<number, Recorded>();
  /** Each client's kept connections, in the order they opened. */
  private readonly byClient = new Map<string, Set<number>>();
  /** Kept closed connections, in the order they closed. */
  private readonly closedOrder = new Set<number>();
  private readonly listeners = new Map<string, Set<Listener>>();
  /**
   * Bounded copies of sent frames, by the array that was sent: a broadcast
   * frame reaches every connection but is copied once.
   */
  private readonly sentCopies = new WeakMap<Uint8Array, Uint8Array>();
  /** Received compressed frames waiting for their inflated payload, by the core's frame object (not kept alive by this). */
  private readonly inflating = new WeakMap<Frame, RawFrame>();
  private nextId = 1;
  private totalBytes = 0;
  private readonly framesKept: number;
  private readonly bytesPerConnection: number;
  private readonly payloadKept: number;
  private readonly closedKept: number;
  private readonly closedPerClient: number;
  private readonly replayBytes: number;
  private readonly now: () => number;

  constructor(options: InspectorOptions = {}) {
    this.framesKept = options.framesKept ?? 200;
    this.payloadKept = options.payloadKept ?? 16 * 1024;
    this.replayBytes = options.replayBytes ?? 256 * 1024;
    this.bytesPerConnection = options.bytesKept ?? 256 * 1024;
    this.closedKept = options.closedKept ?? 32;
    this.closedPerClient = options.closedPerClient ?? 3;
    this.now = options.now ?? Date.now;
    const counts = { framesKept: this.framesKept, payloadKept: this.payloadKept, replayBytes: this.replayBytes, closedKept: this.closedKept, closedPerClient: this.closedPerClient };
    for (const [name, value] of Object.entries(counts)) {
      if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be an integer ≥ 0, got ${value}`);
    }
    // The budget holds at least one frame (a compressed one keeps two payloads), so a ring is never empty only because of it.
    if (!(this.bytesPerConnection >= 2 * this.payloadKept + MAX_HEADER_BYTES)) {
      throw new RangeError(`bytesKept must be at least 2 × payloadKept + ${MAX_HEADER_BYTES}, got ${this.bytesPerConnection}`);
    }
  }

  /** Connections with a record: the open ones and the recently closed ones. */
  get connectionsKept(): number {
    return this.connections.size;
  }

  /** Clients with at least one kept connection. */
  get clientsKept(): number {
    return this.byClient.size;
  }

  /** Clients with at least one subscriber. */
  get clientsWatched(): number {
    return this.listeners.size;
  }

  /** Bytes all kept frames keep alive, by the same count as the per-connection `bytesKept`. */
  get bytesKept(): number {
    return this.totalBytes;
  }

  /** A new connection of `clientId`; returns its id for frames and close. */
  open(clientId: string, describe: () => Omit<InspectHandshake, 'kind' | 'connectionId' | 'at'>, secret?: string): number {
    const connectionId = this.nextId++;
    const at = this.now();
    const handshake = (): InspectHandshake => redactHandshake({ kind: 'handshake', connectionId, at, ...describe() });
    const recorded: Recorded = {
      id: connectionId,
      clientId,
      handshake,
      entries: [],
      head: 0,
      size: 0,
      bytes: 0,
      closed: false,
      secret: secret === undefined ? undefined : textEncoder.encode(secret),
      compressedMessage: false,
      awaiting: null,
    };
    this.connections.set(connectionId, recorded);
    let ids = this.byClient.get(clientId);
    if (!ids) this.byClient.set(clientId, (ids = new Set()));
    ids.add(connectionId);
    if (this.listeners.has(clientId)) this.emit(clientId, this.handshakeOf(recorded));
    return connectionId;
  }

  /**
   * Records a received frame; it is formatted only when someone looks at it. A frame of a
   * compressed message is shown once `inflated` brings its inflated payload.
   */
  received(connectionId: number, frame: Frame): void {
    const recorded = this.connections.get(connectionId);
    if (!recorded) return;
    // An earlier frame that never got its inflated payload (inflating failed) is shown as it is.
    this.release(recorded);
    // RFC 7692 6.1: RSV1 is set on the first frame of a compressed message only.
    if (frame.opcode === 1 || frame.opcode === 2) recorded.compressedMessage = frame.rsv1;
    const compressed = frame.opcode === 0 ? recorded.compressedMessage : frame.opcode < 8 && recorded.compressedMessage;
    // One copy of what may be shown: the decoder's arrays may share a slab with others,
    // and its payload may be a whole message. 5.2: the header ends with the masking key.
    const header = frame.headerBytes.byteLength;
    const payload = Math.min(frame.payload.byteLength, this.payloadKept);
    const copy = new Uint8Array(header + payload);
    copy.set(frame.headerBytes);
    copy.set(frame.payload.subarray(0, payload), header);
    const kept: Frame = {
      fin: frame.fin,
      rsv1: frame.rsv1,
      rsv2: frame.rsv2,
      rsv3: frame.rsv3,
      opcode: frame.opcode,
      masked: frame.masked,
      maskKey: frame.maskKey ? copy.subarray(header - 4, header) : null,
      lengthForm: frame.lengthForm,
      payloadLength: frame.payloadLength,
      payload: copy.subarray(header),
      headerBytes: copy.subarray(0, header),
    };
    const raw: RawFrame = { frame: kept, direction: 'in', at: this.now() };
    if (compressed) {
      raw.compressed = true;
      raw.awaiting = true;
      recorded.awaiting = raw;
      this.inflating.set(frame, raw);
    }
    this.record(connectionId, recorded, raw);
  }

  /** A received compressed frame's payload once inflated; `frame` is the one `received` got. */
  inflated(connectionId: number, frame: Frame, inflated: Uint8Array): void {
    const recorded = this.connections.get(connectionId);
    const raw = this.inflating.get(frame);
    if (!recorded || !raw) return;
    this.inflating.delete(frame);
    if (recorded.awaiting !== raw) return; // shown already, without it
    // Counted like every kept byte: the entry grows, then the ring lets the oldest go.
    const bytes = inflated.slice(0, this.payloadKept);
    raw.inflated = { bytes, length: inflated.byteLength };
    recorded.bytes += bytes.byteLength;
    this.totalBytes += bytes.byteLength;
    while (recorded.bytes > this.bytesPerConnection) this.evictOldest(recorded);
    this.release(recorded);
  }

  /**
   * Records a sent frame by its bytes: nothing is parsed on the send path. `encoded` is the
   * whole frame, or only its header when `payload` left as a chunk of its own.
   */
  sent(connectionId: number, encoded: Uint8Array, payload?: Uint8Array, plain?: Uint8Array): void {
    const recorded = this.connections.get(connectionId);
    if (!recorded) return;
    const raw: RawFrame = { frame: encoded, direction: 'out', at: this.now() };
    // RFC 7692 6: RSV1 marks a compressed message (a sent one is a single frame); `plain` is what it was compressed from.
    if ((encoded[0]! & 0x40) !== 0) raw.compressed = true;
    if (plain) raw.inflated = { bytes: plain.slice(0, this.payloadKept), length: plain.byteLength };
    if (payload) {
      // Header and the start of the payload in one array, split again for describeEncoded.
      const kept = Math.min(payload.byteLength, this.payloadKept);
      const copy = new Uint8Array(encoded.byteLength + kept);
      copy.set(encoded);
      copy.set(payload.subarray(0, kept), encoded.byteLength);
      raw.frame = copy.subarray(0, encoded.byteLength);
      raw.payload = copy.subarray(encoded.byteLength);
    } else {
      raw.frame = this.sentCopy(encoded);
    }
    this.record(connectionId, recorded, raw);
  }

  /** The connection closed: its record joins the window of recently closed ones. */
  close(connectionId: number, code: number, reason: string): void {
    const recorded = this.connections.get(connectionId);
    if (!recorded || recorded.closed) return;
    this.release(recorded);
    const event: InspectClose = { kind: 'close', connectionId, at: this.now(), code, reason };
    this.keep(recorded, event);
    this.emit(recorded.clientId, event);
    recorded.closed = true;
    this.closedOrder.add(connectionId);
    const ids = this.byClient.get(recorded.clientId)!;
    let closedOfClient = 0;
    for (const id of ids) if (this.connections.get(id)!.closed) closedOfClient++;
    for (const id of ids) {
      if (closedOfClient <= this.closedPerClient) break;
      if (this.connections.get(id)!.closed) {
        this.drop(id);
        closedOfClient--;
      }
    }
    for (const id of this.closedOrder) {
      if (this.closedOrder.size <= this.closedKept) break;
      this.drop(id);
    }
  }

  /**
   * What is kept for the client, connection by connection in the order they opened (of the
   * frames, the newest within `replayBytes`), then live events.
   */
  subscribe(clientId: string, listener: Listener): () => void {
    const ids = [...(this.byClient.get(clientId) ?? [])];
    // How many of each connection's entries, counted from its newest, fit in the budget, newest connection first.
    const shown = new Map<number, number>();
    let budget = this.replayBytes;
    for (const id of ids.reverse()) {
      const { entries, head, size } = this.connections.get(id)!;
      let n = 0;
      while (n < size) {
        const bytes = sizeOf(entries[(head + size - 1 - n) % this.framesKept]!);
        if (bytes > budget) {
          budget = 0;
          break;
        }
        budget -= bytes;
        n++;
      }
      shown.set(id, n);
    }
    for (const id of ids.reverse()) {
      const recorded = this.connections.get(id)!;
      listener(this.handshakeOf(recorded));
      const { entries, head, size } = recorded;
      const skipped = size - shown.get(id)!;
      for (let i = 0; i < size; i++) {
        const entry = entries[(head + i) % this.framesKept]!;
        // A connection's close is shown even when its frames are not; a frame still inflating comes live.
        if ('kind' in entry || (i >= skipped && !entry.awaiting)) listener(this.format(id, entry));
      }
    }
    let set = this.listeners.get(clientId);
    if (!set) this.listeners.set(clientId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      // Only this set: a later subscriber may have made a new one after this one emptied.
      if (set.size === 0 && this.listeners.get(clientId) === set) this.listeners.delete(clientId);
    };
  }

  /**
   * A sent whole frame as an array of its own, cut after `MAX_HEADER_BYTES + payloadKept`
   * bytes: the header and at least `payloadKept` bytes of payload.
   */
  private sentCopy(encoded: Uint8Array): Uint8Array {
    let copy = this.sentCopies.get(encoded);
    if (!copy) {
      copy = encoded.slice(0, MAX_HEADER_BYTES + this.payloadKept);
      this.sentCopies.set(encoded, copy);
    }
    return copy;
  }

  private record(connectionId: number, recorded: Recorded, raw: RawFrame): void {
    this.keep(recorded, raw);
    if (!raw.awaiting && this.listeners.has(recorded.clientId)) this.emit(recorded.clientId, this.format(connectionId, raw));
  }

  /** Shows the frame that awaited its inflated payload, with it or without. */
  private release(recorded: Recorded): void {
    const raw = recorded.awaiting;
    if (!raw) return;
    recorded.awaiting = null;
    raw.awaiting = false;
    if (this.listeners.has(recorded.clientId)) this.emit(recorded.clientId, this.format(recorded.id, raw));
  }

  private drop(connectionId: number): void {
    const recorded = this.connections.get(connectionId);
    if (!recorded) return;
    this.totalBytes -= recorded.bytes;
    this.connections.delete(connectionId);
    this.closedOrder.delete(connectionId);
    const ids = this.byClient.get(recorded.clientId);
    ids?.delete(connectionId);
    if (ids?.size === 0) this.byClient.delete(recorded.clientId);
  }

  private handshakeOf(recorded: Recorded): InspectHandshake {
    if (typeof recorded.handshake === 'function') recorded.handshake = recorded.handshake();
    return recorded.handshake;
  }

  /** Adds the newest entry, then lets the oldest go until both bounds hold. */
  private keep(recorded: Recorded, entry: Entry): void {
    if (this.framesKept === 0) return;
    if (recorded.size === this.framesKept) this.evictOldest(recorded);
    recorded.entries[(recorded.head + recorded.size) % this.framesKept] = entry;
    recorded.size++;
    const bytes = sizeOf(entry);
    recorded.bytes += bytes;
    this.totalBytes += bytes;
    while (recorded.bytes > this.bytesPerConnection) this.evictOldest(recorded);
  }

  private evictOldest(recorded: Recorded): void {
    const oldest = recorded.entries[recorded.head]!;
    // Let go before its inflated payload came: shown without it, and nothing more is counted for it.
    if (oldest === recorded.awaiting) this.release(recorded);
    recorded.entries[recorded.head] = undefined;
    recorded.head = (recorded.head + 1) % this.framesKept;
    recorded.size--;
    const bytes = sizeOf(oldest);
    recorded.bytes -= bytes;
    this.totalBytes -= bytes;
  }

  private format(connectionId: number, entry: Entry): InspectEvent {
    if ('kind' in entry) return entry;
    const frame = entry.frame instanceof Uint8Array ? describeEncoded(entry.frame, entry.payload) : entry.frame;
    const secret = this.connections.get(connectionId)?.secret;
    let payload = secret ? starred(frame.payload, secret) : frame.payload;
    let inflated = entry.inflated;
    if (secret && inflated) {
      const bytes = starred(inflated.bytes, secret);
      if (bytes !== inflated.bytes) {
        inflated = { bytes, length: inflated.length };
        // Inflating the compressed bytes would give the secret back: they are not shown either.
        payload = new Uint8Array(frame.payload.byteLength).fill(STAR);
      }
    }
    const shown = payload === frame.payload ? frame : { ...frame, payload };
    return describeFrame(connectionId, shown, entry.direction, entry.at, entry.compressed ?? false, inflated);
  }

  private emit(clientId: string, event: InspectEvent): void {
    const set = this.listeners.get(clientId);
    if (set) for (const listener of set) listener(event);
  }
}
