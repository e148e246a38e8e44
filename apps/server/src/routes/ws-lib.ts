// /ws/lib (chat) and /ws/lib/echo on @fastify/websocket (the `ws` library):
// the reference beside the hand-rolled stack. Each endpoint is its own
// plugin scope with its own upgrade emitter, so the plugin only ever sees the
// upgrades http/upgrade.ts hands it (STYLE §7).
import type { EventEmitter } from 'node:events';
import type { FastifyPluginAsync, FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import { parseCursor } from '@wirebench/transports/polling';
import { Outbox } from '../room/delivery.ts';
import { answerChatFrame, binaryChatFrame, greeting } from './chat-session.ts';
import type { Deps } from './deps.ts';
import { upgradeRequired } from './upgrade-required.ts';

export interface WsLibOptions extends Deps {
  chatBus: EventEmitter;
  echoBus: EventEmitter;
}

interface Query {
  clientId?: string;
  after?: string;
}

/** Pings every heartbeatMs; a socket that did not answer the previous ping is terminated. */
function heartbeat(scope: FastifyInstance, ms: number): void {
  const alive = new WeakMap<WebSocket, boolean>();
  scope.websocketServer.on('connection', (socket: WebSocket) => {
    alive.set(socket, true);
    socket.on('pong', () => alive.set(socket, true));
  });
  const timer = setInterval(() => {
    for (const socket of scope.websocketServer.clients) {
      if (alive.get(socket) === false) socket.terminate();
      else {
        alive.set(socket, false);
        socket.ping();
      }
    }
  }, ms);
  timer.unref();
  scope.addHook('onClose', async () => clearInterval(timer));
}

function preClose(this: FastifyInstance, done: () => void): void {
  for (const client of this.websocketServer.clients) client.close(1001, 'server shutting down');
  done();
}

export const wsLibRoutes: FastifyPluginAsync<WsLibOptions> = async (app, deps) => {
  const { room, stats, controls, config } = deps;

  await app.register(async (scope) => {
    await scope.register(websocket, { options: { server: deps.echoBus as never, maxPayload: config.wsMaxMessageBytes }, preClose });
    heartbeat(scope, config.heartbeatMs);
    scope.route({
      method: 'GET',
      url: '/ws/lib/echo',
      handler: upgradeRequired,
      wsHandler: (socket) => {
        socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
      },
    });
  });

  await app.register(async (scope) => {
    await scope.register(websocket, { options: { server: deps.chatBus as never, maxPayload: config.wsChatMaxBytes }, preClose });
    heartbeat(scope, config.heartbeatMs);
    const peers = new Set<Outbox<string>>();
    const unsubscribe = room.subscribe((message) => {
      const json = JSON.stringify(message);
      for (const outbox of peers) outbox.push(json);
    });
    scope.addHook('onClose', async () => unsubscribe());

    scope.route<{ Querystring: Query }>({
      method: 'GET',
      url: '/ws/lib',
      handler: upgradeRequired,
      wsHandler: (socket, request) => {
        const clientId = room.adopt(request.query.clientId);
        const cursor = parseCursor(request.query.after); // validated by the dispatcher
        stats.request('ws-lib', request.raw);
        stats.seen('ws-lib', clientId);
        const untrack = stats.track('ws-lib', request.raw.socket, true, clientId);
        const outbox = new Outbox<string>(
          () => controls.delay(clientId),
          (json) => {
            stats.delivered('ws-lib');
            socket.send(json);
          },
        );
        const unregisterCut = controls.onCut(clientId, () => socket.terminate());
        socket.on('close', () => {
          peers.delete(outbox);
          outbox.clear();
          unregisterCut();
          untrack();
        });
        socket.on('message', (data, isBinary) => {
          room.touch(clientId);
          stats.seen('ws-lib', clientId);
          const answer = isBinary ? binaryChatFrame : answerChatFrame(room, clientId, 'ws-lib', data.toString());
          socket.send(JSON.stringify(answer));
        });

        const { welcome, messages } = greeting(room, clientId, cursor.ok ? cursor.value : undefined);
        socket.send(JSON.stringify(welcome));
        for (const message of messages) outbox.push(JSON.stringify(message));
        peers.add(outbox);
      },
    });
  });
};
