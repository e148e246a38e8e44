import { memo, useState } from 'react';
import type { ClientStatus } from '@wirebench/transports/client';
import type { TransportId } from '@wirebench/transports/contract';
import type { Lane, LaneMessage } from '../../model/lane.ts';
import { bytesPerMessage } from '../../lib/stats-math.ts';
import { TRANSPORT_LABELS } from '../../model/workbench.ts';
import { fmtBytes, fmtInt, fmtMs, LANE_COLORS } from '../../ui/format.ts';
import { useStore, useWorkbench } from '../../ui/use-store.ts';

/** Statuses that need a sentence: the lane is shut out, not broken. */
const STATUS_WORDS: Partial<Record<ClientStatus, string>> = {
  removed: 'removed by the teacher',
  locked: 'room locked: not let in',
};

export function LaneCard({ lane, removable }: { lane: Lane; removable: boolean }) {
  const wb = useWorkbench();
  const s = useStore(lane.store);
  const stats = useStore(wb.stats.store).stats;
  const server = stats?.transports[lane.transport];
  const c = s.client.counters;
  const t = lane.transport;
  const status = s.client.status;
  const paused = status === 'paused';
  const locked = status === 'locked';
  const perMsg = bytesPerMessage(c, c.messages);
  const [delay, setDelay] = useState(s.serverDelayMs);

  return (
    <section className="panel lane" style={{ ['--lane' as string]: LANE_COLORS[t] }} data-testid={`lane-${t}`}>
      <div className="lane-head">
        <h2>{TRANSPORT_LABELS[t]}</h2>
        <span className={`status ${status}`} data-testid={`lane-${t}-status`}>
          {STATUS_WORDS[status] ?? status}
        </span>
        <span className="lane-id mono" title="clientId" data-testid={`lane-${t}-client-id`}>
          {s.client.clientId ?? '—'}
        </span>
      </div>
      <div className="counters">
        <span className="h" />
        <span className="h">this lane</span>
        <span className="h" title="the server's counters for this transport, all clients">server (all)</span>
        <span className="k">HTTP requests</span>
        <span className="v" data-testid={`lane-${t}-requests`}>{fmtInt(c.requests)}</span>
        <span className="v">{fmtInt(server?.requests)}</span>
        <span className="k">WS frames ↑/↓</span>
        <span className="v">
          {fmtInt(c.framesUp)} / {fmtInt(c.framesDown)}
        </span>
        <span className="v">—</span>
        <span className="k">bytes ↑ / ↓</span>
        <span className="v">
          {fmtBytes(c.bytesUp)} / {fmtBytes(c.bytesDown)}
        </span>
        <span className="v">
          {fmtBytes(server?.bytesIn)} / {fmtBytes(server?.bytesOut)}
        </span>
        <span className="k">delivered</span>
        <span className="v">{fmtInt(c.messages)}</span>
        <span className="v">{fmtInt(server?.delivered)}</span>
        <span className="k">bytes per message</span>
        <span className="v" title="all bytes both ways, headers + payload, divided by delivered messages">
          {fmtBytes(perMsg.totalPerMessage)}
        </span>
        <span className="v">conn {fmtInt(server?.connections)}</span>
      </div>
      <div className="seqline">
        <span>last seq {s.client.lastSeq}</span>
        <span className={s.seq.gaps === 0 ? 'ok' : 'bad'} data-testid={`lane-${t}-gaps`}>
          gaps: {s.seq.gaps}
        </span>
        <span className={s.seq.duplicates === 0 ? 'ok' : 'bad'} data-testid={`lane-${t}-dups`}>
          duplicates: {s.seq.duplicates}
        </span>
        <span data-testid={`lane-${t}-reconnects`}>reconnects: {c.reconnects}</span>
        {s.client.pendingSends > 0 && <span>unsent: {s.client.pendingSends}</span>}
      </div>
      <div className="lane-actions">
        <button
          onClick={() => (paused || locked ? lane.client.resume() : lane.client.pause())}
          disabled={status === 'removed'}
          data-testid={`lane-${t}-pause`}
        >
          {paused ? 'Resume' : locked ? 'Try again' : 'Pause'}
        </button>
        <button onClick={() => lane.client.cut()} title="drop the connection in the browser, as a network failure would" data-testid={`lane-${t}-cut`}>
          Cut (client)
        </button>
        <button onClick={() => void wb.serverCut(t)} title="POST /api/debug/cut: the server drops this client" data-testid={`lane-${t}-server-cut`}>
          Cut (server)
        </button>
        <label title="POST /api/debug/delay: the server holds every delivery to this client">
          delay{' '}
          <input type="number" min={0} max={10000} step={100} value={delay} onChange={(e) => setDelay(Number(e.target.value))} />
        </label>
        <button onClick={() => void wb.serverDelay(t, Math.min(10_000, Math.max(0, delay)))} data-testid={`lane-${t}-delay`}>
          Apply{s.serverDelayMs ? ` (${s.serverDelayMs} ms)` : ''}
        </button>
        {removable && (
          <button className="danger" onClick={() => wb.removeLane(t)} data-testid={`lane-${t}-remove`}>
            Remove
          </button>
        )}
      </div>
      <div className="error-line">{s.lastError || s.client.lastError ? `last error: ${s.lastError ?? s.client.lastError}` : ''}</div>
      <MessageList messages={s.messages} testId={`lane-${t}-messages`} />
      <SendBox onSend={(text) => wb.send(t, text)} transport={t} />
    </section>
  );
}

// Newest first in the DOM, shown bottom-up (column-reverse): the browser keeps
// the view pinned to the newest message without reading layout on every update.
function MessageList({ messages, testId }: { messages: readonly LaneMessage[]; testId: string }) {
  const rows = [];
  for (let i = messages.length - 1; i >= 0; i--) rows.push(<MessageRow key={messages[i]!.seq} m={messages[i]!} />);
  return (
    <ol className="messages" data-testid={testId}>
      {rows}
    </ol>
  );
}

// Text only: every field is a React text node, never HTML.
const MessageRow = memo(function MessageRow({ m }: { m: LaneMessage }) {
  return (
    <li className={m.own ? 'own' : m.history ? 'history' : undefined} data-seq={m.seq}>
      <span className="seq">#{m.seq}</span>
      <span className="name">{m.name}</span>
      <span className="text">{m.text}</span>
      <span className="via" style={{ background: LANE_COLORS[m.via] ?? '#868e96' }}>
        {m.via}
      </span>
      {m.latencyMs !== null && (
        <span className="lat" title={m.estimated ? 'estimated from serverTime and the clock offset' : 'measured: sent and received on this page'}>
          {m.estimated ? '≈' : ''}
          {fmtMs(m.latencyMs)}
        </span>
      )}
    </li>
  );
});

function SendBox({ onSend, transport }: { onSend: (text: string) => void; transport: TransportId }) {
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
      <input value={text} onChange={(e) => setText(e.target.value)} placeholder={`message via ${transport}`} maxLength={2000} data-testid={`lane-${transport}-input`} />
      <button className="primary" type="submit" data-testid={`lane-${transport}-send`}>
        Send
      </button>
    </form>
  );
}
