import { memo, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { ClientCounters, ClientStatus } from '@wirebench/transports/client';
import type { TransportId } from '@wirebench/transports/contract';
import type { Lane, LaneMessage } from '../../model/lane.ts';
import { bytesPerMessage, serverBytesPerMessage } from '../../lib/stats-math.ts';
import { fmtBytes, fmtInt, fmtMs } from '../../ui/format.ts';
import { useStore, useWorkbench } from '../../ui/use-store.ts';
import { CompressCompare, CompressSwitch } from './compress.tsx';

export function StatusBadge({ transport, status }: { transport: TransportId; status: ClientStatus }) {
  const { t } = useTranslation('lanes');
  return (
    <span className={`status ${status}`} data-testid={`lane-${transport}-status`}>
      {t(`status.${status}`, { defaultValue: status })}
    </span>
  );
}

/** The full card of the normal layout: counters beside the server's, controls, messages, a send box. */
export function LaneCard({ lane, removable }: { lane: Lane; removable: boolean }) {
  const wb = useWorkbench();
  const { t } = useTranslation('lanes');
  const { t: tc } = useTranslation('common');
  const s = useStore(lane.store);
  const stats = useStore(wb.stats.store).stats;
  const server = stats?.transports[lane.transport];
  const c = s.client.counters;
  const id = lane.transport;
  const status = s.client.status;
  const paused = status === 'paused';
  const locked = status === 'locked';
  const perMsg = bytesPerMessage(c, c.messages);
  const [delay, setDelay] = useState(s.serverDelayMs);
  const error = s.lastError ?? s.client.lastError;

  // One row per figure: [label, this lane, the server's count for the whole transport].
  const rows: Array<[key: string, label: string, mine: string, theirs: string, testId?: string, hint?: string]> = [
    ['requests', t('counters.requests'), fmtInt(c.requests), fmtInt(server?.requests), `lane-${id}-requests`],
    ['frames', ...framesRow(id, c, t)],
    ['bytes-up', t('counters.bytesUp'), fmtBytes(c.bytesUp), fmtBytes(server?.bytesIn)],
    ['bytes-down', t('counters.bytesDown'), fmtBytes(c.bytesDown), fmtBytes(server?.bytesOut)],
    ['delivered', t('counters.delivered'), fmtInt(c.messages), fmtInt(server?.delivered), `lane-${id}-delivered`, t('counters.deliveredHint')],
    [
      'per-message',
      t('counters.perMessage'),
      fmtBytes(perMsg.totalPerMessage),
      fmtBytes(serverBytesPerMessage(server)),
      `lane-${id}-per-message`,
      // A compressed lane counts its messages as the browser hands them over: inflated.
      lane.compressed ? `${t('counters.perMessageHint')}; ${t('compress.beforeCompression')}` : t('counters.perMessageHint'),
    ],
    ['connections', t('counters.connections'), '', fmtInt(server?.connections)],
  ];

  return (
    <section className="panel lane" style={{ ['--lane' as string]: `var(--lane-${id})` }} data-testid={`lane-${id}`}>
      <div className="lane-head">
        <h2>{tc(`transport.${id}`)}</h2>
        <StatusBadge transport={id} status={status} />
        <span className="lane-id mono" title="clientId" data-testid={`lane-${id}-client-id`}>
          {s.client.clientId ?? '—'}
        </span>
        <CompressSwitch lane={lane} />
      </div>
      <div className="counters">
        <span className="h" />
        <span className="h">{t('counters.thisLane')}</span>
        <span className="h" title={t('counters.serverHint')}>
          {t('counters.server')}
        </span>
        {rows.map(([key, label, mine, theirs, testId, hint]) => (
          <div className="row" key={key} title={hint}>
            <span className="k">{label}</span>
            <span className="v" data-testid={testId}>
              {mine}
            </span>
            <span className="v">{theirs}</span>
          </div>
        ))}
      </div>
      <CompressCompare lane={lane} />
      <div className="seqline">
        <span data-testid={`lane-${id}-caught-up`} title={t('delivery.caughtUpHint')}>
          {t('delivery.caughtUp', { n: s.caughtUp })}
        </span>
        <span data-testid={`lane-${id}-history`} title={t('delivery.historyHint')}>
          {t('delivery.history', { n: c.history })}
        </span>
      </div>
      <div className="seqline">
        <span>{t('seq.last', { seq: s.client.lastSeq })}</span>
        <span className={s.seq.gaps === 0 ? 'ok' : 'bad'} data-testid={`lane-${id}-gaps`}>
          {t('seq.gaps', { n: s.seq.gaps })}
        </span>
        <span className={s.seq.duplicates === 0 ? 'ok' : 'bad'} data-testid={`lane-${id}-dups`}>
          {t('seq.duplicates', { n: s.seq.duplicates })}
        </span>
        <span data-testid={`lane-${id}-reconnects`}>{t('seq.reconnects', { n: c.reconnects })}</span>
        {s.seq.roomRestarts > 0 && (
          <span title={t('seq.roomRestartsHint')} data-testid={`lane-${id}-room-restarts`}>
            {t('seq.roomRestarts', { n: s.seq.roomRestarts })}
          </span>
        )}
        {paused ? (
          <span title={t('seq.waitingHint')} data-testid={`lane-${id}-waiting`}>
            {t('seq.waiting', { n: s.deferredSends })}
          </span>
        ) : (
          s.client.pendingSends > 0 && <span>{t('seq.unsent', { n: s.client.pendingSends })}</span>
        )}
      </div>
      <div className="lane-actions">
        <button
          onClick={() => (paused || locked ? lane.client.resume() : lane.client.pause())}
          disabled={status === 'removed'}
          data-testid={`lane-${id}-pause`}
        >
          {paused ? t('actions.resume') : locked ? t('actions.tryAgain') : t('actions.pause')}
        </button>
        <button onClick={() => lane.client.cut()} title={t('actions.cutClientHint')} data-testid={`lane-${id}-cut`}>
          {t('actions.cutClient')}
        </button>
        <button onClick={() => void wb.serverCut(id)} title={t('actions.cutServerHint')} data-testid={`lane-${id}-server-cut`}>
          {t('actions.cutServer')}
        </button>
        <label title={t('actions.delayHint')}>
          {t('actions.delay')}{' '}
          <input type="number" min={0} max={10000} step={100} value={delay} onChange={(e) => setDelay(Number(e.target.value))} />
        </label>
        <button onClick={() => void wb.serverDelay(id, Math.min(10_000, Math.max(0, delay)))} data-testid={`lane-${id}-delay`}>
          {s.serverDelayMs ? t('actions.applied', { ms: s.serverDelayMs }) : t('actions.apply')}
        </button>
        {removable && (
          <button className="danger" onClick={() => wb.removeLane(id)} data-testid={`lane-${id}-remove`}>
            {t('actions.remove')}
          </button>
        )}
      </div>
      <div className="error-line">{error ? t('lastError', { error }) : ''}</div>
      <MessageList messages={s.messages} limit={LIST_MESSAGES} testId={`lane-${id}-messages`} />
      <SendBox onSend={(text) => wb.send(id, text)} transport={id} />
    </section>
  );
}

/**
 * What the lane counts instead of frames: WebSocket frames both ways, SSE events down
 * (counted apart from frames), nothing for the polling lanes (plain HTTP answers).
 */
function framesRow(id: TransportId, c: ClientCounters, t: TFunction<'lanes'>): [label: string, mine: string, theirs: string, testId: string] {
  const testId = `lane-${id}-frames`;
  if (id === 'ws-raw' || id === 'ws-lib') return [t('counters.wsFrames'), `${fmtInt(c.framesUp)} / ${fmtInt(c.framesDown)}`, '—', testId];
  if (id === 'sse') return [t('counters.sseEvents'), fmtInt(c.eventsDown), '—', testId];
  return [t('counters.noFrames'), '—', '—', testId];
}

/** Rows a lane's list renders: three screens of it; the lane keeps MESSAGE_LIMIT for its figures. */
const LIST_MESSAGES = 40;

// Newest first in the DOM, shown bottom-up (column-reverse): the browser keeps
// the view pinned to the newest message without reading layout on every update.
// Memoised: the card re-renders every second for the server's figures; the list only when its messages change.
export const MessageList = memo(function MessageList({ messages, testId, limit = messages.length }: { messages: readonly LaneMessage[]; testId: string; limit?: number }) {
  const { t } = useTranslation('lanes');
  // Looked up once per language, not once per row: a row is only rendered when it is new.
  const hints = useMemo<Hints>(
    () => ({
      estimated: t('message.estimatedHint'),
      measured: t('message.measuredHint'),
      caughtUp: t('message.caughtUp'),
      caughtUpHint: t('message.caughtUpHint'),
    }),
    [t],
  );
  const rows = [];
  const stop = Math.max(0, messages.length - limit);
  for (let i = messages.length - 1; i >= stop; i--) rows.push(<MessageRow key={messages[i]!.seq} m={messages[i]!} hints={hints} />);
  return (
    <ol className="messages" data-testid={testId}>
      {rows}
    </ol>
  );
});

// Text only: every field is a React text node, never HTML.
interface Hints {
  estimated: string;
  measured: string;
  caughtUp: string;
  caughtUpHint: string;
}

const MessageRow = memo(function MessageRow({ m, hints }: { m: LaneMessage; hints: Hints }) {
  const className = [m.own && 'own', m.history && 'history', m.caughtUp && 'caught-up'].filter(Boolean).join(' ');
  return (
    <li className={className || undefined} data-seq={m.seq}>
      <span className="seq">#{m.seq}</span>
      <span className="name">{m.name}</span>
      <span className="text">{m.text}</span>
      <span className="via" style={{ ['--via' as string]: `var(--lane-${m.via})` }}>
        {m.via}
      </span>
      {m.caughtUp && (
        <span className="caught-up-tag" title={hints.caughtUpHint}>
          {hints.caughtUp}
        </span>
      )}
      {m.latencyMs !== null && (
        <span className="lat" title={m.estimated ? hints.estimated : hints.measured}>
          {m.estimated ? '≈' : ''}
          {fmtMs(m.latencyMs)}
        </span>
      )}
    </li>
  );
});

function SendBox({ onSend, transport }: { onSend: (text: string) => void; transport: TransportId }) {
  const { t } = useTranslation('lanes');
  const [text, setText] = useState('');
  return (
    <form
      className="send"
      onSubmit={(e) => {
        e.preventDefault();
        if (text.trim() === '') return;
        onSend(text);
        setText('');
      }}
    >
      <input
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder={t('send.placeholder', { transport })}
        maxLength={2000}
        data-testid={`lane-${transport}-input`}
      />
      <button className="primary" type="submit" data-testid={`lane-${transport}-send`}>
        {t('send.button')}
      </button>
    </form>
  );
}
