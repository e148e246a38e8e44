// The clients a room knows: names, secrets, activity, the per-client send
// budget, and the per-address budgets for new identities and for sends.
// Bounded: beyond `maxClients` the least recently seen client is forgotten —
// never one that is pinned by an open WebSocket or SSE stream. Identities the
// teacher made (a join with the teacher key) pass the lock and the
// per-address budgets: the teacher is never locked out of their own class.
import { randomUUID } from 'node:crypto';
import { TRANSPORT_IDS, type AssignmentMode, type TransportId } from '@wirebench/transports/contract';
import { ClientRemoved, JoinRateLimited, NotYourClient, RateLimited, RoomLocked, UnknownClient } from '../errors.ts';
import { KeyedBuckets, TokenBucket } from './rate-limit.ts';
import { newSecret, sameSecret } from './secret.ts';

export interface RegistryOptions {
  sendRateLimit: number;
  sendRateWindowMs: number;
  /** Sends per window from one address, all its clients together. */
  sendRateLimitPerAddress: number;
  /** New identities per address per `joinRateWindowMs`. */
  joinRateLimit: number;
  joinRateWindowMs: number;
  maxClients: number;
  now: () => number;
  newId?: () => string;
}

export interface ClientRecord {
  clientId: string;
  secret: string;
  name: string;
  address: string;
  createdAt: number;
  lastSeen: number;
  bucket: TokenBucket;
  /** Open streams keeping the client known. */
  pins: number;
  /** Messages stored from it. */
  sent: number;
  /** Made by a join that carried the teacher key. */
  teacher: boolean;
  /** Removed by the teacher: its secret no longer works. */
  removed: boolean;
  assigned: TransportId | null;
  /** A student page: it asked for its assignment (POST /api/class/me). */
  student: boolean;
}

export interface NewIdentity {
  name: string;
  address: string;
  /** The request carried the teacher key. */
  teacher?: boolean;
}

const ACTIVE_MS = 60_000;

export class ClientRegistry {
  /** In last-seen order, least recent first (a Map keeps insertion order; touch re-inserts). */
  private readonly clients = new Map<string, ClientRecord>();
  private readonly joins: KeyedBuckets;
  private readonly sends: KeyedBuckets;
  private readonly newId: () => string;
  locked = false;
  assignMode: AssignmentMode = 'none';
  private nextAssigned = 0;

  constructor(private readonly options: RegistryOptions) {
    this.joins = new KeyedBuckets(options.joinRateLimit, options.joinRateWindowMs);
    this.sends = new KeyedBuckets(options.sendRateLimitPerAddress, options.sendRateWindowMs);
    this.newId = options.newId ?? randomUUID;
  }

  get size(): number {
    return this.clients.size;
  }

  /**
   * A new identity; throws ROOM_LOCKED while the room is locked and RATE_LIMITED
   * past the address's budget of new identities (the teacher's pass both).
   */
  register(input: NewIdentity): ClientRecord {
    const now = this.options.now();
    const teacher = input.teacher === true;
    if (this.locked && !teacher) throw new RoomLocked();
    if (!teacher && !this.joins.take(input.address, now)) {
      throw new JoinRateLimited(this.options.joinRateLimit, Math.round(this.options.joinRateWindowMs / 1000));
    }
    const { sendRateLimit, sendRateWindowMs } = this.options;
    const client: ClientRecord = {
      clientId: this.newId(),
      secret: newSecret(),
      name: input.name,
      address: input.address,
      createdAt: now,
      lastSeen: now,
      bucket: new TokenBucket(sendRateLimit, sendRateWindowMs, now),
      pins: 0,
      sent: 0,
      teacher,
      removed: false,
      assigned: null,
      student: false,
    };
    this.clients.set(client.clientId, client);
    this.evict();
    return client;
  }

  /** The client `clientSecret` proves to be; throws UNKNOWN_CLIENT, CLIENT_REMOVED or NOT_YOUR_CLIENT. */
  authenticate(clientId: string, clientSecret: unknown): ClientRecord {
    const client = this.clients.get(clientId);
    if (!client) throw new UnknownClient(clientId);
    if (!sameSecret(clientSecret, client.secret)) throw new NotYourClient(clientId);
    if (client.removed) throw new ClientRemoved(clientId);
    return client;
  }

  /** Removes a client: its secret stops working. False when it is not known. */
  remove(clientId: string): boolean {
    const client = this.clients.get(clientId);
    if (!client) return false;
    client.removed = true;
    client.assigned = null;
    return true;
  }

  /** Every known client, least recently seen first. */
  list(): IterableIterator<ClientRecord> {
    return this.clients.values();
  }

  /** Round-robin: the next transport for a student that asks; a new mode starts the turn again. */
  setAssignMode(mode: AssignmentMode): number {
    this.assignMode = mode;
    this.nextAssigned = 0;
    let assigned = 0;
    for (const client of this.clients.values()) {
      client.assigned = null;
      if (mode === 'round-robin' && client.student && !client.removed) {
        client.assigned = this.nextTransport();
        assigned++;
      }
    }
    return assigned;
  }

  /** A student's transport under the current mode (given on its first ask). */
  assignmentOf(client: ClientRecord): TransportId | null {
    client.student = true;
    if (this.assignMode === 'round-robin' && client.assigned === null) client.assigned = this.nextTransport();
    return client.assigned;
  }

  private nextTransport(): TransportId {
    return TRANSPORT_IDS[this.nextAssigned++ % TRANSPORT_IDS.length]!;
  }

  get(clientId: string): ClientRecord | undefined {
    return this.clients.get(clientId);
  }

  /** Marks a client as seen; false when it is not known; CLIENT_REMOVED for a removed one. */
  touch(clientId: string): boolean {
    const client = this.clients.get(clientId);
    if (!client) return false;
    if (client.removed) throw new ClientRemoved(clientId);
    this.seen(client);
    return true;
  }

  private seen(client: ClientRecord): void {
    client.lastSeen = this.options.now();
    // Map order is last-seen order: re-inserting moves it to the end.
    this.clients.delete(client.clientId);
    this.clients.set(client.clientId, client);
  }

  /**
   * Takes one send from the client's budget and its address's (not for the
   * teacher's identities); throws RATE_LIMITED when either is spent.
   */
  takeSend(client: ClientRecord, address: string): void {
    const now = this.options.now();
    const { sendRateLimit, sendRateWindowMs, sendRateLimitPerAddress } = this.options;
    if (!client.bucket.take(now)) throw new RateLimited(sendRateLimit, sendRateWindowMs);
    if (!client.teacher && !this.sends.take(address, now)) throw new RateLimited(sendRateLimitPerAddress, sendRateWindowMs);
  }

  pin(clientId: string): () => void {
    const client = this.clients.get(clientId);
    if (!client) return () => {};
    client.pins += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      client.pins -= 1;
      this.seen(client);
    };
  }

  activeCount(): number {
    const since = this.options.now() - ACTIVE_MS;
    let n = 0;
    for (const client of this.clients.values()) if (client.pins > 0 || client.lastSeen >= since) n++;
    return n;
  }

  private evict(): void {
    if (this.clients.size <= this.options.maxClients) return;
    for (const [clientId, client] of this.clients) {
      if (client.pins > 0) continue;
      this.clients.delete(clientId);
      if (this.clients.size <= this.options.maxClients) return;
    }
  }
}
