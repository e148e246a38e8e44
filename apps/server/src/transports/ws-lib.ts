// /ws/lib (chat) and /ws/lib/echo on @fastify/websocket (the `ws` library):
// the reference beside the hand-rolled stack. Each endpoint is its own plugin
// scope with its own upgrade emitter, so the plugin only ever sees the
// upgrades http/upgrade.ts hands it (STYLE §7). Delivery, heartbeat and
// backpressure are the fan-out's, as for every transport.
import { TRANSPORTS } from '@wirebench/transports/contract';
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import type { WebSocket } from 'ws';
import type { ServerContext } from '../context.ts';
import { answerAndClose, peerAddress } from '../http/guards.ts';
import type { UpgradeParams } from '../http/upgrade.ts';
import type { Channel } from '../room/fanout.ts';
import type { Identity } from '../room/room.ts';
import { upgradeRequired } from '../routes/upgrade-required.ts';
import { answerChatFrame, binaryChatFrame, welcome } from './chat.ts';
import { RAW_COMPRESSION, wantsCompression } from './ws-raw.ts';

// permessage-deflate in `ws`, set like the hand-rolled stack's (ws-raw.ts): the same windows,
// memLevel, level, threshold and bound on concurrent zlib jobs, so the two lanes compare.
const PER_MESSAGE_DEFLATE = {
  serverMaxWindowBits: RAW_COMPRESSION.policy.serverMaxWindowBits,
  clientMaxWindowBits: RAW_COMPRESSION.policy.clientMaxWindowBits,
  zlibDeflateOptions: { memLevel: RAW_COMPRESSION.tuning.memLevel, level: RAW_COMPRESSION.tuning.level },
  threshold: RAW_COMPRESSION.tuning.minBytes,
  concurrencyLimit: RAW_COMPRESSION.concurrency,
};

interface Admitted {
  params: UpgradeParams;
  /** Chat only: the identity the room gave before the handshake was answered. */
  identity?: Identity;
}

function channelOf(socket: WebSocket, tcp: Socket): Channel {
  return {
    socket: tcp,
    write: (chunk) => socket.send(chunk),
    buffered: () => socket.bufferedAmount,
    close: (code, reason) => socket.close(code, reason),
    terminate: () => socket.terminate(),
    ping: () => socket.ping(),
    pauseInput: () => socket.pause(),
    resumeInput: () => socket.resume(),
  };
}

// The plugin's own close hook would close its sockets; the fan-out already said goodbye to every peer.
const preClose = (done: () => void): void => done();

/** The upgrade side (called by http/upgrade.ts) and the plugin (registered on the app), sharing the admitted requests. */
export function createLibWebSockets(ctx: ServerContext) {
  const { room, stats, fanout, config } = ctx;
  const buses = { chat: new EventEmitter(), echo: new EventEmitter() };
  const admitted = new WeakMap<IncomingMessage, Admitted>();

  async function upgrade(kind: 'chat' | 'echo', req: IncomingMessage, socket: Socket, head: Buffer, params: UpgradeParams): Promise<void> {
    const entry: Admitted = { params };
    if (kind === 'chat') {
      try {
        entry.identity = await room.adopt({ clientId: params.clientId, clientSecret: params.clientSecret, address: peerAddress(socket) ?? '' });
      } catch (err) {
        return answerAndClose(socket, err as Error);
      }
      if (socket.destroyed) return;
    }
    admitted.set(req, entry);
    // `ws` decides compression per server, not per request: the chat lane's server answers an
    // offer only when the URL says ?compress=1, so otherwise the offer is taken away before it
    // sees the request (the echo endpoint, like /ws/raw/echo, always answers it).
    if (kind === 'chat' && !wantsCompression(req.url)) delete req.headers['sec-websocket-extensions'];
    buses[kind].emit('upgrade', req, socket, head);
  }

  function echoHandler(socket: WebSocket, request: FastifyRequest): void {
    const tcp = request.raw.socket;
    const peer = fanout.attachEcho({ transport: null, channel: channelOf(socket, tcp), connection: false });
    tcp.on('drain', () => peer.drained());
    socket.on('pong', () => peer.alive());
    socket.on('close', () => peer.detach());
    socket.on('message', (data, isBinary) => {
      socket.send(data, { binary: isBinary });
      peer.echoed(config.wsMaxMessageBytes);
    });
  }

  function chatHandler(socket: WebSocket, request: FastifyRequest): void {
    const entry = admitted.get(request.raw);
    if (entry?.identity === undefined) return socket.terminate();
    const { identity, params } = entry;
    const { clientId } = identity;
    const tcp = request.raw.socket;
    stats.request('ws-lib', request.raw);
    stats.seen('ws-lib', clientId);
    const peer = fanout.attachStream({
      transport: 'ws-lib',
      clientId,
      channel: channelOf(socket, tcp),
      connection: true,
      form: 'json',
      after: params.after,
      epoch: params.epoch,
      greet: (head) => welcome(identity, head, config.nodeId),
    });
    const reply = (json: string): void => peer.send(json, json.length);
    const sender = { ...identity, via: 'ws-lib' as const, address: peerAddress(tcp) ?? '' };
    tcp.on('drain', () => peer.drained());
    socket.on('pong', () => peer.alive());
    socket.on('close', () => peer.detach());
    // Frames are read only once the welcome is queued, so every answer follows it.
    socket.pause();
    void peer.ready.then(() => socket.resume());
    socket.on('message', (data, isBinary) => {
      room.touch(clientId).catch(() => {}); // a removed client's socket is being closed
      stats.seen('ws-lib', clientId);
      if (isBinary) return reply(JSON.stringify(binaryChatFrame));
      void answerChatFrame(room, sender, data.toString()).then((answer) => reply(JSON.stringify(answer)));
    });
  }

  const plugin: FastifyPluginAsync = async (app) => {
    const endpoints = [
      { url: '/ws/lib/echo', bus: buses.echo, maxPayload: config.wsMaxMessageBytes, wsHandler: echoHandler },
      { url: TRANSPORTS['ws-lib'].path, bus: buses.chat, maxPayload: config.wsChatMaxBytes, wsHandler: chatHandler },
    ];
    for (const { url, bus, maxPayload, wsHandler } of endpoints) {
      await app.register(async (scope) => {
        await scope.register(websocket, { options: { server: bus as never, maxPayload, perMessageDeflate: PER_MESSAGE_DEFLATE }, preClose });
        scope.route({ method: 'GET', url, handler: upgradeRequired, wsHandler });
      });
    }
  };

  return { upgrade, plugin };
}

export type LibWebSockets = ReturnType<typeof createLibWebSockets>;
