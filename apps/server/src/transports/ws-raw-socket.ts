// The adapter between a real TCP socket and the sans-I/O WsConnection of
// packages/transports: bytes in → receiveData, events out → callbacks,
// dataToSend → socket.write. Everything about the protocol is in the core;
// DEFLATE itself is node:zlib's (@wirebench/transports/ws/zlib), handed to the core as its DeflateEngine.
import type { Socket } from 'node:net';
import { WsConnection, type Frame, type MessageDeflate } from '@wirebench/transports/ws';

// The one node:zlib adapter lives with the core; ws-raw.ts takes it from here.
export { zlibEngine } from '@wirebench/transports/ws/zlib';

export interface RawSocketOptions {
  maxMessageBytes: number;
  onFrame?: (frame: Frame, direction: 'in' | 'out') => void;
  onSent?: (encoded: Uint8Array, payload?: Uint8Array, plain?: Uint8Array) => void;
  /** permessage-deflate as negotiated for this connection. */
  deflate?: MessageDeflate;
  onInflated?: (frame: Frame, inflated: Uint8Array) => void;
  onText?: (text: string) => void;
  onBinary?: (data: Uint8Array) => void;
  onPong?: () => void;
  /** The socket took everything written (the fan-out paces streams by it). */
  onDrain?: () => void;
  /** Once, when the connection is over (code 1006 when TCP ended without a close). */
  onClose?: (code: number, reason: string) => void;
}

function uncork(ws: RawWebSocket): void {
  ws.corked = false;
  ws.socket.uncork();
}

/** After the close handshake the server ends TCP (RFC 6455 7.1.1); a peer that lingers is cut. */
const LINGER_MS = 2_000;

export class RawWebSocket {
  readonly conn: WsConnection;
  private ended = false;
  /** The socket is corked until the end of this tick. */
  corked = false;
  private closeNotified = false;
  // Reading stops while the core inflates a frame, and while the fan-out holds echoes back.
  private inputHeld = false;
  private inflateHeld = false;

  constructor(
    readonly socket: Socket,
    private readonly options: RawSocketOptions,
  ) {
    this.conn = new WsConnection({
      role: 'server',
      maxMessageBytes: options.maxMessageBytes,
      ...(options.onFrame ? { onFrame: options.onFrame } : {}),
      ...(options.onSent ? { onSent: options.onSent } : {}),
      ...(options.deflate ? { deflate: options.deflate, onWake: () => this.wake() } : {}),
      ...(options.onInflated ? { onInflated: options.onInflated } : {}),
    });
    socket.setNoDelay(true);
    socket.setTimeout(0);
    socket.on('error', () => {}); // 'close' follows; a reset peer is not our error
    // Upgraded HTTP sockets are half-open: a peer's FIN ends only its side. Nothing more can
    // arrive, so the WebSocket is over (1006 unless the close handshake already happened).
    socket.on('end', () => socket.destroy());
    socket.on('close', () => {
      this.conn.receiveEof();
      this.drain();
      this.notifyClose(this.conn.closeCode ?? 1006, this.conn.closeReason ?? '');
    });
    if (options.onDrain) socket.on('drain', options.onDrain);
  }

  /**
   * Starts reading: first the bytes that arrived with the upgrade request,
   * then the socket's. Called once the caller has wired everything the
   * callbacks use (a frame may arrive in the same packet as the handshake).
   */
  start(head: Uint8Array): void {
    if (head.length > 0) this.feed(head);
    this.socket.on('data', (chunk: Uint8Array) => this.feed(chunk));
  }

  get open(): boolean {
    return this.conn.state === 'OPEN' && !this.ended;
  }

  /** Bytes queued for the peer: in the socket, and messages still being compressed. */
  get buffered(): number {
    return this.socket.writableLength + this.conn.pendingSendBytes;
  }

  pauseInput(): void {
    this.inputHeld = true;
    this.socket.pause();
  }

  resumeInput(): void {
    this.inputHeld = false;
    if (!this.inflateHeld) this.socket.resume();
  }

  sendText(text: string): void {
    this.conn.sendText(text);
    this.flush();
  }

  sendBinary(data: Uint8Array): void {
    this.conn.sendBinary(data);
    this.flush();
  }

  /** A frame encoded once for many recipients (a broadcast). */
  sendFrame(encoded: Uint8Array): void {
    this.conn.sendFrameBytes(encoded);
    this.flush();
  }

  ping(): void {
    this.conn.ping();
    this.flush();
  }

  close(code: number, reason = ''): void {
    this.conn.close(code, reason);
    this.flush();
    // The peer has LINGER_MS to answer our close before the socket is cut.
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  /** Drops the TCP connection with no close frame, as a network failure would. */
  terminate(): void {
    this.socket.destroy();
  }

  private feed(chunk: Uint8Array): void {
    if (this.ended) return;
    this.conn.receiveData(chunk);
    this.drain();
    this.flush();
    this.holdWhileInflating();
  }

  // Compression finished something: its events and frames are taken as if bytes had arrived.
  private wake(): void {
    this.drain();
    this.flush();
    this.holdWhileInflating();
    // The fan-out paces by buffered(): bytes that left the compression queue make room.
    if (this.conn.pendingSendBytes === 0) this.options.onDrain?.();
  }

  // While a frame inflates the core keeps what arrives; the socket is not read meanwhile, so it keeps little.
  private holdWhileInflating(): void {
    const held = this.conn.inflating;
    if (held === this.inflateHeld) return;
    this.inflateHeld = held;
    if (held) this.socket.pause();
    else if (!this.inputHeld) this.socket.resume();
  }

  private drain(): void {
    // Answers to these events may be queued before a pending failure's close frame; keep taking
    // events until there are none (WsConnection.fail explains the order).
    for (let events = this.conn.events(); events.length > 0; events = this.conn.events()) this.handle(events);
  }

  private handle(events: ReturnType<WsConnection['events']>): void {
    for (const event of events) {
      switch (event.type) {
        case 'text':
          this.options.onText?.(event.data);
          break;
        case 'binary':
          this.options.onBinary?.(event.data);
          break;
        case 'pong':
          this.options.onPong?.();
          break;
        case 'close':
          this.notifyClose(event.code, event.reason);
          break;
        default:
          break; // pings are answered by the core; errors end in a close event
      }
    }
  }

  private flush(): void {
    const chunks = this.conn.dataToSend();
    if (chunks.length === 0 && !this.conn.closeExpected()) return;
    // Frames queued in the same tick (a burst of broadcasts) leave in one writev.
    if (chunks.length > 0 && !this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(uncork, this);
    }
    for (const chunk of chunks) this.socket.write(chunk);
    if (!this.ended && this.conn.closeExpected()) {
      this.ended = true;
      this.socket.end();
      setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
    }
  }

  private notifyClose(code: number, reason: string): void {
    if (this.closeNotified) return;
    this.closeNotified = true;
    this.options.onClose?.(code, reason);
  }
}
