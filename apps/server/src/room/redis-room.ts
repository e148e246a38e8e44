// The room kept in Redis (REDIS_URL): every process that points at the same
// Redis serves the same room. The stored state and every rule that changes it
// live in Redis, one Lua script per step (redis-scripts.ts); this file checks
// the input, runs the step, and follows the room with one subscriber
// connection per process (redis-follower.ts), which feeds the fan-out layer.
//
// Per process: the connections, the pins this process holds (its open streams),
// the follower. Shared: everything in room.ts's list, and the assignment.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import createError from '@fastify/error';
import { createClient, ErrorReply, type RedisClientType } from '@redis/client';
import type { AssignmentMode, ChatMessage, TransportId } from '@wirebench/transports/contract';
import { DEFAULTS, TRANSPORT_IDS } from '@wirebench/transports/contract';
import { answerCursor, type CursorAnswer } from '@wirebench/transports/polling';
import {
  ClientRemoved,
  InvalidBody,
  InvalidText,
  JoinRateLimited,
  NotYourClient,
  RateLimited,
  RoomLocked,
  TextTooLong,
  UnknownClient,
} from '../errors.ts';
import { validName, type RoomOptions } from './memory-room.ts';
import { Follower, type StreamPage } from './redis-follower.ts';
import * as lua from './redis-scripts.ts';
import type {
  ClientSummary,
  Head,
  Identity,
  Joined,
  NewIdentityInput,
  Room,
  RoomListener,
  SendInput,
  SendResult,
  SinceOptions,
} from './room.ts';
import { newSecret } from './secret.ts';

/** Redis cannot be reached: the request is refused (503, which toWireError lets through), nothing is stored. */
export const RoomUnavailable = createError('ROOM_UNAVAILABLE', 'the room store (Redis) cannot be reached: try again in a moment', 503);

export interface RedisRoomOptions extends RoomOptions {
  url: string;
  /** This process's name (NODE_ID): the owner of its pins. */
  node: string;
  /** Rooms sharing one Redis are kept apart by name (the key prefix `wb:{<room>}:`). */
  room?: string;
  /** How often a process checks the head without being told (ms). */
  checkEveryMs?: number;
  /** Told when a catch-up fails or a connection drops (one line, no secrets). */
  warn?: (message: string) => void;
}

/** A pin held by a process that dies without releasing it lapses after this. */
export const PIN_LEASE_MS = 5 * 60_000;
const PIN_REFRESH_MS = 60_000;
/** A process is listed in `nodes` while its presence is fresher than this; it refreshes it three times as often. */
export const NODE_LEASE_MS = 15_000;
const ACTIVE_MS = 60_000;
/** Messages read per round when a process catches up from the stream. */
const CATCH_UP_PAGE = 1_000;

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');
/** The room stores the SHA-256 of a secret, never the secret. */
const secretHash = (secret: unknown): string => (typeof secret === 'string' ? createHash('sha256').update(secret).digest('hex') : '');
const newEpoch = (): string => randomBytes(9).toString('base64url');

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** The message as the send script encoded it (numbers as strings, no clientMsgId as ''), in the contract's shape. */
function decode(json: string): ChatMessage {
  const m = JSON.parse(json) as Record<string, string>;
  return {
    type: 'message',
    seq: Number(m.seq),
    clientId: m.clientId!,
    name: m.name!,
    text: m.text!,
    clientMsgId: m.clientMsgId === '' || m.clientMsgId === undefined ? null : m.clientMsgId,
    via: m.via as TransportId,
    serverTime: Number(m.serverTime),
  };
}

type Reply = string | number | null | Reply[];

export class RedisRoom implements Room {
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly listeners = new Set<RoomListener>();
  private readonly restartListeners = new Set<(epoch: string) => void>();
  /** Pins this process holds: clientId → open streams. */
  private readonly pins = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private follower!: Follower;
  private closed = false;
  /** The name this process serves the room under (announce). */
  private node: string | undefined;

  private constructor(
    private readonly options: RedisRoomOptions,
    private readonly cmd: RedisClientType,
    private readonly sub: RedisClientType,
  ) {
    this.prefix = `wb:{${options.room ?? 'main'}}:`;
    this.now = options.now ?? Date.now;
  }

  /** Connects (a command connection and a subscriber), reads the head and starts following the room. */
  static async connect(options: RedisRoomOptions): Promise<RedisRoom> {
    const warn = options.warn ?? (() => {});
    const connection = (role: string): RedisClientType => {
      const client = createClient({
        url: options.url,
        // A request while Redis is away is refused at once (503), not queued.
        disableOfflineQueue: true,
        socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, 1_000) },
      }) as RedisClientType;
      let down = false;
      client.on('error', (err: Error) => {
        if (!down) warn(`redis ${role} connection: ${err.message}`);
        down = true;
      });
      client.on('ready', () => (down = false));
      return client;
    };
    const cmd = connection('command');
    const sub = connection('subscriber');
    const room = new RedisRoom(options, cmd, sub);
    try {
      await Promise.all([cmd.connect(), sub.connect()]);
      await room.start();
    } catch (err) {
      room.closed = true;
      cmd.destroy();
      sub.destroy();
      throw err;
    }
    return room;
  }

  private async start(): Promise<void> {
    const [lastSeq, epoch] = (await this.run(lua.HEAD)) as [string, string];
    this.follower = new Follower(
      {
        read: (after, epoch) => this.page(after, epoch),
        deliver: (message) => {
          for (const listener of this.listeners) listener(message);
        },
        // Told before any message of the new numbering: the fan-out forgets the old one first.
        restarted: (epoch) => {
          void this.refreshPresence(); // the lost data had it too
          for (const listener of this.restartListeners) listener(epoch);
        },
        failed: (err) => this.options.warn?.(`reading the room's stream failed: ${(err as Error).message}`),
      },
      { lastSeq: Number(lastSeq), epoch },
    );
    // #region follow
    await this.sub.subscribe(this.key('new'), (text) => {
      const space = text.indexOf(' ');
      this.follower.offer(text.slice(0, space), decode(text.slice(space + 1)));
    });
    // After a reconnect the channel may have missed messages: the stream has them.
    this.sub.on('ready', () => void this.follower.doubt());
    // And once in a while without a reason: a quiet room notices a Redis that lost its data.
    const check = setInterval(() => void this.checkHead(), this.options.checkEveryMs ?? 1_000);
    // #endregion follow
    const refresh = setInterval(() => void this.refreshPins(), PIN_REFRESH_MS);
    check.unref();
    refresh.unref();
    this.timers.push(check, refresh);
    // Anything stored between reading the head and subscribing.
    await this.follower.doubt();
  }

  /** The room's data was lost and its numbering started again: this process's fan-out must start again too. */
  onRestart(listener: (epoch: string) => void): () => void {
    this.restartListeners.add(listener);
    return () => this.restartListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    this.follower?.stop();
    const pinned = [...this.pins.keys()];
    this.pins.clear();
    const gone = this.node === undefined ? [] : [this.command(['ZREM', this.key('nodes'), this.node])];
    await Promise.allSettled([...gone, ...pinned.map((clientId) => this.run(lua.PIN, clientId, this.options.node, '0', this.now()))]);
    await Promise.allSettled([this.sub.close(), this.cmd.close()]);
  }

  get head(): Head {
    return { lastSeq: this.follower.delivered, epoch: this.follower.epoch };
  }

  async join(input: NewIdentityInput): Promise<Joined> {
    const identity = await this.register(input);
    const history = await this.since(undefined);
    return { ...identity, lastSeq: history.lastSeq, epoch: history.epoch, messages: history.messages };
  }

  async adopt(input: NewIdentityInput & { clientId?: string | undefined; clientSecret?: string | undefined }): Promise<Identity> {
    const fresh = this.newIdentity(input);
    const reply = (await this.run(lua.ADOPT, input.clientId ?? '', secretHash(input.clientSecret), ...fresh.args)) as string[];
    if (reply[0] === 'KNOWN') return { clientId: input.clientId!, clientSecret: input.clientSecret! };
    if (reply[0] === 'CLIENT_REMOVED') throw new ClientRemoved(input.clientId!);
    this.registered(reply);
    return fresh.identity;
  }

  async send(input: SendInput): Promise<SendResult> {
    const { clientId, text, clientMsgId, via } = input;
    if (typeof clientId !== 'string' || clientId === '') throw new InvalidBody('clientId must be a non-empty string');
    if (typeof text !== 'string') throw new InvalidBody('text must be a string');
    if (clientMsgId !== undefined && clientMsgId !== null) {
      if (typeof clientMsgId !== 'string' || clientMsgId.length === 0 || clientMsgId.length > DEFAULTS.maxClientMsgIdLength) {
        throw new InvalidBody(`clientMsgId must be a string of 1 to ${DEFAULTS.maxClientMsgIdLength} characters`);
      }
    }
    const name = input.name === undefined ? undefined : validName(input.name);
    // Checked here, reported by the script only after the idempotency lookup (a repeat answers the first copy).
    const length = codePoints(text);
    const textError = text.trim() === '' ? 'INVALID_TEXT' : length > this.options.maxTextLength ? 'TEXT_TOO_LONG' : '';
    const o = this.options;
    const reply = (await this.run(
      lua.SEND,
      clientId,
      secretHash(input.clientSecret),
      typeof clientMsgId === 'string' ? clientMsgId : '',
      text,
      name === undefined ? '0' : '1',
      name ?? '',
      via,
      this.now(),
      textError,
      o.sendRateLimit,
      o.sendRateLimitPerAddress,
      o.sendRateWindowMs,
      input.address,
      o.retainLimit,
    )) as string[];
    // ['OK' | 'DUP', epoch, message JSON], or [error code, the limit it hit]
    const [status, epoch, json] = reply;
    switch (status) {
      case 'OK':
      case 'DUP': {
        const message = decode(json!);
        if (status === 'DUP') return { message, created: false };
        // Handed to this process's listeners before the sender hears back, as the memory room does.
        this.follower.offer(epoch!, message);
        await this.follower.reached(message.seq);
        return { message, created: true };
      }
      case 'UNKNOWN_CLIENT':
        throw new UnknownClient(clientId);
      case 'NOT_YOUR_CLIENT':
        throw new NotYourClient(clientId);
      case 'CLIENT_REMOVED':
        throw new ClientRemoved(clientId);
      case 'INVALID_TEXT':
        throw new InvalidText();
      case 'TEXT_TOO_LONG':
        throw new TextTooLong(length, o.maxTextLength);
      case 'RATE_LIMITED':
        throw new RateLimited(Number(reply[1]), o.sendRateWindowMs);
      default:
        throw this.refusal(status!, clientId);
    }
  }

  async since(after: number | undefined, options: SinceOptions = {}): Promise<CursorAnswer<ChatMessage>> {
    const pageSize = options.pageSize ?? DEFAULTS.pageSize;
    const reply = (await this.run(lua.SINCE, after ?? '', this.options.historyLimit, pageSize, this.options.retainLimit, options.epoch ?? '')) as string[];
    const lastSeq = Number(reply[0]);
    const epoch = reply[1]!;
    this.noticeEpoch(epoch);
    const messages = reply.slice(2).map(decode);
    // The script picked the messages by the cursor rule; answerCursor states the answer the same way for both rooms.
    return answerCursor(
      {
        lastSeq,
        epoch,
        firstSeq: Math.max(1, lastSeq - this.options.retainLimit + 1),
        slice: () => messages,
      },
      after,
      this.options.historyLimit,
      pageSize,
      options.epoch,
    );
  }

  async authenticate(clientId: string, clientSecret: unknown): Promise<void> {
    const [status] = (await this.run(lua.AUTHENTICATE, clientId, secretHash(clientSecret))) as string[];
    if (status !== 'OK') throw this.refusal(status!, clientId);
  }

  async remove(clientId: string): Promise<boolean> {
    return (await this.run(lua.REMOVE, clientId)) === 1;
  }

  async setLocked(locked: boolean): Promise<void> {
    await this.command(locked ? ['SET', this.key('lock'), '1'] : ['DEL', this.key('lock')]);
  }

  async isLocked(): Promise<boolean> {
    return (await this.command(['EXISTS', this.key('lock')])) === 1;
  }

  async clients(): Promise<ClientSummary[]> {
    const flat = (await this.run(lua.CLIENTS)) as string[];
    const out: ClientSummary[] = [];
    for (let i = 0; i < flat.length; i += 7) {
      const [clientId, name, address, createdAt, sent, teacher, assigned] = flat.slice(i, i + 7) as string[];
      out.push({
        clientId: clientId!,
        name: name!,
        address: address!,
        connectedSince: Number(createdAt),
        sent: Number(sent),
        teacher: teacher === '1',
        assigned: assigned === '' ? null : (assigned as TransportId),
      });
    }
    return out;
  }

  async assign(mode: AssignmentMode): Promise<number> {
    return Number(await this.run(lua.ASSIGN, mode, ...TRANSPORT_IDS));
  }

  async assignmentMode(): Promise<AssignmentMode> {
    return ((await this.command(['HGET', this.key('assign'), 'mode'])) as AssignmentMode | null) ?? 'none';
  }

  async assignment(clientId: string, clientSecret: unknown): Promise<TransportId | null> {
    const [status, assigned] = (await this.run(lua.ASSIGNMENT, clientId, secretHash(clientSecret), ...TRANSPORT_IDS)) as string[];
    if (status !== 'OK') throw this.refusal(status!, clientId);
    return assigned === '' ? null : (assigned as TransportId);
  }

  async knows(clientId: string): Promise<boolean> {
    return (await this.command(['EXISTS', this.key(`c:${clientId}`)])) === 1;
  }

  async touch(clientId: string): Promise<boolean> {
    const seen = await this.run(lua.TOUCH, clientId, this.now());
    if (seen === -1) throw new ClientRemoved(clientId);
    return seen === 1;
  }

  pin(clientId: string): () => void {
    const held = this.pins.get(clientId) ?? 0;
    this.pins.set(clientId, held + 1);
    // Sent now, on the one command connection: every later command of this process runs after it.
    if (held === 0) this.lease(clientId, this.now() + PIN_LEASE_MS);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.pins.get(clientId) ?? 1) - 1;
      if (left > 0) return void this.pins.set(clientId, left);
      this.pins.delete(clientId);
      this.lease(clientId, 0);
    };
  }

  async activeClients(): Promise<number> {
    return Number(await this.run(lua.ACTIVE, this.now(), ACTIVE_MS));
  }

  subscribe(listener: RoomListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // #region presence
  /** Presence in the sorted set `nodes`, scored by when its lease runs out, refreshed while the process runs. */
  announce(node: string): void {
    if (this.node === undefined) {
      const refresh = setInterval(() => void this.refreshPresence(), NODE_LEASE_MS / 3);
      refresh.unref();
      this.timers.push(refresh);
    }
    this.node = node;
    void this.refreshPresence();
  }

  async nodes(): Promise<string[]> {
    const names = (await this.command(['ZRANGEBYSCORE', this.key('nodes'), String(this.now()), '+inf'])) as string[];
    return names.sort();
  }

  private async refreshPresence(): Promise<void> {
    if (this.node === undefined || this.closed) return;
    const now = this.now();
    try {
      await this.command(['ZADD', this.key('nodes'), String(now + NODE_LEASE_MS), this.node]);
      // A process that died without leaving: its lease ran out.
      await this.command(['ZREMRANGEBYSCORE', this.key('nodes'), '-inf', `(${now}`]);
    } catch {
      // Redis is away: the next refresh announces it again.
    }
  }
  // #endregion presence

  // --- inside

  private key(name: string): string {
    return this.prefix + name;
  }

  private newIdentity(input: NewIdentityInput): { identity: Identity; args: (string | number)[] } {
    const identity = { clientId: randomUUID(), clientSecret: newSecret() };
    const o = this.options;
    const args = [
      identity.clientId,
      secretHash(identity.clientSecret),
      validName(input.name),
      input.address,
      this.now(),
      input.teacher === true ? '1' : '0',
      o.joinRateLimit,
      o.joinRateWindowMs,
      o.maxClients,
    ];
    return { identity, args };
  }

  private async register(input: NewIdentityInput): Promise<Identity> {
    const fresh = this.newIdentity(input);
    this.registered((await this.run(lua.REGISTER, ...fresh.args)) as string[]);
    return fresh.identity;
  }

  private registered([status]: string[]): void {
    if (status === 'ROOM_LOCKED') throw new RoomLocked();
    if (status === 'JOIN_RATE_LIMITED') {
      throw new JoinRateLimited(this.options.joinRateLimit, Math.round(this.options.joinRateWindowMs / 1000));
    }
  }

  private refusal(status: string, clientId: string): Error {
    switch (status) {
      case 'UNKNOWN_CLIENT':
        return new UnknownClient(clientId);
      case 'NOT_YOUR_CLIENT':
        return new NotYourClient(clientId);
      case 'CLIENT_REMOVED':
        return new ClientRemoved(clientId);
      default:
        return new Error(`the room's script answered ${status}`);
    }
  }

  /** A page of the stream for the follower (its own cursor and epoch). */
  private async page(after: number, epoch: string): Promise<StreamPage> {
    const answer = await this.since(after, { epoch, pageSize: CATCH_UP_PAGE });
    return { lastSeq: answer.lastSeq, epoch: answer.epoch, messages: answer.messages };
  }

  private async checkHead(): Promise<void> {
    try {
      const [lastSeq, epoch] = (await this.run(lua.HEAD)) as [string, string];
      if (epoch !== this.follower.epoch || Number(lastSeq) > this.follower.delivered) await this.follower.doubt(Number(lastSeq));
    } catch {
      // Redis is away: the reconnect (or the next check) reads what was missed.
    }
  }

  /** An answer of another epoch: the follower reads the stream and finds the room started again. */
  private noticeEpoch(epoch: string): void {
    if (this.follower !== undefined && epoch !== this.follower.epoch) void this.follower.doubt();
  }

  private lease(clientId: string, until: number): void {
    this.run(lua.PIN, clientId, this.options.node, until, this.now()).catch(() => {
      // Redis is away: the refresh sets it again; a release that failed lapses with its lease.
    });
  }

  private async refreshPins(): Promise<void> {
    const until = this.now() + PIN_LEASE_MS;
    await Promise.allSettled([...this.pins.keys()].map((clientId) => this.run(lua.PIN, clientId, this.options.node, until, this.now())));
  }

  private async command(args: string[]): Promise<Reply> {
    try {
      return (await this.cmd.sendCommand(args)) as Reply;
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  /** Runs a script by its SHA-1 (loading it the first time, and again after a Redis restart). */
  private async run(script: string, ...args: (string | number)[]): Promise<Reply> {
    const keys = [this.key('seq')];
    const argv = [this.prefix, newEpoch(), ...args.map(String)];
    try {
      try {
        return (await this.cmd.sendCommand(['EVALSHA', sha1(script), '1', ...keys, ...argv])) as Reply;
      } catch (err) {
        if (!(err instanceof ErrorReply) || !err.message.startsWith('NOSCRIPT')) throw err;
        return (await this.cmd.sendCommand(['EVAL', script, '1', ...keys, ...argv])) as Reply;
      }
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  /** A connection failure becomes 503 ROOM_UNAVAILABLE; an error Redis answered (a bug) stays what it is. */
  private unavailable(err: unknown): unknown {
    return err instanceof ErrorReply ? err : new RoomUnavailable();
  }
}
