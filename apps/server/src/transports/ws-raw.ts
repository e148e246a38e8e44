// /ws/raw (chat) and /ws/raw/echo on the hand-rolled RFC 6455 stack. The
// upgrade was validated by http/upgrade.ts; this file wires each socket to the
// core (ws-raw-socket.ts), the fan-out and the inspector.
import { encodeFrame, OPCODES } from '@wirebench/transports/ws';
import { acceptSteps } from '@wirebench/transports/ws/handshake';
import type { ServerContext } from '../context.ts';
import { answerAndClose, peerAddress } from '../http/guards.ts';
import type { UpgradeRequest } from '../http/upgrade.ts';
import type { Channel } from '../room/fanout.ts';
import type { Identity } from '../room/room.ts';
import { answerChatFrame, binaryChatFrame, welcome } from './chat.ts';
import { RawWebSocket } from './ws-raw-socket.ts';

const textEncoder = new TextEncoder();

type RawUpgrade = UpgradeRequest;

const headerPairs = (raw: string[]): Array<[string, string]> => {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
};

function channelOf(ws: RawWebSocket): Channel {
  const { socket } = ws;
  return {
    socket,
    write: (chunk) => (typeof chunk === 'string' ? ws.sendText(chunk) : ws.sendFrame(chunk)),
    buffered: () => socket.writableLength,
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
    ping: () => ws.ping(),
    pauseInput: () => socket.pause(),
    resumeInput: () => socket.resume(),
  };
}

export function createRawWebSocketServer(ctx: ServerContext) {
  const { room, stats, fanout, config, inspector } = ctx;

  function echo(up: RawUpgrade): void {
    up.socket.write(up.response);
    const ws: RawWebSocket = new RawWebSocket(up.socket, {
      maxMessageBytes: config.wsMaxMessageBytes,
      onText: (text) => {
        ws.sendText(text);
        peer.echoed(config.wsMaxMessageBytes);
      },
      onBinary: (data) => {
        ws.sendBinary(data);
        peer.echoed(config.wsMaxMessageBytes);
      },
      onPong: () => peer.alive(),
      onDrain: () => peer.drained(),
      onClose: () => peer.detach(),
    });
    const peer = fanout.attachEcho({ transport: null, channel: channelOf(ws), connection: false });
    ws.start(up.head);
  }

  async function chat(up: RawUpgrade): Promise<void> {
    const { req, socket, params } = up;
    const address = peerAddress(socket) ?? '';
    let identity: Identity;
    try {
      identity = await room.adopt({ clientId: params.clientId, clientSecret: params.clientSecret, address });
    } catch (err) {
      // The room said no (too many new identities from this address): an HTTP error, never a WebSocket.
      return answerAndClose(socket, err as Error);
    }
    if (socket.destroyed) return;
    const { clientId } = identity;
    stats.request('ws-raw', req);
    stats.seen('ws-raw', clientId);
    const { method, url, httpVersion, rawHeaders } = req;
    const { key, responseHeaders } = up;
    const connectionId = inspector.open(clientId, () => ({
      request: { method: method!, url: url!, httpVersion, headers: headerPairs(rawHeaders) },
      response: { status: 101, headers: responseHeaders },
      accept: acceptSteps(key),
    }), identity.clientSecret);

    socket.write(up.response);
    const sender = { ...identity, via: 'ws-raw' as const, address };
    const ws: RawWebSocket = new RawWebSocket(socket, {
      maxMessageBytes: config.wsChatMaxBytes,
      onFrame: (frame) => inspector.received(connectionId, frame),
      onSent: (encoded, payload) => inspector.sent(connectionId, encoded, payload),
      onText: (text) => {
        room.touch(clientId).catch(() => {}); // a removed client's socket is being closed
        stats.seen('ws-raw', clientId);
        void answerChatFrame(room, sender, text).then((answer) => reply(JSON.stringify(answer)));
      },
      onBinary: () => reply(JSON.stringify(binaryChatFrame)),
      onPong: () => peer.alive(),
      onDrain: () => peer.drained(),
      onClose: (code, reason) => {
        inspector.close(connectionId, code, reason);
        peer.detach();
      },
    });
    const peer = fanout.attachStream({
      transport: 'ws-raw',
      clientId,
      channel: channelOf(ws),
      connection: true,
      form: 'frame',
      after: params.after,
      epoch: params.epoch,
      greet: (head) => encodeFrame({ opcode: OPCODES.TEXT, payload: textEncoder.encode(welcome(identity, head)) }),
    });
    // Answers take the peer's way out, behind the welcome and any debug delay.
    const reply = (json: string): void => peer.send(json, json.length);
    void peer.ready.then(() => ws.start(up.head));
  }

  return {
    upgrade(kind: 'chat' | 'echo', up: RawUpgrade): void {
      if (kind === 'chat') void chat(up).catch(() => up.socket.destroy());
      else echo(up);
    },
  };
}

export type RawWebSocketServer = ReturnType<typeof createRawWebSocketServer>;
