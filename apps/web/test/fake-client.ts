// A scriptable TransportClient for the lib tests: the test pushes events in.
import type { ChatMessage, TransportId } from '@wirebench/transports/contract';
import type {
  ClientEvents,
  DeliveryInfo,
  ClientIdentity,
  ClientOptions,
  ClientSnapshot,
  SendOptions,
  TransportClient,
} from '@wirebench/transports/client';

export class FakeClient implements TransportClient {
  sent: Array<{ text: string; options?: SendOptions }> = [];
  calls: string[] = [];
  optionsSet: Array<Record<string, unknown>> = [];
  private snap: ClientSnapshot;
  private listeners = new Set<() => void>();
  private handlers = new Map<keyof ClientEvents, Set<(...args: never[]) => void>>();

  constructor(
    readonly transport: TransportId,
    readonly options: ClientOptions = {},
  ) {
    this.snap = {
      transport,
      status: 'idle',
      clientId: null,
      lastSeq: 0,
      epoch: null,
      counters: {
        requests: 0,
        framesUp: 0,
        framesDown: 0,
        eventsDown: 0,
        bytesUp: 0,
        bytesDown: 0,
        reconnects: 0,
        messages: 0,
        caughtUp: 0,
        history: 0,
        headerBytesUp: 0,
        payloadBytesUp: 0,
        headerBytesDown: 0,
        payloadBytesDown: 0,
      },
      perMessage: null,
      pendingSends: 0,
      lastError: null,
      extensions: '',
    };
  }

  connect(): void {
    this.calls.push('connect');
    this.setSnap({ status: 'connecting' });
  }
  send(text: string, options?: SendOptions): string {
    if (this.snap.status === 'closed' || this.snap.status === 'removed') throw new Error(`client is ${this.snap.status}`);
    this.sent.push({ text, options });
    return options?.clientMsgId ?? `${this.transport}-random-${this.sent.length}`;
  }
  close(): void {
    this.calls.push('close');
    this.setSnap({ status: 'closed' });
  }
  pause(): void {
    this.calls.push('pause');
    this.setSnap({ status: 'paused' });
  }
  resume(): void {
    this.calls.push('resume');
    this.setSnap({ status: 'open' });
  }
  cut(): void {
    this.calls.push('cut');
  }
  setOptions(options: Partial<Pick<ClientOptions, 'pollIntervalMs' | 'longPollTimeoutMs' | 'name'>>): void {
    this.optionsSet.push(options);
  }
  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    const fn = listener as (...args: never[]) => void;
    set.add(fn);
    return () => set.delete(fn);
  }
  identity(): ClientIdentity | null {
    const { clientId, status } = this.snap;
    return clientId === null || status === 'removed' ? null : { clientId, clientSecret: `secret-of-${clientId}` };
  }
  getSnapshot(): ClientSnapshot {
    return this.snap;
  }
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // --- test drivers
  setSnap(p: Partial<ClientSnapshot>): void {
    this.snap = { ...this.snap, ...p };
    for (const l of this.listeners) l();
  }
  emit<E extends keyof ClientEvents>(event: E, ...args: Parameters<ClientEvents[E]>): void {
    for (const h of this.handlers.get(event) ?? []) (h as (...a: unknown[]) => void)(...args);
  }
  join(clientId: string, lastSeq: number): void {
    this.setSnap({ clientId, lastSeq, status: 'open' });
    this.emit('joined', { clientId, lastSeq });
  }
}

/** How a real client says a message reached it; room 'e1' unless given. */
export function delivered(kind: DeliveryInfo['kind'] = 'live', epoch: string | null = 'e1'): DeliveryInfo {
  return { kind, epoch };
}

export function message(seq: number, p: Partial<ChatMessage> = {}): ChatMessage {
  return {
    type: 'message',
    seq,
    clientId: 'other',
    name: 'ana',
    text: `m${seq}`,
    clientMsgId: null,
    via: 'short-poll',
    serverTime: 1_000_000 + seq,
    ...p,
  };
}
