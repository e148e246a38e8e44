// The chat client over WebSocket: one class for both server stacks, `/ws/raw`
// (the hand-rolled RFC 6455 code) and `/ws/lib` (the `ws` library).
// One socket carries everything: welcome, history or replay, live messages, sends and acks.
// A reconnect keeps the identity by presenting `?clientId=&clientSecret=` (CONTRACT v2);
// the handshake's WireRecord shows that URL with the secret redacted.
import { DEFAULTS, TRANSPORTS, type ServerChatFrame, type SendFrame, type WelcomeFrame } from '../contract.ts';
import { BaseClient } from './base.ts';
import { CLIENT_ERROR_CODES, SHUT_OUT_CODES } from './errors.ts';
import type { RecordHandle } from './records.ts';
import { redactUrl } from './redact.ts';
import { buildUrl } from './request.ts';
import { MAX_REJOINS_PER_SEND, sendVerdict, type QueuedSend } from './send-queue.ts';
import type { ClientOptions } from './types.ts';
import { utf8Length, wsFrameHeaderBytes, wsHandshakeRequestBytes, wsHandshakeResponseBytes } from './wire.ts';

export type WebSocketTransportId = 'ws-raw' | 'ws-lib';

export const WS_PATHS: Readonly<Record<WebSocketTransportId, string>> = Object.freeze({
  'ws-raw': TRANSPORTS['ws-raw'].path,
  'ws-lib': TRANSPORTS['ws-lib'].path,
});

/** RFC 6455 7.4.1: 1000 is a normal closure. Client-chosen codes live in 4000-4999. */
const CLOSE_NORMAL = 1000;
const CLOSE_CUT = 4000;
/**
 * 7.4.1: "1008 indicates that an endpoint is terminating the connection because it has
 * received a message that violates its policy." The server says which policy in the reason.
 */
const CLOSE_POLICY = 1008;
const REASON_REMOVED = 'removed';
const OPEN = 1;

export class WebSocketClient extends BaseClient {
  readonly path: string;
  private socket: WebSocket | null = null;
  private handshake: RecordHandle | null = null;
  /** The current socket's handshake record, kept after it ended: the welcome names its node. */
  private opening: RecordHandle | null = null;
  private welcomed = false;
  /** clientMsgIds written on the current socket, oldest first; the server answers each once, in order. */
  private awaiting: string[] = [];
  private rateLimitAttempt = 0;
  /** UNKNOWN_CLIENT answers since the last ack. */
  private rejoins = 0;

  constructor(transport: WebSocketTransportId, options: ClientOptions = {}) {
    super(transport, options);
    this.path = WS_PATHS[transport];
  }

  protected openChannel(): void {
    const generation = this.generation;
    const WebSocketCtor = this.opts.WebSocket;
    const url = buildUrl(this.opts.baseUrl.replace(/^http/, 'ws'), this.path, {
      clientId: this.clientId ?? undefined,
      clientSecret: this.clientId === null ? undefined : (this.clientSecret ?? undefined),
      ...this.cursor.query(),
      compress: this.opts.compress ? 1 : undefined,
    });
    const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
    this.welcomed = false;
    this.awaiting = [];
    const handshake = this.records.begin({
      kind: 'ws-handshake',
      method: 'GET',
      url: redactUrl(url),
      headerBytesUp: wsHandshakeRequestBytes(url, origin),
      estimated: true,
    });
    this.handshake = handshake;
    this.opening = handshake;
    if (!WebSocketCtor) {
      this.records.end(handshake, { error: 'no WebSocket implementation' });
      this.handshake = null;
      this.lost(CLIENT_ERROR_CODES.network, 'no WebSocket implementation available', generation);
      return;
    }
    let socket: WebSocket;
    try {
      socket = new WebSocketCtor(url.href);
    } catch (error) {
      this.records.end(handshake, { error: String(error) });
      this.handshake = null;
      this.lost(CLIENT_ERROR_CODES.network, String(error), generation);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (generation !== this.generation || this.handshake === null) return;
      this.records.end(this.handshake, { status: 101, headerBytesDown: wsHandshakeResponseBytes() });
      this.handshake = null;
      // RFC 6455 4.1: the extensions in use are those of the server's Sec-WebSocket-Extensions.
      this.extensions = socket.extensions ?? '';
      this.changed();
    };
    socket.onmessage = (event: MessageEvent) => {
      if (generation !== this.generation) return;
      this.onFrame(event.data, generation);
    };
    socket.onerror = () => {
      if (generation !== this.generation) return;
      this.dropped('WebSocket error', generation);
    };
    socket.onclose = (event: CloseEvent) => {
      if (generation !== this.generation) return;
      if (event.code === CLOSE_POLICY && event.reason === REASON_REMOVED) {
        this.shutOut(SHUT_OUT_CODES.removed, 'the teacher removed this client (close 1008 removed)');
        return;
      }
      this.dropped(`WebSocket closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`, generation);
    };
  }

  private dropped(message: string, generation: number): void {
    if (this.handshake === null) {
      this.lost(CLIENT_ERROR_CODES.network, message, generation);
      return;
    }
    // Closed before the handshake completed: refused (a removed client, a locked room) or unreachable.
    this.records.end(this.handshake, { error: message });
    this.handshake = null;
    this.refusedBeforeOpen(message, generation);
  }

  protected closeChannel(clean: boolean): void {
    const socket = this.socket;
    this.socket = null;
    this.welcomed = false;
    this.awaiting = [];
    this.sends.clearHold();
    this.opening = null;
    this.records.servedBy(undefined);
    if (this.extensions !== '') {
      this.extensions = '';
      this.changed();
    }
    if (this.handshake !== null) {
      // Ended by this client (pause, close, cut(), a restart) before the server answered.
      this.records.end(this.handshake, { aborted: true });
      this.handshake = null;
    }
    if (socket === null) return;
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    // Keep a listener: an EventEmitter-based socket (the `ws` library in Node) throws an
    // 'error' it cannot deliver, and closing a socket still connecting raises one.
    socket.onerror = ignore;
    if (clean) {
      if (socket.readyState === OPEN) {
        // 5.5.1: a close frame from the client carries a 2-byte status code.
        this.records.instant({
          kind: 'ws-frame-out',
          headerBytesUp: wsFrameHeaderBytes(2, true),
          payloadBytesUp: 2,
        });
      }
      socket.close(CLOSE_NORMAL);
      return;
    }
    // A network failure sends no close frame. A browser cannot drop a socket that way,
    // so it closes with a private code; the `ws` library (Node) can terminate().
    const terminate = (socket as unknown as { terminate?: () => void }).terminate;
    if (typeof terminate === 'function') terminate.call(socket);
    else socket.close(CLOSE_CUT, 'cut');
  }

  protected flushSends(): void {
    const socket = this.socket;
    if (this.lifecycle.state !== 'open' || socket === null || !this.welcomed || this.sends.held) return;
    if (socket.readyState !== OPEN) return;
    for (const item of this.sends.toWrite()) {
      if (item.done || item.state !== 'queued') continue;
      const frame: SendFrame = { type: 'send', text: item.text, clientMsgId: item.clientMsgId };
      if (item.name !== undefined) frame.name = item.name;
      const json = JSON.stringify(frame);
      const length = utf8Length(json);
      if (length > DEFAULTS.wsChatMaxBytes) {
        // The server would close with 1009 and the resend would loop; refuse it here.
        this.fail('BODY_TOO_LARGE', `send frame of ${length} bytes exceeds ${DEFAULTS.wsChatMaxBytes}`);
        this.sends.remove(item);
        continue;
      }
      socket.send(json);
      item.state = 'sent';
      this.awaiting.push(item.clientMsgId);
      this.records.instant({
        kind: 'ws-frame-out',
        headerBytesUp: wsFrameHeaderBytes(length, true),
        payloadBytesUp: length,
      });
    }
  }

  private onFrame(data: unknown, generation: number): void {
    if (typeof data !== 'string') {
      this.records.instant({ kind: 'ws-frame-in', error: 'binary frame' });
      this.fail(CLIENT_ERROR_CODES.badFrame, 'binary frame on the chat socket');
      return;
    }
    const length = utf8Length(data);
    let frame: ServerChatFrame;
    try {
      frame = JSON.parse(data) as ServerChatFrame;
      // The welcome names the process serving this socket: its record and the handshake's carry it.
      if (frame?.type === 'welcome' && typeof frame.node === 'string') this.records.servedBy(frame.node, this.opening);
    } catch {
      this.records.instant({
        kind: 'ws-frame-in',
        headerBytesDown: wsFrameHeaderBytes(length, false),
        payloadBytesDown: length,
        error: 'invalid JSON',
      });
      this.fail(CLIENT_ERROR_CODES.badFrame, 'chat frame is not JSON');
      return;
    }
    this.records.instant({
      kind: 'ws-frame-in',
      headerBytesDown: wsFrameHeaderBytes(length, false),
      payloadBytesDown: length,
      messages: frame.type === 'message' ? 1 : 0,
    });
    switch (frame.type) {
      case 'welcome':
        this.onWelcome(frame, generation);
        break;
      case 'message':
        this.cursor.deliver([frame]);
        break;
      case 'ack':
        this.onAck(frame.clientMsgId, frame.seq);
        break;
      case 'error':
        this.onErrorFrame(frame.code, frame.message);
        break;
      case 'lesson':
        // Not a chat message: handed on as the `lesson` event, the socket goes on.
        this.lessonSignal(frame);
        break;
      default:
        this.fail(CLIENT_ERROR_CODES.badFrame, `unknown frame type ${String((frame as { type?: unknown }).type)}`);
    }
  }

  private onWelcome(welcome: WelcomeFrame, generation: number): void {
    if (!this.cursor.judge(welcome)) {
      // Asked for after=N in another epoch (or above the room): this socket replays nothing
      // of the new room. Reconnect without the old id and follow the new room from seq 1.
      this.followNewRoom();
      return;
    }
    if (welcome.lastSeq === 0) this.cursor.startAt(0); // an empty room: no history to wait for
    this.joined(welcome.clientId, welcome.clientSecret, welcome.lastSeq);
    this.welcomed = true;
    this.opened(generation);
  }

  private onAck(clientMsgId: string | null, seq: number): void {
    const index = clientMsgId === null ? -1 : this.awaiting.indexOf(clientMsgId);
    if (index >= 0) this.awaiting.splice(index, 1);
    const item = this.sends.find(clientMsgId);
    if (item === undefined) return;
    this.rateLimitAttempt = 0;
    this.rejoins = 0;
    this.acked(item, seq);
  }

  private onErrorFrame(code: string, message: string): void {
    if (code === SHUT_OUT_CODES.removed) {
      this.shutOut(code, message);
      return;
    }
    this.fail(code, message);
    const id = this.awaiting.shift();
    const item = id === undefined ? undefined : this.sends.find(id);
    if (item === undefined) return;
    this.refused(item, code);
  }

  private refused(item: QueuedSend, code: string): void {
    switch (sendVerdict(undefined, code)) {
      case 'retry-later':
        item.state = 'queued';
        this.sends.hold(this.retryDelay(this.rateLimitAttempt++), () => this.flushSends());
        break;
      case 'drop':
        this.sends.remove(item);
        break;
      case 'rejoin':
        // CONTRACT: "A WebSocket client that is told UNKNOWN_CLIENT rejoins and resends."
        // A socket without the forgotten id gets a new identity; after its welcome every
        // unacknowledged send goes again with its clientMsgId (the channel's end queued them).
        this.forgetIdentity();
        if (++this.rejoins > MAX_REJOINS_PER_SEND) {
          this.lost(code, 'the server keeps refusing this client');
          return;
        }
        this.restartChannel();
        break;
      default:
        // Not something a resend fixes over this socket; drop it.
        this.sends.remove(item);
    }
  }
}

function ignore(): void {}
