// Every WebSocket upgrade arrives here first. The handshake is validated once
// for both stacks (the request-target, the Host and origin rules, RFC 6455
// 4.2.1, the URL parameters); a valid one goes to the hand-rolled server
// (/ws/raw…) or to the @fastify/websocket scope that owns the path (/ws/lib…).
import { TRANSPORTS } from '@wirebench/transports/contract';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { parseCursor, parseEpoch } from '@wirebench/transports/polling';
import { encodeHttpError, validateUpgrade } from '@wirebench/transports/ws/handshake';
import type { AppConfig } from '../config.ts';
import { HostNotAllowed, InvalidCursor, InvalidQuery, InvalidRequest } from '../errors.ts';
import { answerAndClose, answeredAtEdge } from './guards.ts';
import { hostPolicy } from './host.ts';
import { originAllowed } from './origin.ts';

/** Where valid handshakes go: the dispatcher calls these and imports no transport. */
export interface UpgradeTargets {
  /** The hand-rolled stack writes the 101 answer itself (`response`). */
  raw: { upgrade(kind: 'chat' | 'echo', up: UpgradeRequest): void };
  /** The `ws` library answers the handshake itself, from the request. */
  lib: { upgrade(kind: 'chat' | 'echo', req: IncomingMessage, socket: Socket, head: Buffer, params: UpgradeParams): Promise<void> };
}

/** The chat URL parameters, parsed once for both stacks. */
export interface UpgradeParams {
  after?: number;
  epoch?: string;
  clientId?: string;
  clientSecret?: string;
}

/** A validated upgrade, as the hand-rolled stack receives it. */
export interface UpgradeRequest {
  req: IncomingMessage;
  socket: Socket;
  head: Uint8Array;
  key: string;
  /** The 101 answer, not yet written. */
  response: Uint8Array;
  responseHeaders: Array<[string, string]>;
  params: UpgradeParams;
}

const paramsOfRequest = new WeakMap<IncomingMessage, UpgradeParams>();

/** The parameters the dispatcher parsed for this upgrade (for the ws-lib side); empty if it never saw it. */
export function upgradeParamsOf(req: IncomingMessage): UpgradeParams {
  return paramsOfRequest.get(req) ?? {};
}

const ROUTES = {
  [TRANSPORTS['ws-raw'].path]: 'raw-chat',
  '/ws/raw/echo': 'raw-echo',
  [TRANSPORTS['ws-lib'].path]: 'lib-chat',
  '/ws/lib/echo': 'lib-echo',
} as const;

/**
 * RFC 9112 3.2.1 "origin-form = absolute-path [ "?" query ]": the only form a WebSocket
 * handshake uses (RFC 6455 4.1 "/resource name/"). Anything else (an absolute URI, "*",
 * a path starting with "//") is null.
 */
export function requestTarget(url: string | undefined): { path: string; query: string } | null {
  if (url === undefined || url[0] !== '/' || url[1] === '/') return null;
  const at = url.indexOf('?');
  return at < 0 ? { path: url, query: '' } : { path: url.slice(0, at), query: url.slice(at + 1) };
}

const ID_MAX = 200;

/** The chat parameters: each at most once; `after` and `epoch` as cursors, ids of 1–200 characters. */
export function parseUpgradeParams(query: string): { ok: true; params: UpgradeParams } | { ok: false; error: Error } {
  const search = new URLSearchParams(query);
  const params: UpgradeParams = {};
  const after = search.getAll('after');
  if (after.length > 1) return { ok: false, error: new InvalidCursor('after must be given at most once') };
  const cursor = parseCursor(after[0]);
  if (!cursor.ok) return { ok: false, error: new InvalidCursor(cursor.message) };
  if (cursor.value !== undefined) params.after = cursor.value;
  const epochs = search.getAll('epoch');
  const epoch = parseEpoch(epochs.length > 1 ? epochs : epochs[0]);
  if (!epoch.ok) return { ok: false, error: new InvalidCursor(epoch.message) };
  if (epoch.value !== undefined) params.epoch = epoch.value;
  for (const name of ['clientId', 'clientSecret'] as const) {
    const values = search.getAll(name);
    if (values.length > 1) return { ok: false, error: new InvalidQuery(`${name} must be given at most once`) };
    const value = values[0];
    if (value === undefined) continue;
    if (value.length < 1 || value.length > ID_MAX) {
      return { ok: false, error: new InvalidQuery(`${name} must be 1 to ${ID_MAX} characters`) };
    }
    params[name] = value;
  }
  return { ok: true, params };
}

/** One line about a failure nobody expected; the logger of the app when given. */
export interface UpgradeLog {
  error(details: object, message: string): void;
}

const consoleLog: UpgradeLog = {
  error: (details, message) => console.error(`wirebench: ${message}`, details),
};

export function installUpgradeDispatcher(
  server: Server,
  config: AppConfig,
  lifecycle: { closing: boolean },
  targets: UpgradeTargets,
  log: UpgradeLog = consoleLog,
): void {
  const hosts = hostPolicy(config.allowedHosts);

  function dispatch(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    // Refused when it connected (too many connections from its address): already answered.
    if (answeredAtEdge(socket)) return;
    if (lifecycle.closing) {
      answerAndClose(socket, encodeHttpError(503, 'SHUTTING_DOWN', 'the server is shutting down'));
      return;
    }
    const target = requestTarget(req.url);
    if (target === null) {
      answerAndClose(socket, new InvalidRequest('request-target is not a valid path'));
      return;
    }
    const host = req.headers.host;
    if (host !== undefined && host !== '' && !hosts.allowed(host)) {
      answerAndClose(socket, new HostNotAllowed(host));
      return;
    }
    const route = ROUTES[target.path as keyof typeof ROUTES];
    if (route === undefined) {
      answerAndClose(socket, encodeHttpError(404, 'NOT_FOUND', `no WebSocket endpoint at ${target.path}`));
      return;
    }
    const handshake = validateUpgrade({ method: req.method ?? '', httpVersion: req.httpVersion, headers: req.headers }, {
      isOriginAllowed: (origin, host) => originAllowed(origin, host, config.allowedOrigins),
    });
    if (!handshake.ok) {
      answerAndClose(socket, handshake.response);
      return;
    }
    const parsed = parseUpgradeParams(target.query);
    if (!parsed.ok) {
      answerAndClose(socket, parsed.error);
      return;
    }
    const { params } = parsed;
    paramsOfRequest.set(req, params);
    switch (route) {
      case 'raw-chat':
      case 'raw-echo': {
        const up: UpgradeRequest = {
          req,
          socket: socket as Socket,
          head,
          key: handshake.key,
          response: handshake.response,
          responseHeaders: handshake.responseHeaders,
          params,
        };
        targets.raw.upgrade(route === 'raw-chat' ? 'chat' : 'echo', up);
        return;
      }
      case 'lib-chat':
      case 'lib-echo':
        void targets.lib.upgrade(route === 'lib-chat' ? 'chat' : 'echo', req, socket as Socket, head, params).catch(() => socket.destroy());
        return;
    }
  }

  // No request may make the process exit: whatever slips through ends this one connection.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      dispatch(req, socket, head);
    } catch (err) {
      socket.destroy();
      // The path only: the query may carry a clientSecret.
      log.error({ err, path: req.url?.split('?')[0]?.slice(0, 200) }, 'upgrade failed; connection dropped');
    }
  });
}
