// The student page's model (issue 10): one lane of the room, on the transport the teacher
// assigned (POST /api/class/me, asked every 3 s) or the one the student picked; the chat,
// kept whole across lane switches; and where the student stands (removed, locked out).
// Plain object, created outside React; the page reads `store` and the current lane's store.
//
// A switch keeps the person: the new client gets the old one's id and secret (CONTRACT v2
// "identity") and `after` = the last seq the chat holds, so the room sees one student, the
// teacher's assignment sticks to it, and no message is shown twice or skipped. Sends the old
// client had not seen confirmed go again through the new one with the same clientMsgId: the
// server stores a (clientId, clientMsgId) once.
import type { ChatMessage, ClassMe, TransportId } from '@wirebench/transports/contract';
import { DEFAULTS, TRANSPORT_IDS } from '@wirebench/transports/contract';
import { CLIENT_ERROR_CODES, type ClientIdentity, type ClientOptions, type ClientStatus } from '@wirebench/transports/client';
import { type ClientFactory, Lane, MESSAGE_LIMIT } from './lane.ts';
import { Measurements } from './measurements.ts';
import { frameSchedule, type Schedule, Store } from '../lib/store.ts';

/** How often the page asks for its assignment once it has an identity. */
export const ME_INTERVAL_MS = 3_000;
/** The transport of a first visit, until the student or the teacher picks another. */
export const FIRST_TRANSPORT: TransportId = 'ws-raw';

/** localStorage: the name, for every visit on this phone. */
export const NAME_KEY = 'wirebench.student.name';
/** sessionStorage: this tab's identity and transport, so a reload is the same student. */
export const SEAT_KEY = 'wirebench.student.seat';

export interface ChatEntry {
  seq: number;
  name: string;
  text: string;
  /** Sent by this student (any of its lanes, before a reload too). */
  own: boolean;
  /** Replayed from before this student's first lane joined. */
  history: boolean;
}

export type CutState = 'idle' | 'cutting' | 'done' | 'failed';

export interface StudentState {
  /** '' until the student gives one. */
  name: string;
  /** The current lane; null before the name is given. */
  lane: Lane | null;
  /** The current lane's own measurements (latency of this student's messages). */
  measurements: Measurements | null;
  /** What the teacher's assignment says; null when nothing is assigned (or not asked yet). */
  assigned: TransportId | null;
  chat: readonly ChatEntry[];
  /** The teacher removed this student: the client said so, or the server when asked. */
  removed: boolean;
  cut: CutState;
}

export type SendResult = 'sent' | 'empty' | 'unavailable';

/** What the model needs from the page (or a test). */
export interface StudentDeps {
  factory: ClientFactory;
  fetch: typeof fetch;
  baseUrl: string;
  now: () => number;
  local: KeyValue | null;
  session: KeyValue | null;
  schedule?: Schedule;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (handle: unknown) => void;
}

export type KeyValue = Pick<Storage, 'getItem' | 'setItem'>;

interface Seat extends ClientIdentity {
  transport: TransportId;
}

export class StudentModel {
  readonly store: Store<StudentState>;
  private offs: Array<() => void> = [];
  private meTimer: unknown = null;
  private asking = false;
  private stopped = false;
  /** Highest seq in the chat; a lane's delivery at or below it is already shown. */
  private seen = 0;
  /** The chat's cursor is known (a lane opened): a new lane resumes after `seen`. */
  private cursorKnown = false;
  /** Sends not confirmed yet, by clientMsgId: they go again through the next lane. */
  private unacked = new Map<string, string>();

  constructor(private readonly deps: StudentDeps) {
    this.store = new Store<StudentState>(
      { name: readName(deps.local), lane: null, measurements: null, assigned: null, chat: [], removed: false, cut: 'idle' },
      deps.schedule ?? frameSchedule,
    );
  }

  get state(): StudentState {
    return this.store.getSnapshot();
  }

  /** Joins at once when the name is known from an earlier visit; asks for the assignment from then on. */
  start(): void {
    this.stopped = false;
    if (this.state.name !== '' && this.state.lane === null) this.openFirstLane();
    if (this.meTimer === null) {
      const every = this.deps.setInterval ?? ((fn, ms) => setInterval(fn, ms));
      this.meTimer = every(() => void this.askMe(), ME_INTERVAL_MS);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.meTimer !== null) {
      const clear = this.deps.clearInterval ?? ((h) => clearInterval(h as ReturnType<typeof setInterval>));
      clear(this.meTimer);
      this.meTimer = null;
    }
    this.dropLane();
    this.patch({ lane: null, measurements: null });
  }

  /** Sets (or changes) the name; the first one joins the room. Returns the name kept. */
  setName(raw: string): string {
    const name = cleanName(raw);
    if (name === '') return this.state.name;
    try {
      this.deps.local?.setItem(NAME_KEY, name);
    } catch {
      // Storage may be refused (private mode, full): the name still holds for this visit.
    }
    this.patch({ name });
    const lane = this.state.lane;
    if (lane) lane.client.setOptions({ name });
    else if (!this.stopped) this.openFirstLane();
    return name;
  }

  send(raw: string): SendResult {
    const text = raw.trim();
    if (text === '') return 'empty';
    const lane = this.state.lane;
    if (!lane || this.state.removed) return 'unavailable';
    const status = lane.client.getSnapshot().status;
    if (status === 'removed' || status === 'closed') return 'unavailable';
    const clientMsgId = lane.send(text, this.state.name);
    if (clientMsgId === null) return 'unavailable';
    this.unacked.set(clientMsgId, text);
    return 'sent';
  }

  /** The student's own choice; the teacher's assignment wins while there is one. */
  pick(transport: TransportId): void {
    if (this.state.assigned !== null || this.state.removed) return;
    this.switchTo(transport);
  }

  /** After ROOM_LOCKED: try the room again. */
  retry(): void {
    this.state.lane?.client.connect();
  }

  /** POST /api/debug/cut on itself, with its own secret: the server drops this lane, which reconnects. */
  async cutMe(): Promise<void> {
    const identity = this.state.lane?.client.identity();
    if (!identity || this.state.cut === 'cutting') return;
    this.patch({ cut: 'cutting' });
    try {
      const res = await this.post('/api/debug/cut', identity);
      this.patch({ cut: res.ok ? 'done' : 'failed' });
    } catch {
      this.patch({ cut: 'failed' });
    }
  }

  /** The cut's outcome has been read. */
  clearCut(): void {
    if (this.state.cut !== 'cutting') this.patch({ cut: 'idle' });
  }

  /** Asks the server which transport the teacher gave this student (a no-op without an identity). */
  async askMe(): Promise<void> {
    if (this.asking || this.stopped || this.state.removed) return;
    const lane = this.state.lane;
    const identity = lane?.client.identity();
    if (!lane || !identity) return;
    this.asking = true;
    try {
      const res = await this.post('/api/class/me', identity);
      const body = (await res.json().catch(() => null)) as (ClassMe & { error?: { code?: string } }) | null;
      if (this.stopped || this.state.lane !== lane) return;
      if (res.status === 200 && body) this.applyAssignment(body.transport);
      else if (body?.error?.code === 'CLIENT_REMOVED') this.markRemoved();
    } catch {
      // The network: the next tick asks again.
    } finally {
      this.asking = false;
    }
  }

  private applyAssignment(transport: TransportId | null): void {
    const known = transport !== null && (TRANSPORT_IDS as readonly string[]).includes(transport) ? transport : null;
    if (known !== this.state.assigned) this.patch({ assigned: known });
    if (known !== null && known !== this.state.lane?.transport) this.switchTo(known);
  }

  private markRemoved(): void {
    if (this.state.removed) return;
    this.unacked.clear();
    this.patch({ removed: true });
    // The client may not know yet (a poll between answers): it stops either way.
    this.state.lane?.client.close();
  }

  // ---- lanes ---------------------------------------------------------------------------

  private openFirstLane(): void {
    const seat = readSeat(this.deps.session);
    this.openLane(seat?.transport ?? FIRST_TRANSPORT, seat, undefined);
  }

  private switchTo(transport: TransportId): void {
    const old = this.state.lane;
    if (old?.transport === transport) return;
    if (old) {
      const status = old.client.getSnapshot().status;
      if (status === 'removed' || status === 'closed') return;
    }
    const identity = old?.client.identity() ?? null;
    this.dropLane();
    this.openLane(transport, identity, this.cursorKnown ? this.seen : undefined);
    const lane = this.state.lane!;
    for (const [clientMsgId, text] of this.unacked) lane.client.send(text, { clientMsgId, name: this.state.name });
    if (identity) this.saveSeat(identity, transport);
  }

  private openLane(transport: TransportId, identity: ClientIdentity | null, after: number | undefined): void {
    const measurements = new Measurements(this.deps.schedule ?? frameSchedule);
    const options: ClientOptions = { baseUrl: this.deps.baseUrl, name: this.state.name, now: this.deps.now };
    if (identity) {
      options.clientId = identity.clientId;
      options.clientSecret = identity.clientSecret;
    }
    if (after !== undefined) options.after = after;
    const lane = new Lane(transport, {
      factory: this.deps.factory,
      measurements,
      options,
      now: this.deps.now,
      ...(this.deps.schedule ? { schedule: this.deps.schedule } : {}),
    });
    const client = lane.client;
    this.offs.push(
      client.on('message', (m) => this.onMessage(lane, m)),
      client.on('joined', () => {
        const id = client.identity();
        if (id) this.saveSeat(id, transport);
        void this.askMe();
      }),
      client.on('status', (status: ClientStatus) => {
        if (status === 'open') this.cursorKnown = true;
        if (status === 'removed') this.markRemoved();
      }),
      client.on('ack', ({ clientMsgId }) => this.unacked.delete(clientMsgId)),
      client.on('error', ({ code }) => {
        // A new room: its seqs start again, the old chat belongs to the old room.
        if (code === CLIENT_ERROR_CODES.serverRestarted) {
          this.seen = 0;
          this.patch({ chat: [] });
        }
      }),
    );
    this.patch({ lane, measurements });
    lane.start();
  }

  private dropLane(): void {
    for (const off of this.offs) off();
    this.offs = [];
    this.state.lane?.dispose();
  }

  private onMessage(lane: Lane, m: ChatMessage): void {
    if (m.seq <= this.seen) return;
    this.seen = m.seq;
    // The lane listened first: its entry for this message is the last one it holds.
    const laneEntry = lane.store.getSnapshot().messages.at(-1);
    const entry: ChatEntry = {
      seq: m.seq,
      name: m.name,
      text: m.text,
      own: m.clientId === lane.client.getSnapshot().clientId,
      history: laneEntry?.seq === m.seq ? laneEntry.history : false,
    };
    const chat = this.state.chat;
    this.patch({ chat: chat.length >= MESSAGE_LIMIT ? [...chat.slice(-(MESSAGE_LIMIT - 1)), entry] : [...chat, entry] });
  }

  private saveSeat(identity: ClientIdentity, transport: TransportId): void {
    const seat: Seat = { clientId: identity.clientId, clientSecret: identity.clientSecret, transport };
    try {
      this.deps.session?.setItem(SEAT_KEY, JSON.stringify(seat));
    } catch {
      // Without storage a reload is a new student; nothing else changes.
    }
  }

  private post(path: string, body: object): Promise<Response> {
    return this.deps.fetch(`${this.deps.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  private patch(p: Partial<StudentState>): void {
    this.store.update((s) => ({ ...s, ...p }));
  }
}

/** Trimmed, at most the contract's 40 code points. */
export function cleanName(raw: string): string {
  return [...raw.trim()].slice(0, DEFAULTS.maxNameLength).join('').trim();
}

function readName(local: KeyValue | null): string {
  try {
    return cleanName(local?.getItem(NAME_KEY) ?? '');
  } catch {
    return '';
  }
}

function readSeat(session: KeyValue | null): Seat | null {
  try {
    const seat = JSON.parse(session?.getItem(SEAT_KEY) ?? 'null') as Partial<Seat> | null;
    if (
      typeof seat?.clientId === 'string' &&
      typeof seat.clientSecret === 'string' &&
      (TRANSPORT_IDS as readonly string[]).includes(seat.transport as string)
    ) {
      return seat as Seat;
    }
  } catch {
    // A seat that does not parse is no seat.
  }
  return null;
}
