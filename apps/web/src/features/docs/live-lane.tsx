import { createClient } from '@wirebench/transports/client';
import { useEffect, useState } from 'react';
import { pageNow } from '../../model/clock.ts';
import { Lane } from '../../model/lane.ts';
import { Measurements } from '../../model/measurements.ts';
import { useStore } from '../../ui/use-store.ts';

type LaneTransport = 'ws-raw' | 'short-poll';

/** The newest few messages are enough for a lane embedded in a page. */
const SHOWN = 8;

/** The dashboard's lane (its store, seq tracking and measurements), as a docs reader. */
function openLane(transport: LaneTransport): Lane {
  return new Lane(transport, {
    factory: createClient,
    measurements: new Measurements(),
    options: { baseUrl: location.origin, name: 'docs reader', now: pageNow },
    now: pageNow,
  });
}

function LaneBody({ lane }: { lane: Lane }) {
  const state = useStore(lane.store);
  const snap = state.client;
  const error = state.lastError ?? snap.lastError;
  const [text, setText] = useState('');
  return (
    <div className="live-lane-body">
      <p>
        status <b data-testid="live-lane-status">{snap.status}</b> · last seq <b>{snap.lastSeq}</b> · requests {snap.counters.requests} · bytes{' '}
        {snap.counters.bytesUp + snap.counters.bytesDown}
        {error ? ` · ${error}` : ''}
      </p>
      <ol className="live-lane-messages" data-testid="live-lane-messages">
        {state.messages.slice(-SHOWN).map((m) => (
          <li key={m.seq}>
            <span className="seq">#{m.seq}</span> <b>{m.name}</b> <span className="via">({m.via})</span> {m.text}
          </li>
        ))}
      </ol>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim() === '') return;
          lane.send(text);
          setText('');
        }}
      >
        <input value={text} onChange={(e) => setText(e.target.value)} placeholder="say something to the room" data-testid="live-lane-input" />{' '}
        <button type="submit" data-testid="live-lane-send">
          Send
        </button>{' '}
        <button type="button" onClick={() => lane.client.cut()}>
          Cut
        </button>
      </form>
    </div>
  );
}

/** One real lane (hand-rolled WebSocket or short polling), started on request. */
export function LiveLane() {
  const [transport, setTransport] = useState<LaneTransport>('ws-raw');
  const [lane, setLane] = useState<Lane | null>(null);
  useEffect(() => () => lane?.dispose(), [lane]);

  return (
    <section className="widget" data-testid="live-lane" aria-label="Live lane">
      <h4>Live lane</h4>
      <label>
        transport{' '}
        <select
          value={transport}
          onChange={(e) => {
            setLane(null);
            setTransport(e.target.value as LaneTransport);
          }}
          data-testid="live-lane-transport"
        >
          <option value="ws-raw">ws-raw (hand-rolled WebSocket)</option>
          <option value="short-poll">short-poll</option>
        </select>
      </label>{' '}
      {lane ? (
        <button onClick={() => setLane(null)}>Disconnect</button>
      ) : (
        <button
          className="primary"
          data-testid="live-lane-connect"
          onClick={() => {
            const opened = openLane(transport);
            opened.start();
            setLane(opened);
          }}
        >
          Connect
        </button>
      )}
      {lane && <LaneBody key={transport} lane={lane} />}
    </section>
  );
}
