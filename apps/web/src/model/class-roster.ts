// The teacher's view of the class (CONTRACT v2 "the teacher"): GET /api/clients every
// 2 s, and the three things a teacher does to it: remove a client, lock the room, assign
// transports. Every request goes through the teacher's fetch (the Bearer key).
import type { AssignmentMode, AssignmentState, ClientInfo, ClientsResponse, TransportId } from '@wirebench/transports/contract';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { Store, type Schedule, frameSchedule } from '../lib/store.ts';

export const ROSTER_INTERVAL_MS = 2000;

export interface RosterState {
  /** Every identity the room knows, removed ones excepted; null until the first answer. */
  clients: readonly ClientInfo[] | null;
  locked: boolean | null;
  /**
   * The assignment mode: the server's, else what this page last set, else inferred (someone
   * holds an assignment: round-robin).
   */
  mode: AssignmentMode | null;
  /** Students the last assignment gave a transport to. */
  lastAssigned: number | null;
  error: string | null;
  polledAt: number | null;
}

export interface RosterDeps {
  /** The teacher's fetch (adds the key). */
  fetch: typeof fetch;
  baseUrl: string;
  now: () => number;
  intervalMs?: number;
  schedule?: Schedule;
  setInterval?: (fn: () => void, ms: number) => unknown;
  clearInterval?: (h: unknown) => void;
}

/** A client is in the room now when it has an open connection or made a request in the last 60 s. */
export const isPresent = (c: ClientInfo): boolean => c.transports.length > 0;

/** An identity of a teacher page: made with the teacher key, or one of this page's own lanes. */
export const isTeacherLane = (c: ClientInfo, own: ReadonlySet<string>): boolean => c.teacher === true || own.has(c.clientId);

/**
 * Who is in the room now, from ONE answer of GET /api/clients, so the figures add up. A student
 * page is one identity (a transport switch keeps it); a teacher page is one identity per lane.
 * "Now" is the contract's: an open connection or a request in the last 60 s.
 */
export interface ClassCount {
  /** Student pages in the room now. */
  students: number;
  /** Teacher-page lanes in the room now, this page's among them. */
  teacherLanes: number;
  /** This page's own lanes in the room now. */
  ownLanes: number;
  /** Every identity in the room now (students + teacher lanes): what the server calls clients. */
  clients: number;
  /** Per transport: who used it now; a student who switched within the minute is under each. */
  byTransport: Record<TransportId, { students: number; teacherLanes: number }>;
  /** Students listed under more than one transport (they switched within the last minute): counted under each. */
  switched: number;
}

export function classCount(clients: readonly ClientInfo[], own: ReadonlySet<string>): ClassCount {
  const byTransport = Object.fromEntries(TRANSPORT_IDS.map((t) => [t, { students: 0, teacherLanes: 0 }])) as ClassCount['byTransport'];
  const count: ClassCount = { students: 0, teacherLanes: 0, ownLanes: 0, clients: 0, byTransport, switched: 0 };
  for (const c of clients) {
    if (!isPresent(c)) continue;
    const teacher = isTeacherLane(c, own);
    count.clients++;
    if (teacher) {
      count.teacherLanes++;
      if (own.has(c.clientId)) count.ownLanes++;
    } else {
      count.students++;
      if (c.transports.length > 1) count.switched++;
    }
    for (const t of c.transports) byTransport[t][teacher ? 'teacherLanes' : 'students']++;
  }
  return count;
}

export class ClassRoster {
  readonly store: Store<RosterState>;
  private timer: unknown = null;
  private inFlight = false;

  constructor(private readonly deps: RosterDeps) {
    this.store = new Store<RosterState>(
      { clients: null, locked: null, mode: null, lastAssigned: null, error: null, polledAt: null },
      deps.schedule ?? frameSchedule,
    );
  }

  start(): void {
    if (this.timer !== null) return;
    const every = this.deps.setInterval ?? ((fn, ms) => setInterval(fn, ms));
    void this.tick();
    this.timer = every(() => void this.tick(), this.deps.intervalMs ?? ROSTER_INTERVAL_MS);
  }

  stop(): void {
    if (this.timer === null) return;
    (this.deps.clearInterval ?? ((h) => clearInterval(h as ReturnType<typeof setInterval>)))(this.timer);
    this.timer = null;
  }

  async tick(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      const answer = await this.call('GET', '/api/clients');
      if (answer) this.accept(answer as ClientsResponse);
    } finally {
      this.inFlight = false;
    }
  }

  /** Folds one list in (exposed for tests). */
  accept(list: ClientsResponse): void {
    this.store.update((s) => ({
      ...s,
      clients: list.clients,
      locked: list.locked,
      mode: list.assignment ?? s.mode ?? (list.clients.some((c) => c.assigned !== null) ? 'round-robin' : null),
      error: null,
      polledAt: this.deps.now(),
    }));
  }

  /** Closes every connection of the client (1008 `removed`) and kills its secret. */
  async remove(clientId: string): Promise<boolean> {
    const done = (await this.call('POST', `/api/clients/${encodeURIComponent(clientId)}/remove`, {})) !== null;
    if (done) {
      this.store.update((s) => ({ ...s, clients: s.clients?.filter((c) => c.clientId !== clientId) ?? null }));
      void this.tick();
    }
    return done;
  }

  /** While locked, no new identity may join (423 ROOM_LOCKED); those already in stay. */
  async setLocked(locked: boolean): Promise<void> {
    const answer = (await this.call('POST', '/api/room/lock', { locked })) as { locked?: unknown } | null;
    if (answer && typeof answer.locked === 'boolean') this.store.update((s) => ({ ...s, locked: answer.locked as boolean }));
  }

  /** Round-robin gives every student, and each newcomer in turn, one of the five transports. */
  async assign(mode: AssignmentMode): Promise<void> {
    const answer = (await this.call('POST', '/api/class/assign', { mode })) as AssignmentState | null;
    if (!answer) return;
    this.store.update((s) => ({ ...s, mode: answer.mode, lastAssigned: answer.assigned }));
    void this.tick();
  }

  /** One teacher request; its JSON answer, or null with the error kept for the panel. */
  private async call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    try {
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.headers = { 'content-type': 'application/json' };
        init.body = JSON.stringify(body);
      }
      const answer = await this.deps.fetch(`${this.deps.baseUrl}${path}`, init);
      const parsed: unknown = await answer.json().catch(() => null);
      if (!answer.ok) {
        const code = (parsed as { error?: { code?: unknown } } | null)?.error?.code;
        this.store.update((s) => ({ ...s, error: `${method} ${path}: ${answer.status}${typeof code === 'string' ? ` ${code}` : ''}` }));
        return null;
      }
      return parsed;
    } catch (err) {
      this.store.update((s) => ({ ...s, error: `${method} ${path}: ${err instanceof Error ? err.message : String(err)}` }));
      return null;
    }
  }
}
