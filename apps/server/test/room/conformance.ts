// The Room conformance suite: what every implementation of the Room interface
// (room/room.ts) must do, written from CONTRACT.md. The memory room runs it in
// memory-room.test.ts; a room kept elsewhere runs the very same suite.
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '@wirebench/transports/contract';
import type { Room, SendInput, SendResult } from '../../src/room/room.ts';

/** The room as its clients' owners use it: sends carry the owner's secret unless the test gives one. */
type OwnedRoom = Omit<Room, 'send'> & { send(input: Omit<SendInput, 'clientSecret'> & { clientSecret?: unknown }): Promise<SendResult> };

export interface RoomLimits {
  historyLimit: number;
  retainLimit: number;
  maxTextLength: number;
  sendRateLimit: number;
  sendRateLimitPerAddress: number;
  joinRateLimit: number;
  maxClients: number;
}

export const CONFORMANCE_LIMITS: RoomLimits = {
  historyLimit: 3,
  retainLimit: 5,
  maxTextLength: 10,
  sendRateLimit: 50,
  sendRateLimitPerAddress: 80,
  joinRateLimit: 40,
  maxClients: 20,
};

/** Makes a fresh, empty room with these limits (and a clock the test moves, in ms). */
export type RoomFactory = (limits: RoomLimits, clock: { now: number }) => Promise<{ room: Room; dispose?: () => Promise<void> }>;

const A = '10.0.0.1';
const B = '10.0.0.2';

async function rejects(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

export function roomConformance(name: string, factory: RoomFactory): void {
  describe(`Room conformance: ${name}`, () => {
    /** Every identity's secret, as its owner keeps it. */
    const secrets = new Map<string, string>();

    /** A room whose join and adopt remember secrets, and whose send acts as the owner unless a secret is given. */
    async function fresh(limits: Partial<RoomLimits> = {}) {
      const clock = { now: 1_000_000 };
      const made = await factory({ ...CONFORMANCE_LIMITS, ...limits }, clock);
      const real = made.room;
      const room: OwnedRoom = Object.create(real);
      room.join = async (input) => {
        const joined = await real.join(input);
        secrets.set(joined.clientId, joined.clientSecret);
        return joined;
      };
      room.adopt = async (input) => {
        const identity = await real.adopt(input);
        secrets.set(identity.clientId, identity.clientSecret);
        return identity;
      };
      room.send = (input) => real.send({ clientSecret: secrets.get(String(input.clientId)), ...input });
      return { ...made, room, clock };
    }

    async function fill(room: OwnedRoom, n: number, address = A): Promise<{ clientId: string; messages: ChatMessage[] }> {
      const { clientId } = await room.join({ address });
      const messages: ChatMessage[] = [];
      for (let i = 1; i <= n; i++) messages.push((await room.send({ clientId, text: `m${i}`, via: 'short-poll', address })).message);
      return { clientId, messages };
    }

    it('join: a new id, the head with its epoch, and the last historyLimit messages', async () => {
      const { room } = await fresh();
      const empty = await room.join({ address: A });
      expect(empty).toMatchObject({ lastSeq: 0, messages: [] });
      expect(empty.epoch).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      await fill(room, 4);
      const joined = await room.join({ name: ' ana ', address: A });
      expect(joined.clientId).not.toBe(empty.clientId);
      expect(joined.lastSeq).toBe(4);
      expect(joined.epoch).toBe(empty.epoch);
      expect(joined.messages.map((m) => m.seq)).toEqual([2, 3, 4]);
      expect(room.head).toEqual({ lastSeq: 4, epoch: empty.epoch });
    });

    it('send: gap-free seq, the stored message in the contract shape, every listener told in order', async () => {
      const { room, clock } = await fresh();
      const told: number[] = [];
      room.subscribe((m) => told.push(m.seq));
      const { clientId } = await room.join({ name: 'ana', address: A });
      const first = await room.send({ clientId, text: 'hi', clientMsgId: 'k1', via: 'ws-raw', address: A });
      expect(first).toEqual({
        created: true,
        message: { type: 'message', seq: 1, clientId, name: 'ana', text: 'hi', clientMsgId: 'k1', via: 'ws-raw', serverTime: clock.now },
      });
      await room.send({ clientId, text: 'again', via: 'sse', address: A, name: 'bo' });
      expect(told).toEqual([1, 2]);
      expect((await room.since(0)).messages.map((m) => [m.seq, m.name, m.clientMsgId])).toEqual([
        [1, 'ana', 'k1'],
        [2, 'bo', null],
      ]);
    });

    it('send: a repeated (clientId, clientMsgId) stores nothing and answers the first copy', async () => {
      const { room } = await fresh();
      const { clientId } = await room.join({ address: A });
      const told: number[] = [];
      room.subscribe((m) => told.push(m.seq));
      const first = await room.send({ clientId, text: 'one', clientMsgId: 'k', via: 'short-poll', address: A });
      const again = await room.send({ clientId, text: 'two', clientMsgId: 'k', via: 'long-poll', address: A });
      expect(again).toEqual({ created: false, message: first.message });
      expect(room.head.lastSeq).toBe(1);
      expect(told).toEqual([1]);
      // Another client may use the same clientMsgId.
      const other = await room.join({ address: A });
      expect((await room.send({ clientId: other.clientId, text: 'x', clientMsgId: 'k', via: 'sse', address: A })).created).toBe(true);
    });

    it('send: bad input is refused with the contract code and changes nothing', async () => {
      const { room } = await fresh();
      const { clientId } = await room.join({ address: A });
      const base = { clientId, via: 'short-poll' as const, address: A };
      await rejects(room.send({ ...base, text: '   ' }), 'INVALID_TEXT');
      await rejects(room.send({ ...base, text: '😀'.repeat(11) }), 'TEXT_TOO_LONG');
      expect((await room.send({ ...base, text: '😀'.repeat(10) })).created).toBe(true);
      await rejects(room.send({ ...base, text: 7 }), 'INVALID_BODY');
      await rejects(room.send({ ...base, text: 'x', clientMsgId: 'k'.repeat(65) }), 'INVALID_BODY');
      await rejects(room.send({ ...base, text: 'x', name: 'n'.repeat(41) }), 'INVALID_BODY');
      await rejects(room.send({ ...base, clientId: 'nobody', text: 'x' }), 'UNKNOWN_CLIENT');
      expect(room.head.lastSeq).toBe(1);
    });

    it('since: after=N pages, a truncated window, a cursor above lastSeq or of another epoch', async () => {
      const { room } = await fresh();
      await fill(room, 8); // retains 4..8
      expect((await room.since(undefined)).messages.map((m) => m.seq)).toEqual([6, 7, 8]);
      expect((await room.since(5)).messages.map((m) => m.seq)).toEqual([6, 7, 8]);
      expect((await room.since(5, { pageSize: 2 })).messages.map((m) => m.seq)).toEqual([6, 7]);
      const old = await room.since(1);
      expect(old).toMatchObject({ truncated: true, ahead: false, lastSeq: 8 });
      expect(old.messages.map((m) => m.seq)).toEqual([4, 5, 6, 7, 8]);
      expect(await room.since(9)).toMatchObject({ messages: [], ahead: true, lastSeq: 8, epoch: room.head.epoch });
      expect(await room.since(2, { epoch: 'another-room' })).toMatchObject({ messages: [], ahead: true, lastSeq: 8 });
      expect((await room.since(7, { epoch: room.head.epoch })).messages.map((m) => m.seq)).toEqual([8]);
    });

    it('rate limits: per client, then per address for all its clients together', async () => {
      const { room, clock } = await fresh({ sendRateLimit: 3, sendRateLimitPerAddress: 5 });
      const one = await room.join({ address: A });
      for (let i = 0; i < 3; i++) await room.send({ clientId: one.clientId, text: `a${i}`, via: 'sse', address: A });
      await rejects(room.send({ clientId: one.clientId, text: 'over', via: 'sse', address: A }), 'RATE_LIMITED');
      const two = await room.join({ address: A });
      await room.send({ clientId: two.clientId, text: 'b0', via: 'sse', address: A });
      await room.send({ clientId: two.clientId, text: 'b1', via: 'sse', address: A });
      // The address has spent its 5; a third client from it gets nothing more.
      const three = await room.join({ address: A });
      await rejects(room.send({ clientId: three.clientId, text: 'c0', via: 'sse', address: A }), 'RATE_LIMITED');
      // Another address is not affected; and the window refills with time.
      const elsewhere = await room.join({ address: B });
      expect((await room.send({ clientId: elsewhere.clientId, text: 'b', via: 'sse', address: B })).created).toBe(true);
      clock.now += 10_000;
      expect((await room.send({ clientId: three.clientId, text: 'later', via: 'sse', address: A })).created).toBe(true);
      expect(room.head.lastSeq).toBe(7);
    });

    it('new identities per address are bounded (join and adopt alike); another address still joins', async () => {
      const { room, clock } = await fresh({ joinRateLimit: 4 });
      for (let i = 0; i < 3; i++) await room.join({ address: A });
      await room.adopt({ address: A });
      await rejects(room.join({ address: A }), 'RATE_LIMITED');
      await rejects(room.adopt({ clientId: 'unknown', address: A }), 'RATE_LIMITED');
      expect((await room.join({ address: B })).clientId).toBeTruthy();
      clock.now += 60_000;
      expect((await room.join({ address: A })).clientId).toBeTruthy();
    });

    it('adopt: a known id is kept, an unknown one is replaced by a new identity', async () => {
      const { room } = await fresh();
      const { clientId, clientSecret } = await room.join({ address: A });
      expect((await room.adopt({ clientId, clientSecret, address: B })).clientId).toBe(clientId);
      const fresh2 = (await room.adopt({ clientId: 'made-up', address: A })).clientId;
      expect(fresh2).not.toBe('made-up');
      expect(await room.knows(fresh2)).toBe(true);
      expect(await room.knows('made-up')).toBe(false);
    });

    it('beyond maxClients the least recently seen is forgotten, never a pinned one', async () => {
      const { room } = await fresh({ maxClients: 3, joinRateLimit: 100 });
      const pinned = (await room.join({ address: A })).clientId;
      const release = room.pin(pinned);
      const quiet = (await room.join({ address: A })).clientId;
      const busy = (await room.join({ address: A })).clientId;
      await room.touch(busy);
      await room.join({ address: A }); // the fourth: someone must go
      expect(await room.knows(pinned)).toBe(true);
      expect(await room.knows(quiet)).toBe(false);
      for (let i = 0; i < 10; i++) await room.join({ address: B });
      expect(await room.knows(pinned)).toBe(true);
      expect((await room.send({ clientId: pinned, text: 'still here', via: 'ws-raw', address: A })).created).toBe(true);
      release();
      for (let i = 0; i < 3; i++) await room.join({ address: B });
      expect(await room.knows(pinned)).toBe(false);
    });

    it('activeClients: a request in the last 60 s or an open stream', async () => {
      const { room, clock } = await fresh();
      const a = (await room.join({ address: A })).clientId;
      const b = (await room.join({ address: A })).clientId;
      expect(await room.activeClients()).toBe(2);
      const release = room.pin(b);
      clock.now += 61_000;
      expect(await room.activeClients()).toBe(1);
      await room.touch(a);
      expect(await room.activeClients()).toBe(2);
      release();
    });

    it('identity: sends need the own secret; a wrong or missing one is NOT_YOUR_CLIENT and stores nothing', async () => {
      const { room } = await fresh();
      const ana = await room.join({ address: A });
      const bo = await room.join({ address: B });
      expect(ana.clientSecret.length).toBeGreaterThanOrEqual(22);
      expect(ana.clientSecret).not.toBe(bo.clientSecret);
      await rejects(room.send({ clientId: ana.clientId, clientSecret: bo.clientSecret, text: 'as ana', via: 'sse', address: B }), 'NOT_YOUR_CLIENT');
      await rejects(room.send({ clientId: ana.clientId, clientSecret: undefined, text: 'as ana', via: 'sse', address: B }), 'NOT_YOUR_CLIENT');
      // Pre-empting another client's next clientMsgId needs its secret too.
      await rejects(room.send({ clientId: ana.clientId, clientSecret: 'x', text: 'mine', clientMsgId: 'k1', via: 'sse', address: B }), 'NOT_YOUR_CLIENT');
      expect(room.head.lastSeq).toBe(0);
      expect((await room.send({ clientId: ana.clientId, text: 'real', clientMsgId: 'k1', via: 'sse', address: A })).created).toBe(true);
      await expect(room.authenticate(ana.clientId, ana.clientSecret)).resolves.toBeUndefined();
      await rejects(room.authenticate(ana.clientId, bo.clientSecret), 'NOT_YOUR_CLIENT');
      await rejects(room.authenticate('nobody', 'x'), 'UNKNOWN_CLIENT');
    });

    it('adopt: only the own secret keeps an identity; a removed one is CLIENT_REMOVED', async () => {
      const { room } = await fresh();
      const ana = await room.join({ address: A });
      expect(await room.adopt({ clientId: ana.clientId, clientSecret: ana.clientSecret, address: A })).toEqual({
        clientId: ana.clientId,
        clientSecret: ana.clientSecret,
      });
      const stolen = await room.adopt({ clientId: ana.clientId, clientSecret: 'guess', address: B });
      expect(stolen.clientId).not.toBe(ana.clientId);
      expect(await room.remove(ana.clientId)).toBe(true);
      await rejects(room.adopt({ clientId: ana.clientId, clientSecret: ana.clientSecret, address: A }), 'CLIENT_REMOVED');
      await rejects(room.send({ clientId: ana.clientId, text: 'after', via: 'sse', address: A }), 'CLIENT_REMOVED');
      expect((await room.clients()).map((c) => c.clientId)).not.toContain(ana.clientId);
      expect(await room.remove('nobody')).toBe(false);
    });

    it('lock: no new identity (join or adopt) while locked, except the teacher\'s; known ones go on', async () => {
      const { room } = await fresh();
      const ana = await room.join({ address: A });
      await room.setLocked(true);
      expect(await room.isLocked()).toBe(true);
      await rejects(room.join({ address: B }), 'ROOM_LOCKED');
      await rejects(room.adopt({ address: B }), 'ROOM_LOCKED');
      await rejects(room.adopt({ clientId: ana.clientId, clientSecret: 'wrong', address: B }), 'ROOM_LOCKED');
      expect((await room.adopt({ clientId: ana.clientId, clientSecret: ana.clientSecret, address: A })).clientId).toBe(ana.clientId);
      expect((await room.send({ clientId: ana.clientId, text: 'talking', via: 'ws-raw', address: A })).created).toBe(true);
      expect((await room.join({ address: A, teacher: true })).clientId).toBeTruthy();
      await room.setLocked(false);
      expect((await room.join({ address: B })).clientId).toBeTruthy();
    });

    it("the teacher's identities pass the per-address budgets of joins and sends (not the client's own)", async () => {
      const { room } = await fresh({ joinRateLimit: 1, sendRateLimit: 4, sendRateLimitPerAddress: 2 });
      await room.join({ address: A });
      await rejects(room.join({ address: A }), 'RATE_LIMITED');
      const teacher = await room.join({ address: A, teacher: true });
      for (let i = 0; i < 4; i++) await room.send({ clientId: teacher.clientId, text: `t${i}`, via: 'ws-raw', address: A });
      await rejects(room.send({ clientId: teacher.clientId, text: 'over', via: 'ws-raw', address: A }), 'RATE_LIMITED');
      expect((await room.clients()).find((c) => c.clientId === teacher.clientId)).toMatchObject({ teacher: true, sent: 4, address: A });
    });

    it('the clients list: name, address, when made, messages sent, assignment', async () => {
      const { room, clock } = await fresh();
      const made = clock.now;
      const ana = await room.join({ name: 'ana', address: A });
      await room.send({ clientId: ana.clientId, text: 'one', via: 'sse', address: A });
      await room.send({ clientId: ana.clientId, text: 'two', via: 'sse', address: A });
      expect(await room.clients()).toEqual([
        { clientId: ana.clientId, name: 'ana', address: A, connectedSince: made, sent: 2, teacher: false, assigned: null },
      ]);
    });

    it('assignment: round-robin over the five transports, to students in the order they ask; none clears it', async () => {
      const { room } = await fresh();
      const students = [];
      for (let i = 0; i < 7; i++) students.push(await room.join({ address: A }));
      expect(await room.assignment(students[0]!.clientId, students[0]!.clientSecret)).toBeNull();
      await room.assign('round-robin');
      const got = [];
      for (const s of students) got.push(await room.assignment(s.clientId, s.clientSecret));
      expect(got).toEqual(['ws-raw', 'ws-lib', 'short-poll', 'long-poll', 'sse', 'ws-raw', 'ws-lib']);
      // Asking again keeps the transport; a newcomer gets the next in turn.
      expect(await room.assignment(students[2]!.clientId, students[2]!.clientSecret)).toBe('short-poll');
      const late = await room.join({ address: B });
      expect(await room.assignment(late.clientId, late.clientSecret)).toBe('short-poll');
      await rejects(room.assignment(late.clientId, 'wrong'), 'NOT_YOUR_CLIENT');
      // A new round-robin gives every student who asked before a transport again, in turn; not a removed one.
      await room.remove(students[6]!.clientId);
      expect(await room.assign('round-robin')).toBe(7);
      expect(await room.assign('none')).toBe(0);
      expect(await room.assignment(late.clientId, late.clientSecret)).toBeNull();
    });
  });
}
