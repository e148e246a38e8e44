// The student page (issue 10): what a phone opens from the teacher's QR code. Name first,
// then the chat, then this student's one lane with its own figures. No control here acts
// on anyone else.
import { type FormEvent, memo, useEffect, useState } from 'react';
import { createClient, type ClientStatus } from '@wirebench/transports/client';
import { DEFAULTS, TRANSPORT_IDS, type TransportId } from '@wirebench/transports/contract';
import { pageNow } from '../../model/clock.ts';
import type { Lane } from '../../model/lane.ts';
import type { Measurements } from '../../model/measurements.ts';
import { bytesPerMessage } from '../../lib/stats-math.ts';
import { TRANSPORT_LABELS } from '../../model/workbench.ts';
import { fmtBytes, fmtInt, fmtMs, LANE_COLORS } from '../../ui/format.ts';
import { useStore } from '../../ui/use-store.ts';
import { type ChatEntry, type KeyValue, StudentModel } from '../../model/student-model.ts';
import './student.css';

/** Every word the page shows. `{name}`-style slots are filled by `fill`. */
const STRINGS = {
  brand: 'Wirebench',
  tagline: 'class chat',
  docs: 'How it works',
  nameLabel: 'Your name',
  nameHint: 'Everyone in the room sees it next to your messages.',
  nameJoin: 'Join the chat',
  nameSave: 'Save',
  nameCancel: 'Cancel',
  nameChange: 'Change name',
  youAre: 'You are {name}',
  chatLabel: 'Messages',
  chatEmpty: 'No messages yet. Say hello!',
  you: 'you',
  messageLabel: 'Message',
  messagePlaceholder: 'Write a message',
  send: 'Send',
  notSent: 'Not sent: you are no longer in the room.',
  removed: 'The teacher removed you from this room',
  locked: 'The room is locked: ask your teacher',
  tryAgain: 'Try again',
  assigned: 'Your teacher put you on {label}',
  laneTitle: 'Your connection',
  pickLabel: 'Pick how your phone talks to the server',
  status: {
    idle: 'not started',
    connecting: 'connecting…',
    open: 'connected',
    reconnecting: 'reconnecting…',
    paused: 'paused',
    locked: 'locked out',
    removed: 'removed',
    closed: 'closed',
  } satisfies Record<ClientStatus, string>,
  latencyLast: 'Latency of your last message',
  latencyMedian: 'Median latency ({count} messages)',
  requests: 'Requests made',
  delivered: 'Messages delivered',
  reconnects: 'Reconnects',
  perMessage: 'Bytes per delivered message',
  perMessageSplit: 'of which headers / payload',
  bytesPair: '{headers} / {payload}',
  cut: 'Cut my connection',
  cutHint: 'The server drops your connection; watch it come back with nothing missed.',
  cutDone: 'Cut. Watch the lane reconnect.',
  cutFailed: 'The server did not cut the connection.',
  transports: TRANSPORT_LABELS,
};

function fill(template: string, slots: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in slots ? String(slots[key]) : whole));
}

// One model per page, created outside React on first use and ended with the page.
let model: StudentModel | null = null;

function studentModel(): StudentModel {
  if (model === null) {
    model = new StudentModel({
      factory: (transport, options) => createClient(transport, options),
      fetch: (input, init) => fetch(input, init),
      baseUrl: location.origin,
      now: pageNow,
      local: storage(() => localStorage),
      session: storage(() => sessionStorage),
    });
    model.start();
    addEventListener('pagehide', () => model?.stop());
    // Back from the back/forward cache: the same seat (sessionStorage), a new connection.
    addEventListener('pageshow', (e) => {
      if (e.persisted) model?.start();
    });
  }
  return model;
}

/** A storage the browser may refuse to give (blocked cookies, some private modes). */
function storage(get: () => Storage): KeyValue | null {
  try {
    return get();
  } catch {
    return null;
  }
}

export function StudentPage() {
  const m = studentModel();
  const s = useStore(m.store);
  const [editingName, setEditingName] = useState(false);

  if (s.name === '' || editingName) {
    return (
      <div className="student" data-testid="student-page">
        <Brand />
        <NameForm
          initial={s.name}
          first={s.name === ''}
          onDone={(name) => {
            if (name !== null) m.setName(name);
            setEditingName(false);
          }}
        />
      </div>
    );
  }

  return (
    <div className="student" data-testid="student-page">
      <Brand />
      <div className="st-who">
        <span className="st-you-are" data-testid="student-name">{fill(STRINGS.youAre, { name: s.name })}</span>
        <button type="button" className="st-link" onClick={() => setEditingName(true)} data-testid="student-name-change">
          {STRINGS.nameChange}
        </button>
      </div>
      {s.lane && <LaneView lane={s.lane} measurements={s.measurements} model={m} />}
    </div>
  );
}

function Brand() {
  return (
    <header className="st-brand">
      <strong>{STRINGS.brand}</strong> <span>{STRINGS.tagline}</span>
      <a className="st-docs" href="#/docs" data-testid="student-docs">
        {STRINGS.docs}
      </a>
    </header>
  );
}

function NameForm({ initial, first, onDone }: { initial: string; first: boolean; onDone: (name: string | null) => void }) {
  const [value, setValue] = useState(initial);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (value.trim() !== '') onDone(value);
  };
  return (
    <form className="st-name" onSubmit={submit} data-testid="student-name-form">
      <label htmlFor="st-name-input">{STRINGS.nameLabel}</label>
      <p className="st-hint">{STRINGS.nameHint}</p>
      <div className="st-row">
        <input
          id="st-name-input"
          value={value}
          maxLength={DEFAULTS.maxNameLength}
          autoComplete="nickname"
          autoFocus
          enterKeyHint="go"
          onChange={(e) => setValue(e.target.value)}
          data-testid="student-name-input"
        />
        <button type="submit" className="st-primary" disabled={value.trim() === ''} data-testid="student-name-save">
          {first ? STRINGS.nameJoin : STRINGS.nameSave}
        </button>
        {!first && (
          <button type="button" onClick={() => onDone(null)} data-testid="student-name-cancel">
            {STRINGS.nameCancel}
          </button>
        )}
      </div>
    </form>
  );
}

/** Everything that depends on the current lane: notices, the chat, the figures. */
function LaneView({ lane, measurements, model: m }: { lane: Lane; measurements: Measurements | null; model: StudentModel }) {
  const s = useStore(m.store);
  const l = useStore(lane.store);
  const status = l.client.status;
  const removed = s.removed || status === 'removed';
  const locked = !removed && status === 'locked';
  const canSend = !removed && !locked && status !== 'closed';

  return (
    <>
      <div className="st-notices" aria-live="polite">
        {removed && (
          <p className="st-notice st-bad" role="alert" data-testid="student-removed">
            {STRINGS.removed}
          </p>
        )}
        {locked && (
          <div className="st-notice st-bad" role="alert" data-testid="student-locked">
            <p>{STRINGS.locked}</p>
            <button type="button" onClick={() => m.retry()} data-testid="student-try-again">
              {STRINGS.tryAgain}
            </button>
          </div>
        )}
        {!removed && s.assigned !== null && (
          <p className="st-notice st-info" data-testid="student-assigned" data-transport={s.assigned}>
            {fill(STRINGS.assigned, { label: STRINGS.transports[s.assigned] })}
          </p>
        )}
      </div>
      <Chat chat={s.chat} />
      <SendForm model={m} enabled={canSend} />
      <section className="st-lane" style={{ ['--lane' as string]: LANE_COLORS[lane.transport] }} data-testid="student-lane" data-transport={lane.transport}>
        <h2>{STRINGS.laneTitle}</h2>
        <p className="st-lane-name">
          <span data-testid="student-transport">{STRINGS.transports[lane.transport]}</span>{' '}
          <span className={`st-status st-${status}`} data-testid="student-status" data-status={status}>
            {STRINGS.status[status]}
          </span>
        </p>
        {s.assigned === null && !removed && <Picker current={lane.transport} onPick={(t) => m.pick(t)} />}
        <Figures lane={lane} measurements={measurements} />
        {!removed && <CutButton model={m} enabled={status === 'open' || status === 'reconnecting'} />}
      </section>
    </>
  );
}

function Chat({ chat }: { chat: readonly ChatEntry[] }) {
  // Newest first in the DOM, shown bottom-up (column-reverse): the view stays pinned to the
  // newest message without reading layout on every update.
  const rows = [];
  for (let i = chat.length - 1; i >= 0; i--) rows.push(<ChatRow key={chat[i]!.seq} entry={chat[i]!} />);
  return (
    <section className="st-chat" aria-label={STRINGS.chatLabel}>
      {chat.length === 0 ? (
        <p className="st-empty">{STRINGS.chatEmpty}</p>
      ) : (
        <ol className="st-messages" role="log" data-testid="student-messages">
          {rows}
        </ol>
      )}
    </section>
  );
}

// Text only: name and text are React text nodes, never HTML.
const ChatRow = memo(function ChatRow({ entry }: { entry: ChatEntry }) {
  const cls = entry.own ? 'st-own' : entry.history ? 'st-history' : undefined;
  return (
    <li className={cls} data-seq={entry.seq}>
      <span className="st-from">
        {entry.name}
        {entry.own && <span className="st-you"> ({STRINGS.you})</span>}
      </span>
      <span className="st-text">{entry.text}</span>
    </li>
  );
});

function SendForm({ model: m, enabled }: { model: StudentModel; enabled: boolean }) {
  const [text, setText] = useState('');
  const [refused, setRefused] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const result = m.send(text);
    if (result === 'sent') setText('');
    setRefused(result === 'unavailable');
  };
  return (
    <form className="st-send" onSubmit={submit} data-testid="student-send-form">
      <label htmlFor="st-message" className="st-visually-hidden">
        {STRINGS.messageLabel}
      </label>
      <div className="st-row">
        <input
          id="st-message"
          value={text}
          placeholder={STRINGS.messagePlaceholder}
          maxLength={DEFAULTS.maxTextLength}
          enterKeyHint="send"
          autoComplete="off"
          disabled={!enabled}
          onChange={(e) => setText(e.target.value)}
          data-testid="student-input"
        />
        <button type="submit" className="st-primary" disabled={!enabled || text.trim() === ''} data-testid="student-send">
          {STRINGS.send}
        </button>
      </div>
      {refused && (
        <p className="st-hint st-bad-text" role="alert">
          {STRINGS.notSent}
        </p>
      )}
    </form>
  );
}

function Picker({ current, onPick }: { current: TransportId; onPick: (t: TransportId) => void }) {
  return (
    <fieldset className="st-pick" data-testid="student-picker">
      <legend>{STRINGS.pickLabel}</legend>
      {TRANSPORT_IDS.map((t) => (
        <button
          type="button"
          key={t}
          aria-pressed={t === current}
          className={t === current ? 'st-picked' : undefined}
          style={{ ['--lane' as string]: LANE_COLORS[t] }}
          onClick={() => onPick(t)}
          data-testid={`student-pick-${t}`}
        >
          {STRINGS.transports[t]}
        </button>
      ))}
    </fieldset>
  );
}

function Figures({ lane, measurements }: { lane: Lane; measurements: Measurements | null }) {
  const l = useStore(lane.store);
  const c = l.client.counters;
  // Lane marks latencyMs on live messages this lane sent and received: exact, one clock.
  let last: number | null = null;
  for (let i = l.messages.length - 1; i >= 0 && last === null; i--) {
    const msg = l.messages[i]!;
    if (msg.own && msg.latencyMs !== null && !msg.estimated) last = msg.latencyMs;
  }
  const own = measurements?.percentiles(lane.transport, 'exact');
  const perMsg = bytesPerMessage(c, c.messages);
  return (
    <dl className="st-figures" data-testid="student-figures">
      <dt>{STRINGS.latencyLast}</dt>
      <dd data-testid="student-latency-last">{fmtMs(last)}</dd>
      <dt>{fill(STRINGS.latencyMedian, { count: own?.count ?? 0 })}</dt>
      <dd data-testid="student-latency-median">{fmtMs(own?.p50)}</dd>
      <dt>{STRINGS.requests}</dt>
      <dd data-testid="student-requests">{fmtInt(c.requests)}</dd>
      <dt>{STRINGS.delivered}</dt>
      <dd data-testid="student-delivered">{fmtInt(c.messages)}</dd>
      <dt>{STRINGS.reconnects}</dt>
      <dd data-testid="student-reconnects">{fmtInt(c.reconnects)}</dd>
      <dt>{STRINGS.perMessage}</dt>
      <dd data-testid="student-bytes-per-message">{fmtBytes(perMsg.totalPerMessage)}</dd>
      <dt className="st-sub">{STRINGS.perMessageSplit}</dt>
      <dd className="st-sub" data-testid="student-bytes-split">
        {fill(STRINGS.bytesPair, { headers: fmtBytes(perMsg.headerPerMessage), payload: fmtBytes(perMsg.payloadPerMessage) })}
      </dd>
    </dl>
  );
}

function CutButton({ model: m, enabled }: { model: StudentModel; enabled: boolean }) {
  const cut = useStore(m.store).cut;
  useEffect(() => {
    if (cut === 'done' || cut === 'failed') {
      const t = setTimeout(() => m.clearCut(), 5_000);
      return () => clearTimeout(t);
    }
    return undefined;
  }, [cut, m]);
  return (
    <div className="st-cut">
      <button type="button" disabled={!enabled || cut === 'cutting'} onClick={() => void m.cutMe()} data-testid="student-cut">
        {STRINGS.cut}
      </button>
      <p className="st-hint" data-testid="student-cut-result">
        {cut === 'done' ? STRINGS.cutDone : cut === 'failed' ? STRINGS.cutFailed : STRINGS.cutHint}
      </p>
    </div>
  );
}
