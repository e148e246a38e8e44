// The edge: what one peer's connections may cost before any route runs.
// CONTRACT v2 "what no peer can do to the others": a request must arrive in
// time, connections per address are bounded, malformed HTTP gets the same
// JSON errors as everything else, and only hosts this server answers to are
// served (DNS rebinding).
import { maxHeaderSize, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyHttpOptions, FastifyInstance, FastifyReply } from 'fastify';
import { encodeHttpError } from '@wirebench/transports/ws/handshake';
import type { AppConfig } from '../config.ts';
import {
  HeadersTooLarge,
  HostNotAllowed,
  InvalidRequest,
  RequestTimeout,
  TooManyConnections,
  toWireError,
} from '../errors.ts';
import { hostPolicy } from './host.ts';

/** How long a peer that never reads may keep a socket we have answered and ended. */
const LINGER_MS = 1_000;

// Sockets the edge has already answered (and is closing): nothing else may answer on them.
const answered = new WeakSet<Duplex>();

/** Writes one error answer (JSON, `Connection: close`), ends the socket and destroys it soon after. */
export function answerAndClose(socket: Duplex, error: Error | Uint8Array): void {
  answered.add(socket);
  let bytes: Uint8Array;
  if (error instanceof Uint8Array) bytes = error;
  else {
    const wire = toWireError(error);
    bytes = encodeHttpError(wire.statusCode, wire.code, wire.message);
  }
  socket.end(bytes);
  // A peer that never reads the answer is not kept around.
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/** Has the edge already answered on this socket (a refused connection, a timed-out request)? */
export function answeredAtEdge(socket: Duplex): boolean {
  return answered.has(socket);
}

/** The address a peer is counted under: IPv4 peers of a dual-stack listener arrive as ::ffff:a.b.c.d. */
export function peerAddress(socket: Pick<Socket, 'remoteAddress'>): string | undefined {
  const address = socket.remoteAddress;
  return address?.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Node's request timers and the malformed-HTTP answer, as fastify options (given at creation).
 * Node's `requestTimeout` covers the head and the body; a request that has fully arrived (a held
 * long poll, an open event stream) is no longer checked.
 */
export function edgeServerOptions(
  config: AppConfig,
): Pick<FastifyHttpOptions<Server>, 'requestTimeout' | 'http' | 'clientErrorHandler' | 'frameworkErrors'> {
  const limit = config.requestTimeoutMs;
  return {
    requestTimeout: limit,
    http: {
      requestTimeout: limit,
      headersTimeout: limit,
      // How often Node looks for late requests: the 408 comes at most this long after the limit.
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(limit / 10))),
      // An HTTP/1.1 request without Host gets our JSON 400 (installEdgeGuards), not Node's empty one.
      requireHostHeader: false,
    },
    clientErrorHandler(this: FastifyInstance, err, socket) {
      if (socket.destroyed || answered.has(socket)) return;
      const inFlight = (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage;
      const error = clientError(err.code, limit);
      // As Node itself does: an answer already under way must not be corrupted by a second one.
      if (error === undefined || !socket.writable || inFlight?.headersSent) {
        socket.destroy();
        return;
      }
      this.log.debug({ reason: err.code }, error.message);
      answerAndClose(socket, error);
    },
    // A request-target the router cannot decode (GET /%zz): the same JSON as every other error.
    frameworkErrors(err, _request, reply) {
      const message = err.code === 'FST_ERR_BAD_URL' ? 'request-target is not a valid path' : err.message;
      void (reply as FastifyReply).code(400).send({ error: { code: 'INVALID_REQUEST', message } });
    },
  };
}

/** Node's client errors as our answers; undefined for a failed connection (nothing to answer). */
function clientError(code: string, requestTimeoutMs: number): Error | undefined {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new RequestTimeout(requestTimeoutMs);
  if (code === 'HPE_HEADER_OVERFLOW') return new HeadersTooLarge(maxHeaderSize);
  if (code.startsWith('HPE_')) return new InvalidRequest(`malformed HTTP request (${code})`);
  return undefined;
}

export interface EdgeGuards {
  /** Live TCP connections from this remote address. */
  connectionsFrom(address: string): number;
  /** Addresses with at least one live connection (the map never keeps an address at 0). */
  readonly addresses: number;
}

/**
 * Installs the Host check (before the origin check: call it first) and the per-address
 * connection bound. The answers to late and malformed requests come from edgeServerOptions.
 */
export function installEdgeGuards(
  app: FastifyInstance,
  config: AppConfig,
  /** Addresses the bound does not apply to (the teacher's: CONTRACT v2 never locks the teacher out). */
  exempt: (address: string) => boolean = () => false,
): EdgeGuards {
  const hosts = hostPolicy(config.allowedHosts);
  const live = new Map<string, number>();

  app.server.on('connection', (socket: Socket) => {
    const address = peerAddress(socket);
    if (address === undefined) return;
    const count = (live.get(address) ?? 0) + 1;
    live.set(address, count);
    socket.once('close', () => {
      const left = (live.get(address) ?? 1) - 1;
      if (left === 0) live.delete(address);
      else live.set(address, left);
    });
    if (count > config.maxConnectionsPerAddress && !exempt(address)) answerAndClose(socket, new TooManyConnections(address));
  });

  app.addHook('onRequest', async (request, reply) => {
    // The answer went out when the connection (or its late request) was refused.
    if (answered.has(request.raw.socket)) {
      reply.hijack();
      return;
    }
    const host = request.headers.host;
    if (host === undefined || host === '') {
      // RFC 9112 3.2 "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request
      // message that lacks a Host header field"
      if (request.raw.httpVersion === '1.0') return;
      throw new InvalidRequest('the Host header is missing');
    }
    if (!hosts.allowed(host)) throw new HostNotAllowed(host);
  });
  // A request body that completed after its 408 went out never reaches a handler.
  app.addHook('preValidation', async (request, reply) => {
    if (answered.has(request.raw.socket)) reply.hijack();
  });

  return {
    connectionsFrom: (address) => live.get(address) ?? 0,
    get addresses() {
      return live.size;
    },
  };
}
