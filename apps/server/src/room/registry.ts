// The clients a room knows: names, activity, the per-client send budget, and
// the per-address budgets for new identities and for sends. Bounded: beyond
// `maxClients` the least recently seen client is forgotten — never one that
// is pinned by an open WebSocket or SSE stream.
import { randomUUID } from 'node:crypto';
import { JoinRateLimited, RateLimited } from '../errors.ts';
import { KeyedBuckets, TokenBucket } from './rate-limit.ts';

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
  name: string;
  address: string;
  lastSeen: number;
  bucket: TokenBucket;
  /** Open streams keeping the client known. */
  pins: number;
}

const ACTIVE_MS = 60_000;

export class ClientRegistry {
  /** In last-seen order, least recent first (a Map keeps insertion order; touch re-inserts). */
  private readonly clients = new Map<string, ClientRecord>();
  private readonly joins: KeyedBuckets;
  private readonly sends: KeyedBuckets;
  private readonly newId: () => string;

  constructor(private readonly options: RegistryOptions) {
    this.joins = new KeyedBuckets(options.joinRateLimit, options.joinRateWindowMs);
    this.sends = new KeyedBuckets(options.sendRateLimitPerAddress, options.sendRateWindowMs);
    this.newId = options.newId ?? randomUUID;
  }

  get size(): number {
    return this.clients.size;
  }

  /** A new identity from `address`; throws RATE_LIMITED past the address's budget of new identities. */
  register(name: string, address: string): string {
    const now = this.options.now();
    if (!this.joins.take(address, now)) {
      throw new JoinRateLimited(this.options.joinRateLimit, Math.round(this.options.joinRateWindowMs / 1000));
    }
    const clientId = this.newId();
    const { sendRateLimit, sendRateWindowMs } = this.options;
    this.clients.set(clientId, { name, address, lastSeen: now, bucket: new TokenBucket(sendRateLimit, sendRateWindowMs, now), pins: 0 });
    this.evict();
    return clientId;
  }

  get(clientId: string): ClientRecord | undefined {
    return this.clients.get(clientId);
  }

  /** Marks a client as seen; false when it is not known. */
  touch(clientId: string): boolean {
    const client = this.clients.get(clientId);
    if (!client) return false;
    client.lastSeen = this.options.now();
    this.clients.delete(clientId);
    this.clients.set(clientId, client);
    return true;
  }

  /** Takes one send from the client's budget and its address's; throws RATE_LIMITED when either is spent. */
  takeSend(client: ClientRecord, address: string): void {
    const now = this.options.now();
    const { sendRateLimit, sendRateWindowMs, sendRateLimitPerAddress } = this.options;
    if (!client.bucket.take(now)) throw new RateLimited(sendRateLimit, sendRateWindowMs);
    if (!this.sends.take(address, now)) throw new RateLimited(sendRateLimitPerAddress, sendRateWindowMs);
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
      this.touch(clientId);
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
