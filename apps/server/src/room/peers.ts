// The peers of the fan-out layer (fanout.ts): one per connection or request of
// any transport. A Peer carries what every transport shares — the debug delay,
// the heartbeat, the drain clock, the goodbye — a StreamPeer pulls room
// messages by its cursor, paced by its socket, and an EchoPeer is read only
// while its echoes drain.
import type { Socket } from 'node:net';
import type { ChatMessage, TransportId } from '@wirebench/transports/contract';
import type { FanOut, WiredLesson } from './fanout.ts';
import { Outbox } from './outbox.ts';
import type { Head } from './room.ts';
import type { Chunk, WireForm, Wired } from './wire.ts';

/** What a transport gives the fan-out for one connection or request. */
export interface Channel {
  /** The TCP socket under it (the stats count its bytes). */
  readonly socket: Socket;
  write(chunk: Chunk): void;
  /** Bytes written and not yet taken by the kernel. */
  buffered(): number;
  /** A goodbye: a WebSocket close frame, the end of an SSE stream, an answer to a held poll. */
  close(code: number, reason: string): void;
  /** Gone without a goodbye, as a network failure would. */
  terminate(): void;
  /** WebSocket: a ping (the transport calls `peer.alive()` on the pong). */
  ping?(): void;
  /** SSE: a comment that keeps proxies from closing an idle stream. */
  keepAlive?(): void;
  /** Echo: stop and start reading from the peer. */
  pauseInput?(): void;
  resumeInput?(): void;
}

export interface PeerSpec {
  /** null for the echo endpoints, which the room's stats do not count. */
  transport: TransportId | null;
  clientId?: string | undefined;
  channel: Channel;
  /** Counted as an open connection in /api/stats (streams, sockets, held polls). */
  connection: boolean;
}

export interface StreamSpec extends PeerSpec {
  transport: TransportId;
  form: WireForm;
  after: number | undefined;
  epoch: string | undefined;
  /** The first chunk: the welcome or the SSE `state` event. */
  greet(head: Head & { truncated: boolean }): Chunk;
}

/** Stream pages read from the room at a time, when a peer is further behind than the recent cache. */
const REPLAY_PAGE = 256;
/** A goodbye that is not taken within this time is cut. */
const LINGER_MS = 2_000;

export class Peer {
  readonly transport: TransportId | null;
  readonly clientId: string | undefined;
  readonly channel: Channel;
  protected readonly outbox: Outbox<Chunk>;
  closed = false;
  /** A ping is out and unanswered. */
  private awaitingPong = false;
  /** Last time nothing was waiting to be written (drain timeout). */
  emptyAt: number;
  private release: () => void = () => {};

  constructor(
    protected readonly fanout: FanOut,
    spec: PeerSpec,
  ) {
    this.transport = spec.transport;
    this.clientId = spec.clientId;
    this.channel = spec.channel;
    this.emptyAt = fanout.timers.now();
    this.outbox = new Outbox<Chunk>(
      () => fanout.delay(this.clientId),
      (chunk) => this.channel.write(chunk),
      fanout.timers,
      () => this.roomMade(),
    );
  }

  /** Writes a chunk of `size` bytes, after the client's debug delay if it has one. */
  send(chunk: Chunk, size: number): void {
    if (this.closed) return;
    this.outbox.push(chunk, size);
    if (this.pending() > this.fanout.options.maxBufferedBytes) this.fanout.slowConsumer(this);
  }

  /** Bytes this peer has not taken yet: the socket's and the delay's. */
  pending(): number {
    return this.channel.buffered() + this.outbox.bytes;
  }

  /** The transport saw the socket drain. */
  drained(): void {
    this.emptyAt = this.fanout.timers.now();
    this.roomMade();
  }

  /** The transport saw a pong. */
  alive(): void {
    this.awaitingPong = false;
  }

  /** Ends the peer with a goodbye (the connection closes later; detach then). */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.outbox.clear();
    this.channel.close(code, reason);
    this.fanout.timers.setTimeout(() => this.channel.terminate(), LINGER_MS);
  }

  /** The transport's connection or request is over: forget everything about it. */
  detach(): void {
    this.closed = true;
    this.outbox.clear();
    this.release();
    this.fanout.forget(this);
  }

  /** @internal the fan-out's bookkeeping to undo on detach. */
  onDetach(release: () => void): void {
    this.release = release;
  }

  /** @internal the heartbeat: false when the previous ping went unanswered. */
  heartbeat(): boolean {
    if (!this.channel.ping) return true;
    if (this.awaitingPong) return false;
    this.awaitingPong = true;
    this.channel.ping();
    return true;
  }

  /** Called when bytes left (a drain, a delayed chunk written): a stream may go on. */
  protected roomMade(): void {}
}

/**
 * A peer that pulls room messages by its cursor: greeting first, then the
 * replay or the history, then every live message, paced by its socket.
 */
export class StreamPeer extends Peer {
  private readonly form: WireForm;
  private readonly epoch: string | undefined;
  /** The last seq sent to this peer. */
  private cursor = 0;
  /** 'starting' until the greeting is out; 'replay' until it first reaches the room's head. */
  private mode: 'starting' | 'replay' | 'live' = 'starting';
  /** Stopped until the socket takes what waits. */
  private waiting = false;
  private page: ChatMessage[] = [];
  private pageIndex = 0;
  private fetching = false;
  private pumping = false;
  /** A lesson signal that came while the greeting was not out yet. */
  private lessonWaiting: WiredLesson | undefined;
  /** Settles once the greeting is queued: read from the peer only then, so every answer follows it. */
  ready: Promise<void> = Promise.resolve();

  constructor(fanout: FanOut, spec: StreamSpec) {
    super(fanout, spec);
    this.form = spec.form;
    this.epoch = spec.epoch;
  }

  async start(spec: StreamSpec): Promise<void> {
    const first = await this.fanout.room.since(spec.after, { epoch: spec.epoch, pageSize: REPLAY_PAGE });
    if (this.closed) return;
    const greeting = spec.greet({ lastSeq: first.lastSeq, epoch: first.epoch, truncated: first.truncated });
    this.send(greeting, greeting.length);
    // Another epoch or a cursor above lastSeq: nothing to replay; the client starts again.
    this.cursor = first.ahead ? first.lastSeq : (first.messages[0]?.seq ?? first.lastSeq + 1) - 1;
    this.page = first.ahead ? [] : first.messages;
    this.mode = 'replay';
    // What the class sees now, before the replay: a page opened mid-lesson shows the step at once.
    const lesson = this.lessonWaiting ?? this.fanout.runningLesson;
    this.lessonWaiting = undefined;
    if (lesson) this.signal(lesson);
    this.pump();
  }

  /**
   * A lesson signal: not a room message (no seq, not counted as delivered), but it takes the
   * peer's way out like one, so a debug delay delays it too. Before the greeting, the latest
   * one waits for it.
   */
  signal(lesson: WiredLesson): void {
    if (this.closed) return;
    if (this.mode === 'starting') {
      this.lessonWaiting = lesson;
      return;
    }
    const chunk = lesson.form(this.form);
    this.send(chunk, typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
  }

  // #region stream-pull
  /** A message was just stored. */
  offer(wired: Wired): void {
    if (this.closed || this.mode !== 'live') return; // a replay reads it from the cache in its turn
    const seq = wired.message.seq;
    if (!this.waiting && seq === this.cursor + 1) {
      this.deliver(wired);
      if (this.pending() >= this.fanout.highWater) this.waiting = true;
      return;
    }
    if (this.pending() + this.fanout.offsets.between(this.cursor, seq) > this.fanout.options.maxBufferedBytes) {
      this.fanout.slowConsumer(this);
    }
  }

  protected override roomMade(): void {
    if (!this.waiting || this.closed || this.pending() >= this.fanout.highWater) return;
    this.waiting = false;
    this.pump();
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && !this.fetching) {
        if (this.pending() >= this.fanout.highWater) {
          this.waiting = true;
          return;
        }
        let next: Wired | undefined;
        if (this.pageIndex < this.page.length) {
          next = this.fanout.cache.of(this.page[this.pageIndex++]!);
          if (next.message.seq <= this.cursor) continue;
        } else if (this.cursor >= this.fanout.lastSeq) {
          this.mode = 'live';
          this.page = [];
          this.pageIndex = 0;
          return;
        } else {
          next = this.fanout.cache.get(this.cursor + 1);
          if (!next) {
            this.fetch().catch(() => this.close(1011, 'internal error'));
            return;
          }
        }
        this.deliver(next);
      }
    } finally {
      this.pumping = false;
    }
  }
  // #endregion stream-pull

  /** The next page from the room, for a peer further behind than the recent cache. */
  private async fetch(): Promise<void> {
    this.fetching = true;
    let answer;
    try {
      answer = await this.fanout.room.since(this.cursor, { epoch: this.epoch, pageSize: REPLAY_PAGE });
    } finally {
      this.fetching = false;
    }
    if (this.closed) return;
    // It fell out of the retained window (or the room started again) while catching up.
    if (answer.truncated || answer.ahead) return this.fanout.slowConsumer(this);
    this.page = answer.messages;
    this.pageIndex = 0;
    this.pump();
  }

  private deliver(wired: Wired): void {
    this.cursor = wired.message.seq;
    this.send(wired.form(this.form), wired.bytes);
    this.fanout.stats.delivered(this.transport!);
  }
}

/** An echo endpoint's peer: not fed by the room, but bounded the same way. */
export class EchoPeer extends Peer {
  private paused = false;

  /** After each echo: stop reading while it waits; drop it past one message plus the buffer bound. */
  echoed(maxMessageBytes: number): void {
    const pending = this.pending();
    if (pending > this.fanout.options.maxBufferedBytes + maxMessageBytes) return this.fanout.slowConsumer(this);
    if (pending >= this.fanout.highWater && !this.paused) {
      this.paused = true;
      this.channel.pauseInput?.();
    }
  }

  protected override roomMade(): void {
    if (this.paused && !this.closed && this.pending() < this.fanout.highWater) {
      this.paused = false;
      this.channel.resumeInput?.();
    }
  }
}
