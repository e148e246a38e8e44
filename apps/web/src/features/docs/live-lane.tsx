import { createClient, type TransportClient } from '@wirebench/transports/client';
import type { ChatMessage } from '@wirebench/transports/contract';
import { useEffect, useState, useSyncExternalStore } from 'react';

type LaneTransport = 'ws-raw' | 'short-poll';

/** The lane's model, outside React: a real client and its last messages. */
class LaneModel {
  readonly client: TransportClient;
  private messages: readonly ChatMessage[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly off: () => void;

  constructor(transport: LaneTransport) {
    // The newest few messages of history are enough for a lane embedded in a page.
    this.client = createClient(transport, { baseUrl: location.origin, name: 'docs reader' });
    this.off = this.client.on('message', (m) => {
      this.messages = [...this.messages, m].slice(-8);
      for (const l of this.listeners) l();
    });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    const off = this.client.subscribe(listener);
    return () => {
      this.listeners.delete(listener);
      off();
    };
  };

  getMessages = (): readonly ChatMessage[] => this.messages;

  getSnapshot = () => this.client.getSnapshot();

  close(): void {
    this.off();
    this.client.close();
  }
}

function Lane({ model }: { model: LaneModel }) {
  const snap = useSyncExternalStore(model.subscribe, model.getSnapshot);
  const messages = useSyncExternalStore(model.subscribe, model.getMessages);
  const [text, setText] = useState('');
  return (
    <div className="live-lane-body">
      <p>
        status <b data-testid="live-lane-status">{snap.status}</b> · last seq <b>{snap.lastSeq}</b> · requests {snap.counters.requests} · bytes{' '}
        {snap.counters.bytesUp + snap.counters.bytesDown}
        {snap.lastError ? ` · ${snap.lastError}` : ''}
      </p>
      <ol className="live-lane-messages" data-testid="live-lane-messages">
        {messages.map((m) => (
          <li key={m.seq}>
            <span className="seq">#{m.seq}</span> <b>{m.name}</b> <span className="via">({m.via})</span> {m.text}
          </li>
        ))}
      </ol>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim() === '') return;
          model.client.send(text);
          setText('');
        }}
      >
        <input value={text} onChange={(e) => setText(e.target.value)} placeholder="say something to the room" data-testid="live-lane-input" />{' '}
        <button type="submit" data-testid="live-lane-send">
          Send
        </button>{' '}
        <button type="button" onClick={() => model.client.cut()}>
          Cut
        </button>
      </form>
    </div>
  );
}

/** One real lane (hand-rolled WebSocket or short polling), started on request. */
export function LiveLane() {
  const [transport, setTransport] = useState<LaneTransport>('ws-raw');
  const [model, setModel] = useState<LaneModel | null>(null);
  useEffect(() => () => model?.close(), [model]);

  return (
    <section className="widget" data-testid="live-lane" aria-label="Live lane">
      <h4>Live lane</h4>
      <label>
        transport{' '}
        <select
          value={transport}
          onChange={(e) => {
            setModel(null);
            setTransport(e.target.value as LaneTransport);
          }}
          data-testid="live-lane-transport"
        >
          <option value="ws-raw">ws-raw (hand-rolled WebSocket)</option>
          <option value="short-poll">short-poll</option>
        </select>
      </label>{' '}
      {model ? (
        <button onClick={() => setModel(null)}>Disconnect</button>
      ) : (
        <button
          className="primary"
          data-testid="live-lane-connect"
          onClick={() => {
            const m = new LaneModel(transport);
            m.client.connect();
            setModel(m);
          }}
        >
          Connect
        </button>
      )}
      {model && <Lane key={transport} model={model} />}
    </section>
  );
}
