// /ws/raw (chat) and /ws/raw/echo on the hand-rolled RFC 6455 stack. The
// upgrade was validated by http/upgrade.ts; this file wires each socket to the
// core (ws-raw-socket.ts), the fan-out and the inspector.
import { DEFLATE_DEFAULTS, MessageDeflate, WorkQueue, encodeFrame, negotiateDeflate, OPCODES, type DeflatePolicy, type DeflateTuning } from '@wirebench/transports/ws';
import { acceptSteps, encodeSwitchingProtocols } from '@wirebench/transports/ws/handshake';
import type { ServerContext } from '../context.ts';
import { answerAndClose, peerAddress } from '../http/guards.ts';
import type { UpgradeRequest } from '../http/upgrade.ts';
import type { Channel } from '../room/fanout.ts';
import type { Identity } from '../room/room.ts';
import { answerChatFrame, binaryChatFrame, welcome } from './chat.ts';
import { RawWebSocket, zlibEngine } from './ws-raw-socket.ts';

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
    buffered: () => ws.buffered,
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate(),
    ping: () => ws.ping(),
    pauseInput: () => ws.pauseInput(),
    resumeInput: () => ws.resumeInput(),
  };
}

// #region compression-options
/**
 * permessage-deflate on the hand-rolled endpoints: always offered back on /ws/raw/echo, and on
 * /ws/raw (chat) when the URL asks for it with `?compress=1`, so a compressed and a plain lane
 * can run side by side. The defaults are the core's (DEFLATE_DEFAULTS, measured in
 * docs/12-compression.md).
 */
export interface RawCompressionOptions {
  policy: DeflatePolicy;
  tuning: DeflateTuning;
  /** zlib jobs running at once, across every connection of this server. */
  concurrency: number;
}

export const RAW_COMPRESSION: RawCompressionOptions = {
  policy: { serverMaxWindowBits: DEFLATE_DEFAULTS.serverMaxWindowBits, clientMaxWindowBits: DEFLATE_DEFAULTS.clientMaxWindowBits },
  tuning: { memLevel: DEFLATE_DEFAULTS.memLevel, level: DEFLATE_DEFAULTS.level, minBytes: DEFLATE_DEFAULTS.minBytes },
  concurrency: DEFLATE_DEFAULTS.concurrency,
};

/** The chat URL's switch: `?compress=1` (given once); anything else leaves the lane plain. */
export function wantsCompression(url: string | undefined): boolean {
  const at = url?.indexOf('?') ?? -1;
  if (at < 0) return false;
  const values = new URLSearchParams(url!.slice(at + 1)).getAll('compress');
  return values.length === 1 && values[0] === '1';
}
// #endregion compression-options

export function createRawWebSocketServer(ctx: ServerContext, compression: RawCompressionOptions = RAW_COMPRESSION) {
  const { room, stats, fanout, config, inspector } = ctx;
  const queue = new WorkQueue(compression.concurrency);

  // #region answer-offer
  /** The 101 answer and this connection's compression: the client's offer answered, or the plain answer. */
  function handshake(up: RawUpgrade, compress: boolean): { response: Uint8Array; headers: Array<[string, string]>; deflate?: MessageDeflate } {
    const offer = up.req.headers['sec-websocket-extensions'];
    const agreed = compress ? negotiateDeflate(Array.isArray(offer) ? offer.join(', ') : offer, compression.policy).accepted : null;
    if (agreed === null) return { response: up.response, headers: up.responseHeaders };
    const headers: Array<[string, string]> = [...up.responseHeaders, ['Sec-WebSocket-Extensions', agreed.header]];
    const deflate = new MessageDeflate(agreed.params, 'server', zlibEngine, queue, compression.tuning);
    return { response: encodeSwitchingProtocols(headers), headers, deflate };
  }
  // #endregion answer-offer

  function echo(up: RawUpgrade): void {
    const { response, deflate } = handshake(up, true);
    up.socket.write(response);
    const ws: RawWebSocket = new RawWebSocket(up.socket, {
      maxMessageBytes: config.wsMaxMessageBytes,
      ...(deflate ? { deflate } : {}),
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
    const { key } = up;
    const { response, headers: responseHeaders, deflate } = handshake(up, wantsCompression(url));
    const connectionId = inspector.open(clientId, () => ({
      request: { method: method!, url: url!, httpVersion, headers: headerPairs(rawHeaders) },
      response: { status: 101, headers: responseHeaders },
      accept: acceptSteps(key),
    }), identity.clientSecret);

    socket.write(response);
    const sender = { ...identity, via: 'ws-raw' as const, address };
    const ws: RawWebSocket = new RawWebSocket(socket, {
      maxMessageBytes: config.wsChatMaxBytes,
      ...(deflate ? { deflate } : {}),
      onFrame: (frame) => inspector.received(connectionId, frame),
      onSent: (encoded, payload, plain) => inspector.sent(connectionId, encoded, payload, plain),
      onInflated: (frame, inflated) => inspector.inflated(connectionId, frame, inflated),
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
      // A compressed lane compresses every message for itself (its own LZ77 window), so it
      // takes the JSON text; a plain lane takes the frame encoded once for every peer.
      form: deflate ? 'json' : 'frame',
      after: params.after,
      epoch: params.epoch,
      greet: (head) => (deflate ? welcome(identity, head, config.nodeId) : encodeFrame({ opcode: OPCODES.TEXT, payload: textEncoder.encode(welcome(identity, head, config.nodeId)) })),
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
