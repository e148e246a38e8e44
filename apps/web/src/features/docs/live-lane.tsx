import { createClient } from '@wirebench/transports/client';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { pageNow } from '../../model/clock.ts';
import { Lane } from '../../model/lane.ts';
import { Measurements } from '../../model/measurements.ts';
import { useStore } from '../../ui/use-store.ts';

type LaneTransport = 'ws-raw' | 'short-poll';

/** The newest few messages are enough for a lane embedded in a page. */
const SHOWN = 8;

/** The dashboard's lane (its store, seq tracking and measurements), as a docs reader. */
function openLane(transport: LaneTransport, name: string): Lane {
  return new Lane(transport, {
    factory: createClient,
    measurements: new Measurements(),
    options: { baseUrl: location.origin, name, now: pageNow },
    now: pageNow,
  });
}

function LaneBody({ lane }: { lane: Lane }) {
  const { t } = useTranslation('docs');
  const state = useStore(lane.store);
  const snap = state.client;
  const error = state.lastError ?? snap.lastError;
  const [text, setText] = useState('');
  return (
    <div className="live-lane-body">
      <p>
        {t('liveLane.status')} <b data-testid="live-lane-status">{snap.status}</b> · {t('liveLane.lastSeq')} <b>{snap.lastSeq}</b> · {t('liveLane.requests')}{' '}
        {snap.counters.requests} · {t('liveLane.bytes')} {snap.counters.bytesUp + snap.counters.bytesDown}
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
        <input value={text} onChange={(e) => setText(e.target.value)} placeholder={t('liveLane.placeholder')} data-testid="live-lane-input" />{' '}
        <button type="submit" data-testid="live-lane-send">
          {t('liveLane.send')}
        </button>{' '}
        <button type="button" onClick={() => lane.client.cut()}>
          {t('liveLane.cut')}
        </button>
      </form>
    </div>
  );
}

/** One real lane (hand-rolled WebSocket or short polling), started on request. */
export function LiveLane() {
  const { t } = useTranslation('docs');
  const [transport, setTransport] = useState<LaneTransport>('ws-raw');
  const [lane, setLane] = useState<Lane | null>(null);
  useEffect(() => () => lane?.dispose(), [lane]);

  return (
    <section className="widget" data-testid="live-lane" aria-label={t('liveLane.title')}>
      <h4>{t('liveLane.title')}</h4>
      <label className="widget-field">
        {t('liveLane.transport')}{' '}
        <select
          value={transport}
          onChange={(e) => {
            setLane(null);
            setTransport(e.target.value as LaneTransport);
          }}
          data-testid="live-lane-transport"
        >
          <option value="ws-raw">{t('liveLane.wsRaw')}</option>
          <option value="short-poll">short-poll</option>
        </select>
      </label>{' '}
      {lane ? (
        <button onClick={() => setLane(null)}>{t('liveLane.disconnect')}</button>
      ) : (
        <button
          className="primary"
          data-testid="live-lane-connect"
          onClick={() => {
            const opened = openLane(transport, t('liveLane.readerName'));
            opened.start();
            setLane(opened);
          }}
        >
          {t('liveLane.connect')}
        </button>
      )}
      {lane && <LaneBody key={transport} lane={lane} />}
    </section>
  );
}
