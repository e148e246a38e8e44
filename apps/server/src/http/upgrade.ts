// Every WebSocket upgrade arrives here first. The handshake is validated once
// for both stacks (RFC 6455 4.2.1, the contract's origin rule, the cursor);
// a valid one goes to the hand-rolled server (/ws/raw…) or to the
// @fastify/websocket scope that owns the path (/ws/lib…).
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { parseCursor } from '@wirebench/transports/polling';
import { encodeHttpError, validateUpgrade } from '@wirebench/transports/ws/handshake';
import type { AppConfig } from '../config.ts';
import type { RawWebSocketServer } from '../routes/ws-raw.ts';
import { originAllowed } from './origin.ts';

export interface UpgradeTargets {
  raw: RawWebSocketServer;
  libChat: EventEmitter;
  libEcho: EventEmitter;
}

const ROUTES = {
  '/ws/raw': 'raw-chat',
  '/ws/raw/echo': 'raw-echo',
  '/ws/lib': 'lib-chat',
  '/ws/lib/echo': 'lib-echo',
} as const;

function refuse(socket: Duplex, response: Uint8Array): void {
  socket.end(response);
  // A client that never reads the answer is not kept around.
  setTimeout(() => socket.destroy(), 1_000).unref();
}

export function installUpgradeDispatcher(
  server: Server,
  config: AppConfig,
  lifecycle: { closing: boolean },
  targets: UpgradeTargets,
): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (lifecycle.closing) {
      refuse(socket, encodeHttpError(503, 'SHUTTING_DOWN', 'the server is shutting down'));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://upgrade.invalid');
    const route = ROUTES[url.pathname as keyof typeof ROUTES];
    if (route === undefined) {
      refuse(socket, encodeHttpError(404, 'NOT_FOUND', `no WebSocket endpoint at ${url.pathname}`));
      return;
    }
    const handshake = validateUpgrade({ method: req.method ?? '', httpVersion: req.httpVersion, headers: req.headers }, {
      isOriginAllowed: (origin, host) => originAllowed(origin, host, config.allowedOrigins),
    });
    if (!handshake.ok) {
      refuse(socket, handshake.response);
      return;
    }
    const after = parseCursor(url.searchParams.get('after') ?? undefined);
    if (!after.ok) {
      refuse(socket, encodeHttpError(400, 'INVALID_CURSOR', after.message));
      return;
    }
    switch (route) {
      case 'raw-chat':
      case 'raw-echo':
        targets.raw.upgrade(route === 'raw-chat' ? 'chat' : 'echo', {
          req,
          socket: socket as Socket,
          head,
          key: handshake.key,
          response: handshake.response,
          responseHeaders: handshake.responseHeaders,
          clientId: url.searchParams.get('clientId') ?? undefined,
          after: after.value,
        });
        return;
      case 'lib-chat':
        targets.libChat.emit('upgrade', req, socket, head);
        return;
      case 'lib-echo':
        targets.libEcho.emit('upgrade', req, socket, head);
        return;
    }
  });
}
