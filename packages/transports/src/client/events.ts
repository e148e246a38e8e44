// The client's events (ClientEvents) and its snapshot subscribers. A faulty listener
// never breaks the client: its error is rethrown outside the client's call stack.
import type { ClientEvents } from './types.ts';

type Listeners = { [E in keyof ClientEvents]: Set<ClientEvents[E]> };

export class ClientEmitter {
  private readonly listeners: Listeners = {
    message: new Set(),
    status: new Set(),
    request: new Set(),
    error: new Set(),
    joined: new Set(),
    ack: new Set(),
    lesson: new Set(),
  };
  private readonly subscribers = new Set<() => void>();

  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): () => void {
    const set = this.listeners[event] as Set<ClientEvents[E]>;
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  emit<E extends keyof ClientEvents>(event: E, ...args: Parameters<ClientEvents[E]>): void {
    for (const listener of [...(this.listeners[event] as Set<(...a: Parameters<ClientEvents[E]>) => void>)]) {
      try {
        listener(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  subscribe(listener: () => void): () => void {
    this.subscribers.add(listener);
    return () => {
      this.subscribers.delete(listener);
    };
  }

  /** The snapshot changed. */
  notify(): void {
    for (const listener of [...this.subscribers]) listener();
  }
}
