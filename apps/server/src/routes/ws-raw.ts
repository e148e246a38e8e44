// /ws/raw (chat) and /ws/raw/echo on the hand-rolled RFC 6455 stack. The
// upgrade is dispatched here by http/upgrade.ts after the handshake was
// validated; this file wires sockets, the room and the inspector together.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { ChatMessage } from '@wirebench/transports/contract';
import { encodeFrame, OPCODES } from '@wirebench/transports/ws';
import { acceptSteps } from '@wirebench/transports/ws/handshake';
import { Outbox } from '../room/delivery.ts';
import { answerChatFrame, binaryChatFrame, greeting } from './chat-session.ts';
import type { Deps } from './deps.ts';
import { RawWebSocket } from './ws-raw-socket.ts';

const textEncoder = new TextEncoder();

export interface RawUpgrade {
  req: IncomingMessage;
  socket: Socket;
  head: Uint8Array;
  key: string;
  response: Uint8Array;
  responseHeaders: Array<[string, string]>;
  clientId: string | undefined;
  after: number | undefined;
}

interface ChatPeer {
  ws: RawWebSocket;
  outbox: Outbox<Uint8Array>;
}

const headerPairs = (raw: string[]): Array<[string, string]> => {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
};

export function createRawWebSocketServer(deps: Deps) {
  const { room, stats, controls, config, inspector } = deps;
  const all = new Set<RawWebSocket>();
  const chat = new Set<ChatPeer>();

  // Fan-out: each message is serialised and framed once, and the same bytes go to every
  // peer. The newest frames are kept, so a newcomer's history reuses them too.
  const recentFrames = new Map<number, Uint8Array>();
  const frameOf = (message: ChatMessage): Uint8Array =>
    recentFrames.get(message.seq) ?? encodeFrame({ opcode: OPCODES.TEXT, payload: textEncoder.encode(JSON.stringify(message)) });
  const unsubscribe = room.subscribe((message) => {
    const frame = frameOf(message);
    recentFrames.set(message.seq, frame);
    if (recentFrames.size > config.historyLimit) recentFrames.delete(recentFrames.keys().next().value!);
    for (const peer of chat) peer.outbox.push(frame);
  });

  // Heartbeat: a ping every heartbeatMs; a peer that has not answered the previous one is ended.
  const heartbeat = setInterval(() => {
    for (const ws of all) {
      if (ws.awaitingPong) ws.terminate();
      else if (ws.open) ws.ping();
    }
  }, config.heartbeatMs);
  heartbeat.unref();

  function track(ws: RawWebSocket): void {
    all.add(ws);
    ws.socket.once('close', () => all.delete(ws));
  }

  function echo(up: RawUpgrade): void {
    up.socket.write(up.response);
    const ws: RawWebSocket = new RawWebSocket(up.socket, up.head, {
      maxMessageBytes: config.wsMaxMessageBytes,
      // An echo peer may have one maximum-size message in each direction in flight.
      maxBufferedBytes: 2 * config.wsMaxMessageBytes + config.wsMaxBufferedBytes,
      onText: (text) => ws.sendText(text),
      onBinary: (data) => ws.sendBinary(data),
    });
    track(ws);
  }

  function chatConnection(up: RawUpgrade): void {
    const { req, socket } = up;
    const clientId = room.adopt(up.clientId);
    stats.request('ws-raw', req);
    stats.seen('ws-raw', clientId);
    const untrack = stats.track('ws-raw', socket, true, clientId);
    const { method, url, httpVersion, rawHeaders } = req;
    const { key, responseHeaders } = up;
    const connectionId = inspector.open(clientId, () => ({
      request: { method: method!, url: url!, httpVersion, headers: headerPairs(rawHeaders) },
      response: { status: 101, headers: responseHeaders },
      accept: acceptSteps(key),
    }));

    socket.write(up.response);
    let peer: ChatPeer | undefined;
    const ws: RawWebSocket = new RawWebSocket(socket, new Uint8Array(0), {
      maxMessageBytes: config.wsChatMaxBytes,
      maxBufferedBytes: config.wsMaxBufferedBytes,
      onFrame: (frame) => inspector.received(connectionId, frame),
      onSent: (encoded, payload) => inspector.sent(connectionId, encoded, payload),
      onText: (text) => {
        room.touch(clientId);
        stats.seen('ws-raw', clientId);
        ws.sendText(JSON.stringify(answerChatFrame(room, clientId, 'ws-raw', text)));
      },
      onBinary: () => ws.sendText(JSON.stringify(binaryChatFrame)),
      onClose: (code, reason) => {
        inspector.close(connectionId, code, reason);
        if (peer) chat.delete(peer);
        peer?.outbox.clear();
        unregisterCut();
        untrack();
      },
    });
    track(ws);
    const unregisterCut = controls.onCut(clientId, () => ws.terminate());

    const { welcome, messages } = greeting(room, clientId, up.after);
    ws.sendText(JSON.stringify(welcome));
    peer = {
      ws,
      outbox: new Outbox<Uint8Array>(
        () => controls.delay(clientId),
        (frame) => {
          stats.delivered('ws-raw');
          ws.sendFrame(frame);
        },
      ),
    };
    for (const message of messages) peer.outbox.push(frameOf(message));
    if (ws.open) chat.add(peer);
    if (up.head.length > 0) ws.feed(up.head);
  }

  return {
    upgrade(kind: 'chat' | 'echo', up: RawUpgrade): void {
      if (kind === 'chat') chatConnection(up);
      else echo(up);
    },
    /** Server shutdown: 1001 to every peer. */
    shutdown(): void {
      unsubscribe();
      clearInterval(heartbeat);
      for (const ws of all) ws.close(1001, 'server shutting down');
    },
    get size(): number {
      return all.size;
    },
  };
}

export type RawWebSocketServer = ReturnType<typeof createRawWebSocketServer>;
