import { memo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClientStatus } from '@wirebench/transports/client';
import type { TransportId } from '@wirebench/transports/contract';
import type { Lane, LaneMessage } from '../../model/lane.ts';
import { bytesPerMessage } from '../../lib/stats-math.ts';
import { fmtBytes, fmtInt, fmtMs } from '../../ui/format.ts';
import { useStore, useWorkbench } from '../../ui/use-store.ts';

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
  const { t: ta } = useTranslation('app');
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
    ['frames', t('counters.frames'), `${fmtInt(c.framesUp)} / ${fmtInt(c.framesDown)}`, '—'],
    ['bytes-up', t('counters.bytesUp'), fmtBytes(c.bytesUp), fmtBytes(server?.bytesIn)],
    ['bytes-down', t('counters.bytesDown'), fmtBytes(c.bytesDown), fmtBytes(server?.bytesOut)],
    ['delivered', t('counters.delivered'), fmtInt(c.messages), fmtInt(server?.delivered)],
    ['per-message', t('counters.perMessage'), fmtBytes(perMsg.totalPerMessage), '', undefined, t('counters.perMessageHint')],
    ['connections', t('counters.connections'), '', fmtInt(server?.connections)],
  ];

  return (
    <section className="panel lane" style={{ ['--lane' as string]: `var(--lane-${id})` }} data-testid={`lane-${id}`}>
      <div className="lane-head">
        <h2>{ta(`transport.name.${id}`)}</h2>
        <StatusBadge transport={id} status={status} />
        <span className="lane-id mono" title="clientId" data-testid={`lane-${id}-client-id`}>
          {s.client.clientId ?? '—'}
        </span>
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
      <div className="seqline">
        <span>{t('seq.last', { seq: s.client.lastSeq })}</span>
        <span className={s.seq.gaps === 0 ? 'ok' : 'bad'} data-testid={`lane-${id}-gaps`}>
          {t('seq.gaps', { n: s.seq.gaps })}
        </span>
        <span className={s.seq.duplicates === 0 ? 'ok' : 'bad'} data-testid={`lane-${id}-dups`}>
          {t('seq.duplicates', { n: s.seq.duplicates })}
        </span>
        <span data-testid={`lane-${id}-reconnects`}>{t('seq.reconnects', { n: c.reconnects })}</span>
        {s.client.pendingSends > 0 && <span>{t('seq.unsent', { n: s.client.pendingSends })}</span>}
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
      <MessageList messages={s.messages} testId={`lane-${id}-messages`} />
      <SendBox onSend={(text) => wb.send(id, text)} transport={id} />
    </section>
  );
}

// Newest first in the DOM, shown bottom-up (column-reverse): the browser keeps
// the view pinned to the newest message without reading layout on every update.
export function MessageList({ messages, testId, limit = messages.length }: { messages: readonly LaneMessage[]; testId: string; limit?: number }) {
  const { t } = useTranslation('lanes');
  // Looked up once per list, not once per row: a row is only rendered when it is new.
  const hints: Hints = { estimated: t('message.estimatedHint'), measured: t('message.measuredHint') };
  const rows = [];
  const stop = Math.max(0, messages.length - limit);
  for (let i = messages.length - 1; i >= stop; i--) rows.push(<MessageRow key={messages[i]!.seq} m={messages[i]!} estimatedHint={hints.estimated} measuredHint={hints.measured} />);
  return (
    <ol className="messages" data-testid={testId}>
      {rows}
    </ol>
  );
}

// Text only: every field is a React text node, never HTML.
interface Hints {
  estimated: string;
  measured: string;
}

const MessageRow = memo(function MessageRow({ m, estimatedHint, measuredHint }: { m: LaneMessage; estimatedHint: string; measuredHint: string }) {
  return (
    <li className={m.own ? 'own' : m.history ? 'history' : undefined} data-seq={m.seq}>
      <span className="seq">#{m.seq}</span>
      <span className="name">{m.name}</span>
      <span className="text">{m.text}</span>
      <span className="via" style={{ ['--via' as string]: `var(--lane-${m.via})` }}>
        {m.via}
      </span>
      {m.latencyMs !== null && (
        <span className="lat" title={m.estimated ? estimatedHint : measuredHint}>
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
