// FanOut.restart (#14): a room whose store lost its data starts again under a new epoch while
// the process runs. What the fan-out kept of the old numbering must not leak into the new one:
// a message another process stored under seq 1 before this one's follower heard of it is
// answered as itself, never as the old room's seq 1 from the cache.
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FanOut, systemTimers, type Channel } from '../../src/room/fanout.ts';
import { MemoryRoom } from '../../src/room/memory-room.ts';
import type { Room } from '../../src/room/room.ts';
import { Stats } from '../../src/room/stats.ts';
import type { Chunk } from '../../src/room/wire.ts';

const roomOptions = (epoch: string) => ({
  historyLimit: 100,
  retainLimit: 1_000,
  maxTextLength: 2_000,
  sendRateLimit: 1e9,
  sendRateWindowMs: 10_000,
  sendRateLimitPerAddress: 1e9,
  joinRateLimit: 1e9,
  joinRateWindowMs: 60_000,
  maxClients: 1_000,
  epoch,
});

/** A room whose store is swapped for an empty one, as a Redis that restarted without its data. */
class RestartingRoom {
  current = new MemoryRoom(roomOptions('old'));
  private readonly listeners = new Set<(epoch: string) => void>();
  private readonly messageListeners = new Set<Parameters<Room['subscribe']>[0]>();
  private unsubscribe = this.follow();

  get head() {
    return this.current.head;
  }
  since: Room['since'] = (after, options) => this.current.since(after, options);
  pin: Room['pin'] = () => () => {};
  subscribe: Room['subscribe'] = (listener) => {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  };
  onRestart: Room['onRestart'] = (listener) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The data is gone; `follow` false plays a follower that has not heard of the new room's messages yet. */
  restart(follow: boolean): void {
    this.unsubscribe();
    this.current = new MemoryRoom(roomOptions('new'));
    this.unsubscribe = follow ? this.follow() : () => {};
    for (const listener of this.listeners) listener('new');
  }

  async post(text: string): Promise<void> {
    const { clientId, clientSecret } = await this.current.join({ address: 'a' });
    await this.current.send({ clientId, clientSecret, text, via: 'short-poll', address: 'a' });
  }

  private follow(): () => void {
    return this.current.subscribe((m) => {
      for (const listener of this.messageListeners) listener(m);
    });
  }
}

class FakeChannel implements Channel {
  readonly socket = { bytesRead: 0, bytesWritten: 0 } as unknown as Socket;
  chunks: Chunk[] = [];
  closed: [number, string] | null = null;
  write(chunk: Chunk): void {
    this.chunks.push(chunk);
  }
  buffered(): number {
    return 0;
  }
  close(code: number, reason: string): void {
    this.closed = [code, reason];
  }
  terminate(): void {}
}

const fanOutOptions = {
  maxBufferedBytes: 64 * 1024,
  drainTimeoutMs: 30_000,
  heartbeatMs: 30_000,
  sseHeartbeatMs: 15_000,
  historyLimit: 100,
  retainLimit: 1_000,
  maxAnswerBytes: 64 * 1024,
};

describe('FanOut.restart', () => {
  it('closes streams with 1012, tells its listeners, forgets the old numbering: no stale message in a poll answer', async () => {
    const room = new RestartingRoom();
    const fanout = new FanOut(room as unknown as Room, new Stats(), fanOutOptions, systemTimers);
    try {
      for (const text of ['old 0', 'old 1', 'old 2']) await room.post(text);
      expect(fanout.lastSeq).toBe(3);
      expect(JSON.parse((await fanout.pollAnswer(0, 'old')).json).messages.map((m: { text: string }) => m.text)).toEqual(['old 0', 'old 1', 'old 2']);
      const channel = new FakeChannel();
      const stream = fanout.attachStream({ transport: 'ws-lib', channel, connection: true, form: 'json', after: 3, epoch: 'old', greet: () => '{"type":"welcome"}' });
      await stream.ready;
      let told = 0;
      fanout.onRestart(() => told++);

      room.restart(false);
      expect(channel.closed).toEqual([1012, 'room restarted']);
      expect(told).toBe(1);
      expect(fanout.lastSeq).toBe(0);

      // Stored by another process; this process's follower has not handed it on yet.
      await room.post('new 0');
      const answer = JSON.parse((await fanout.pollAnswer(0, 'new')).json);
      expect(answer).toMatchObject({ lastSeq: 1, epoch: 'new' });
      expect(answer.messages.map((m: { text: string }) => m.text)).toEqual(['new 0']);
    } finally {
      fanout.shutdown();
    }
  });

  it('after the restart, the new room is fanned out from seq 1 to a new stream', async () => {
    const room = new RestartingRoom();
    const fanout = new FanOut(room as unknown as Room, new Stats(), fanOutOptions, systemTimers);
    try {
      for (const text of ['old 0', 'old 1']) await room.post(text);
      room.restart(true);
      const channel = new FakeChannel();
      const stream = fanout.attachStream({ transport: 'ws-lib', channel, connection: true, form: 'json', after: 0, epoch: 'new', greet: () => '{"type":"welcome"}' });
      await stream.ready;
      for (const text of ['new 0', 'new 1']) await room.post(text);
      const frames = channel.chunks.slice(1).map((c) => JSON.parse(String(c)) as { seq: number; text: string });
      expect(frames.map((f) => [f.seq, f.text])).toEqual([
        [1, 'new 0'],
        [2, 'new 1'],
      ]);
    } finally {
      fanout.shutdown();
    }
  });
});
