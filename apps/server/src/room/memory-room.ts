// The room in this process's memory (the default): a MessageLog and a
// ClientRegistry behind the Room interface. Every method finishes
// synchronously; the promises only keep the interface the one a room kept
// elsewhere needs.
import { randomBytes } from 'node:crypto';
import type { AssignmentMode, ChatMessage, TransportId } from '@wirebench/transports/contract';
import { DEFAULTS } from '@wirebench/transports/contract';
import { answerCursor, type CursorAnswer } from '@wirebench/transports/polling';
import { ClientRemoved, InvalidBody, InvalidText, TextTooLong } from '../errors.ts';
import { MessageLog } from './log.ts';
import { ClientRegistry, type RegistryOptions } from './registry.ts';
import { sameSecret } from './secret.ts';
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

/** The log's limits, and the registry's (whose clock is optional here: Date.now by default). */
export interface RoomOptions extends Omit<RegistryOptions, 'now'> {
  historyLimit: number;
  retainLimit: number;
  maxTextLength: number;
  now?: () => number;
  /** The room's epoch; a fresh random one by default (a restarted process is a new room). */
  epoch?: string;
}

function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** The name rule shared by join and send: a string of at most 40 code points, "anon" when blank. */
export function validName(name: unknown): string {
  if (name === undefined || name === null) return 'anon';
  if (typeof name !== 'string') throw new InvalidBody('name must be a string');
  const trimmed = name.trim();
  if (codePoints(trimmed) > DEFAULTS.maxNameLength) {
    throw new InvalidBody(`name must be at most ${DEFAULTS.maxNameLength} characters`);
  }
  return trimmed === '' ? 'anon' : trimmed;
}

export class MemoryRoom implements Room {
  private readonly log: MessageLog;
  private readonly registry: ClientRegistry;
  private readonly listeners = new Set<RoomListener>();
  private readonly now: () => number;
  private node: string | undefined;

  constructor(private readonly options: RoomOptions) {
    this.now = options.now ?? Date.now;
    this.log = new MessageLog(options.retainLimit, options.epoch ?? randomBytes(9).toString('base64url'));
    this.registry = new ClientRegistry({ ...options, now: this.now });
  }

  get head(): Head {
    return { lastSeq: this.log.lastSeq, epoch: this.log.epoch };
  }

  async join(input: NewIdentityInput): Promise<Joined> {
    const client = this.registry.register({ ...input, name: validName(input.name) });
    return { clientId: client.clientId, clientSecret: client.secret, ...this.head, messages: this.page(undefined, {}).messages };
  }

  async adopt(input: NewIdentityInput & { clientId?: string | undefined; clientSecret?: string | undefined }): Promise<Identity> {
    const known = input.clientId === undefined ? undefined : this.registry.get(input.clientId);
    if (known && sameSecret(input.clientSecret, known.secret)) {
      if (known.removed) throw new ClientRemoved(known.clientId);
      this.registry.touch(known.clientId);
      return { clientId: known.clientId, clientSecret: known.secret };
    }
    const client = this.registry.register({ ...input, name: validName(input.name) });
    return { clientId: client.clientId, clientSecret: client.secret };
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
    const client = this.registry.authenticate(clientId, input.clientSecret);
    this.registry.touch(clientId);

    const first = typeof clientMsgId === 'string' ? this.log.find(clientId, clientMsgId) : undefined;
    if (first) return { message: first, created: false };
    if (text.trim() === '') throw new InvalidText();
    const length = codePoints(text);
    if (length > this.options.maxTextLength) throw new TextTooLong(length, this.options.maxTextLength);
    this.registry.takeSend(client, input.address);
    if (name !== undefined) client.name = name;
    client.sent += 1;

    // #region store
    const message = this.log.append((seq) => ({
      type: 'message',
      seq,
      clientId,
      name: client.name,
      text,
      clientMsgId: typeof clientMsgId === 'string' ? clientMsgId : null,
      via,
      serverTime: this.now(),
    }));
    for (const listener of this.listeners) listener(message);
    // #endregion store
    return { message, created: true };
  }

  async since(after: number | undefined, options: SinceOptions = {}): Promise<CursorAnswer<ChatMessage>> {
    return this.page(after, options);
  }

  async authenticate(clientId: string, clientSecret: unknown): Promise<void> {
    this.registry.authenticate(clientId, clientSecret);
  }

  async remove(clientId: string): Promise<boolean> {
    return this.registry.remove(clientId);
  }

  async setLocked(locked: boolean): Promise<void> {
    this.registry.locked = locked;
  }

  async isLocked(): Promise<boolean> {
    return this.registry.locked;
  }

  async clients(): Promise<ClientSummary[]> {
    const out: ClientSummary[] = [];
    for (const c of this.registry.list()) {
      if (c.removed) continue;
      out.push({ clientId: c.clientId, name: c.name, address: c.address, connectedSince: c.createdAt, sent: c.sent, teacher: c.teacher, assigned: c.assigned });
    }
    return out;
  }

  async assign(mode: AssignmentMode): Promise<number> {
    return this.registry.setAssignMode(mode);
  }

  async assignmentMode(): Promise<AssignmentMode> {
    return this.registry.assignMode;
  }

  async assignment(clientId: string, clientSecret: unknown): Promise<TransportId | null> {
    return this.registry.assignmentOf(this.registry.authenticate(clientId, clientSecret));
  }

  async knows(clientId: string): Promise<boolean> {
    return this.registry.get(clientId) !== undefined;
  }

  async touch(clientId: string): Promise<boolean> {
    return this.registry.touch(clientId);
  }

  pin(clientId: string): () => void {
    return this.registry.pin(clientId);
  }

  async activeClients(): Promise<number> {
    return this.registry.activeCount();
  }

  subscribe(listener: RoomListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A room in memory starts again only with its process (a new epoch at start). */
  onRestart(_listener: (epoch: string) => void): () => void {
    return () => {};
  }

  announce(node: string): void {
    this.node = node;
  }

  /** A room in memory has one process: this one. */
  async nodes(): Promise<string[]> {
    return this.node === undefined ? [] : [this.node];
  }

  private page(after: number | undefined, options: SinceOptions): CursorAnswer<ChatMessage> {
    return answerCursor(this.log, after, this.options.historyLimit, options.pageSize ?? DEFAULTS.pageSize, options.epoch);
  }
}
