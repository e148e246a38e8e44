// The client's lifecycle, run from the table (lifecycle-table.ts): `fire(event)` looks up
// the row, runs its action and enters its state. The action's first half runs in the old
// state (tear down, report a failure), then the state changes, then the second half (open
// a channel, start a timer, report a shut-out). It also owns what reconnecting needs: the
// channel generation, the backoffs, the reconnect timer, and the wait for the answer to
// "why was I refused?".
import { Backoff } from './backoff.ts';
import {
  CLIENT_STATE_STATUS,
  isStopped,
  transition,
  type ClientAction,
  type ClientEvent,
  type ClientState,
} from './lifecycle-table.ts';
import type { ResolvedOptions } from './options.ts';
import type { ClientStatus } from './types.ts';

/** What the client does for its lifecycle; the lifecycle decides when. */
export interface LifecycleHost {
  /** Open the channel for the current generation. */
  openChannel(): void;
  /** Tear the channel down. `clean`: a deliberate stop (pause, close, restart), not a failure. */
  endChannel(clean: boolean): void;
  flushSends(): void;
  fail(code: string, message: string): void;
  statusChanged(status: ClientStatus): void;
  /** The reconnect count changed. */
  changed(): void;
  /** Removed: the secret and the unsent sends go. */
  forgetForGood(): void;
}

/** What came with an event: the error for lost, refused, cut and the shut-outs; for refused, the question to ask. */
export interface EventDetail {
  code: string;
  message: string;
  /** Asks why a socket or stream was refused; the reconnect waits for it. Never rejects. */
  ask?: () => Promise<void>;
}

interface Action {
  /** Runs in the old state. */
  leave?: (detail: EventDetail | undefined) => void;
  /** Runs once the new state is entered. */
  arrive?: (detail: EventDetail | undefined) => void;
}

export class Lifecycle {
  private current: ClientState = 'idle';
  /**
   * Bumped whenever a channel is opened or torn down. Callbacks capture it and ignore
   * themselves when it has moved on, so a late answer of an aborted request or a closed
   * socket never touches the current state.
   */
  private gen = 0;
  private count = 0;
  private readonly backoff: Backoff;
  /** Paces new rooms found close together (an epoch flipping between processes), see newRoom. */
  private readonly newRoomBackoff: Backoff;
  private lastNewRoomAt = -Infinity;
  private reconnectTimer: unknown = null;
  /** Set while the client asks the server why a socket or stream was refused; reconnects wait for it. */
  private standingCheck: Promise<void> | null = null;
  private readonly actions: Record<Exclude<ClientAction, 'ignore'>, Action>;

  constructor(
    private readonly opts: ResolvedOptions,
    private readonly host: LifecycleHost,
  ) {
    this.backoff = new Backoff(opts.backoff, opts.random);
    this.newRoomBackoff = new Backoff(opts.backoff, opts.random);
    const report = (d: EventDetail | undefined): void => {
      if (d) host.fail(d.code, d.message);
    };
    const failed: Action = {
      leave: (d) => {
        this.endChannel(false);
        report(d);
      },
      arrive: () => this.scheduleReconnect(this.backoff.next()),
    };
    const stop = (): void => {
      this.clearReconnectTimer();
      this.endChannel(true);
    };
    this.actions = {
      'open the channel': { arrive: () => this.startChannel() },
      'reset the backoff; open the channel': { leave: () => this.backoff.reset(), arrive: () => this.startChannel() },
      'reset the backoff; write the queued sends': { leave: () => this.backoff.reset(), arrive: () => host.flushSends() },
      'end the channel as failed; report the error; wait the next backoff step': failed,
      'end the channel as failed; report it; ask the server why; wait the backoff step and the answer': {
        leave: failed.leave,
        arrive: (d) => {
          failed.arrive!(d);
          if (d?.ask) this.waitFor(d.ask());
        },
      },
      'count a reconnect; open the channel': {
        leave: () => {
          this.count += 1;
          host.changed();
        },
        arrive: () => this.startChannel(),
      },
      // The channel stays: it reconnects on its own (an EventSource sends Last-Event-ID then).
      'count a reconnect; report the error; let the channel reconnect by itself': {
        leave: (d) => {
          this.count += 1;
          host.changed();
          report(d);
        },
      },
      'end the channel; open it again at once': { leave: () => this.endChannel(true), arrive: () => this.startChannel() },
      'end the channel; wait the next new-room backoff step': {
        leave: () => this.endChannel(true),
        arrive: () => this.scheduleReconnect(this.newRoomBackoff.next()),
      },
      'stop the timer; end the channel': { leave: stop },
      'stop the timer; end the channel; drop the secret and the unsent sends; report CLIENT_REMOVED': {
        leave: () => {
          stop();
          host.forgetForGood();
        },
        arrive: report,
      },
      'stop the timer; end the channel; report ROOM_LOCKED': { leave: stop, arrive: report },
    };
  }

  get state(): ClientState {
    return this.current;
  }

  get status(): ClientStatus {
    return CLIENT_STATE_STATUS[this.current];
  }

  get generation(): number {
    return this.gen;
  }

  /** Reconnects after a failure (the backoff timer ran out). */
  get reconnects(): number {
    return this.count;
  }

  /** No channel is wanted now: not started, paused, shut out or closed. */
  stopped(): boolean {
    return isStopped(this.current);
  }

  /** A callback of `generation` may still act. */
  isCurrent(generation: number): boolean {
    return generation === this.gen && !this.stopped();
  }

  /** Runs the table's row for `event` in the current state; false when the row says 'ignore'. */
  fire(event: ClientEvent, detail?: EventDetail): boolean {
    const from = this.current;
    const row = transition(from, event);
    if (row.action === 'ignore') return false;
    const action = this.actions[row.action];
    action.leave?.(detail);
    // A listener of what `leave` reported may have moved the client already (closed it from
    // an error event, say): that transition stands.
    if (this.current !== from) return true;
    this.current = row.to;
    if (CLIENT_STATE_STATUS[from] !== CLIENT_STATE_STATUS[row.to]) this.host.statusChanged(CLIENT_STATE_STATUS[row.to]);
    action.arrive?.(detail);
    return true;
  }

  /**
   * A new room found on the channel: start again at once. New rooms found close together
   * mean the epoch keeps changing (processes that do not share a room): those wait a
   * growing backoff instead of rejoining in a loop.
   */
  newRoom(): void {
    const at = this.opts.now();
    const again = at - this.lastNewRoomAt < this.opts.backoff.maxMs;
    this.lastNewRoomAt = at;
    if (again) {
      this.fire('restart again');
      return;
    }
    this.newRoomBackoff.reset();
    this.fire('restart');
  }

  private startChannel(): void {
    this.gen += 1;
    this.host.openChannel();
  }

  private endChannel(clean: boolean): void {
    this.gen += 1;
    this.host.endChannel(clean);
  }

  private scheduleReconnect(delay: number): void {
    this.clearReconnectTimer();
    const generation = this.gen;
    const reconnect = (): void => {
      if (generation === this.gen) this.fire('retry');
    };
    this.reconnectTimer = this.opts.setTimeout(() => {
      this.reconnectTimer = null;
      if (this.standingCheck === null) reconnect();
      else void this.standingCheck.then(reconnect);
    }, delay);
  }

  private clearReconnectTimer(): void {
    if (this.reconnectTimer !== null) {
      this.opts.clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
  }

  private waitFor(check: Promise<void>): void {
    this.standingCheck = check;
    void check.finally(() => {
      if (this.standingCheck === check) this.standingCheck = null;
    });
  }
}
