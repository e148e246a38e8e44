// Per-transport counters of GET /api/stats, counted on the wire: request
// bytes are the request line, headers and body as received; response bytes
// are what the socket wrote while the request, stream or WebSocket owned it.
import type { Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { TRANSPORT_IDS, type StatsResponse, type TransportId, type TransportStats } from '@wirebench/transports/contract';

const ACTIVE_MS = 60_000;

interface Tracked {
  transport: TransportId;
  socket: Socket;
  readBase: number;
  writeBase: number;
  /** Counted as a connection while tracked (streams, sockets, held polls). */
  connection: boolean;
  clientId: string | undefined;
}

// app.inject()'s stand-in socket counts nothing: read it as 0 rather than NaN.
const bytesRead = (socket: Socket): number => socket.bytesRead ?? 0;
const bytesWritten = (socket: Socket): number => socket.bytesWritten ?? 0;

/** Bytes of the request head as it came over the wire, plus the declared body. */
export function requestBytes(req: IncomingMessage): number {
  let n = req.method!.length + 1 + req.url!.length + 1 + 8 + 2; // "GET /x HTTP/1.1\r\n"
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) n += raw[i]!.length + 2 + raw[i + 1]!.length + 2;
  n += 2;
  const length = Number(req.headers['content-length'] ?? 0);
  return n + (Number.isFinite(length) ? length : 0);
}

export class Stats {
  private readonly totals = Object.fromEntries(
    TRANSPORT_IDS.map((id) => [id, { connections: 0, requests: 0, bytesIn: 0, bytesOut: 0, delivered: 0, clients: 0, slowConsumers: 0 }]),
  ) as Record<TransportId, TransportStats>;
  private readonly live = new Set<Tracked>();
  /** Per transport: clientId → when it last used the transport. */
  private readonly seenAt = Object.fromEntries(TRANSPORT_IDS.map((id) => [id, new Map<string, number>()])) as Record<
    TransportId,
    Map<string, number>
  >;

  constructor(private readonly now: () => number = Date.now) {}

  /** A client used a transport (for the classroom panel's per-transport head count). */
  seen(transport: TransportId, clientId: string | undefined): void {
    if (clientId === undefined) return;
    const map = this.seenAt[transport];
    const now = this.now();
    map.delete(clientId); // keep the map in last-seen order
    map.set(clientId, now);
    // Oldest first: what was not seen for a minute is forgotten here too, so the map
    // stays as small as the last minute's clients even when nobody asks for stats.
    for (const [oldest, at] of map) {
      if (at >= now - ACTIVE_MS) break;
      map.delete(oldest);
    }
  }

  /** The transports a client used in the last minute. */
  recentTransports(clientId: string): TransportId[] {
    const since = this.now() - ACTIVE_MS;
    return TRANSPORT_IDS.filter((id) => (this.seenAt[id].get(clientId) ?? -Infinity) >= since);
  }

  /** One HTTP request, WebSocket handshake or SSE stream opening. */
  request(transport: TransportId, req: IncomingMessage): void {
    const t = this.totals[transport];
    t.requests += 1;
    t.bytesIn += requestBytes(req);
  }

  slowConsumer(transport: TransportId): void {
    this.totals[transport].slowConsumers += 1;
  }

  delivered(transport: TransportId, count = 1): void {
    this.totals[transport].delivered += count;
  }

  /**
   * Counts what `socket` reads and writes from now until the returned
   * function is called. `connection` also counts it as an open connection.
   */
  track(transport: TransportId, socket: Socket, connection: boolean, clientId?: string): () => void {
    const tracked: Tracked = {
      transport,
      socket,
      readBase: bytesRead(socket),
      writeBase: bytesWritten(socket),
      connection,
      clientId,
    };
    this.live.add(tracked);
    return () => {
      if (!this.live.delete(tracked)) return;
      const t = this.totals[transport];
      t.bytesIn += bytesRead(socket) - tracked.readBase;
      t.bytesOut += bytesWritten(socket) - tracked.writeBase;
    };
  }

  connections(transport: TransportId): number {
    let n = 0;
    for (const tracked of this.live) if (tracked.connection && tracked.transport === transport) n++;
    return n;
  }

  snapshot(room: StatsResponse['room']): StatsResponse {
    const transports = {} as Record<TransportId, TransportStats>;
    const since = this.now() - ACTIVE_MS;
    for (const id of TRANSPORT_IDS) {
      const map = this.seenAt[id];
      // Oldest first: forget those not seen for a minute, count the rest.
      for (const [clientId, at] of map) {
        if (at >= since) break;
        map.delete(clientId);
      }
      transports[id] = { ...this.totals[id], connections: 0, clients: map.size };
    }
    // A client with an open connection counts even when it has been quiet for a minute.
    const quietButConnected = new Set<string>();
    for (const tracked of this.live) {
      const t = transports[tracked.transport];
      if (tracked.connection) t.connections += 1;
      const { clientId } = tracked;
      if (tracked.connection && clientId !== undefined && !this.seenAt[tracked.transport].has(clientId)) {
        const key = `${tracked.transport}\n${clientId}`;
        if (!quietButConnected.has(key)) {
          quietButConnected.add(key);
          t.clients += 1;
        }
      }
      t.bytesIn += bytesRead(tracked.socket) - tracked.readBase;
      t.bytesOut += bytesWritten(tracked.socket) - tracked.writeBase;
    }
    return { transports, room };
  }
}
