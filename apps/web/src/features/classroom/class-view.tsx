// The Class panel (teacher page): where students join, who is in, and what the teacher
// does about it (remove, lock, assign transports), then the class-wide figures.
import { useCallback, useState } from 'react';
import type uPlot from 'uplot';
import type { ClientInfo, JoinUrl, TransportId } from '@wirebench/transports/contract';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { isPresent } from '../../model/class-roster.ts';
import { clientsByTransport, connectionsByTransport } from '../../model/stats-poller.ts';
import { TRANSPORT_LABELS } from '../../model/workbench.ts';
import { fmtInt, LANE_COLORS } from '../../ui/format.ts';
import { axisFont, projector } from '../../ui/projector.ts';
import { useTeacher } from '../../ui/teacher-context.ts';
import { UPlotChart } from '../../ui/uplot-chart.tsx';
import { useStore, useWorkbench } from '../../ui/use-store.ts';
import { QrCode } from './qr-code.tsx';

/** The command that lets students in when the server listens on loopback only. */
export const OPEN_TO_CLASS_COMMAND = 'HOST=0.0.0.0 pnpm start';

export function ClassView() {
  return (
    <>
      <JoinPanel />
      <RosterPanel />
      <ClassStats />
    </>
  );
}

function JoinPanel() {
  const wb = useWorkbench();
  const info = useStore(wb.stats.store).info;
  const urls: readonly JoinUrl[] = info?.joinUrls ?? [];
  const primary = urls.find((u) => u.primary) ?? urls[0];
  const others = urls.filter((u) => u !== primary);
  return (
    <section className="panel" data-testid="join-urls">
      <h2>Join the room</h2>
      {!info || !primary ? (
        <p className="hint">Asking the server which addresses students can open…</p>
      ) : (
        <div className="join">
          <div className="join-text">
            <div className="join-url" data-testid="join-url-primary">
              {primary.url}
            </div>
            <div className="join-label" data-testid="join-url-primary-label">
              {primary.label}
            </div>
            {info.loopbackOnly ? (
              <p className="warning" data-testid="join-loopback-warning">
                Students cannot reach this address: the server listens on this computer only. Stop it with Ctrl+C and start
                it again with <code>{OPEN_TO_CLASS_COMMAND}</code>
              </p>
            ) : (
              !primary.reachable && (
                <p className="warning" data-testid="join-unreachable-warning">
                  Students cannot reach this computer: it has no network address besides this one. Connect it to the
                  classroom Wi-Fi or Ethernet, then start the server again.
                </p>
              )
            )}
            {others.length > 0 && (
              <ul className="join-others">
                {others.map((u) => (
                  <li key={u.url} data-testid="join-url-other">
                    <span className="mono">{u.url}</span> <span className="hint">{u.label}</span>
                  </li>
                ))}
              </ul>
            )}
          </div>
          <QrCode text={primary.url} testId="join-qr" />
        </div>
      )}
    </section>
  );
}

function RosterPanel() {
  const wb = useWorkbench();
  const { roster } = useTeacher();
  const r = useStore(roster.store);
  const own = useStore(wb.ownIds);
  const clients = r.clients ?? [];
  const students = clients.filter((c) => !own.has(c.clientId) && !isTeacher(c));
  const here = students.filter(isPresent).sort((a, b) => a.connectedSince - b.connectedSince);
  const gone = students.filter((c) => !isPresent(c));
  const teachers = clients.filter((c) => (own.has(c.clientId) || isTeacher(c)) && isPresent(c));
  const roundRobin = r.mode === 'round-robin';

  return (
    <section className="panel" data-testid="class-roster">
      <h2>
        Students here: <span data-testid="class-student-count">{r.clients ? here.length : '–'}</span>
      </h2>
      <div className="room-controls">
        <button
          className={r.locked ? 'primary' : undefined}
          onClick={() => void roster.setLocked(!r.locked)}
          disabled={r.locked === null}
          aria-pressed={r.locked === true}
          data-testid="class-lock"
        >
          {r.locked ? 'Unlock room' : 'Lock room'}
        </button>
        <span data-testid="class-lock-state">
          {r.locked === null ? '' : r.locked ? 'Locked: no one new can join.' : 'Open: anyone with the address can join.'}
        </span>
        <button
          className={roundRobin ? 'primary' : undefined}
          onClick={() => void roster.assign(roundRobin ? 'none' : 'round-robin')}
          aria-pressed={roundRobin}
          data-testid="class-assign"
        >
          {roundRobin ? 'Stop assigning transports' : 'Assign transports'}
        </button>
        <span data-testid="class-assign-state">
          {roundRobin
            ? `Round-robin: each student's page runs one of the five transports${r.lastAssigned !== null ? ` (${r.lastAssigned} given one just now)` : ''}.`
            : 'Not assigned: each student picks a transport.'}
        </span>
      </div>
      {r.error && <p className="error-line">{r.error}</p>}
      {r.clients && here.length === 0 && <p className="hint">No students yet. They join by the address above.</p>}
      <ul className="roster">
        {here.map((c) => (
          <StudentRow key={c.clientId} client={c} />
        ))}
      </ul>
      {teachers.length > 0 && (
        <details className="roster-more">
          <summary>The teacher's own lanes: {teachers.length} (not counted)</summary>
          <ul className="roster">
            {teachers.map((c) => (
              <StudentRow key={c.clientId} client={c} teacher={own.has(c.clientId) ? 'this page' : 'teacher'} />
            ))}
          </ul>
        </details>
      )}
      {gone.length > 0 && (
        <details className="roster-more">
          <summary>Left the room: {gone.length} (no request for a minute)</summary>
          <ul className="roster">
            {gone.map((c) => (
              <StudentRow key={c.clientId} client={c} />
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}

/**
 * An identity made with the teacher key. The server's list says so in a `teacher` field that
 * contract.ts's ClientInfo does not declare yet; without it, this page's own ids still tell.
 */
function isTeacher(c: ClientInfo): boolean {
  return (c as ClientInfo & { teacher?: unknown }).teacher === true;
}

function since(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** One client in the list; `teacher` marks the teacher's own identities (no Remove). */
function StudentRow({ client: c, teacher }: { client: ClientInfo; teacher?: 'this page' | 'teacher' }) {
  const { roster } = useTeacher();
  const [confirming, setConfirming] = useState(false);
  return (
    <li className={teacher ? 'own' : undefined} data-testid="roster-row" data-client-id={c.clientId}>
      <span className="student-name" data-testid="roster-name">
        {c.name}
        {teacher && <span className="hint"> ({teacher})</span>}
      </span>
      <span className="student-transports" data-testid="roster-transports">
        {c.transports.length === 0 ? <span className="hint">not connected</span> : c.transports.map((t) => <Chip key={t} t={t} />)}
      </span>
      <span className="student-assigned" data-testid="roster-assigned">
        {c.assigned ? (
          <>
            <span className="hint">assigned </span>
            <Chip t={c.assigned} />
          </>
        ) : (
          <span className="hint">no assignment</span>
        )}
      </span>
      <span className="student-figures">
        since {since(c.connectedSince)} · <span data-testid="roster-sent">{fmtInt(c.sent)}</span> sent
      </span>
      {!teacher &&
        (confirming ? (
          <span className="student-actions">
            <button
              className="danger"
              onClick={() => {
                setConfirming(false);
                void roster.remove(c.clientId);
              }}
              data-testid="roster-remove-confirm"
            >
              Remove {c.name}
            </button>
            <button onClick={() => setConfirming(false)} data-testid="roster-remove-cancel">
              Keep
            </button>
          </span>
        ) : (
          <span className="student-actions">
            <button className="danger" onClick={() => setConfirming(true)} data-testid="roster-remove">
              Remove
            </button>
          </span>
        ))}
    </li>
  );
}

function Chip({ t }: { t: TransportId }) {
  return (
    <span className="chip" style={{ background: LANE_COLORS[t] }} title={TRANSPORT_LABELS[t]}>
      {t}
    </span>
  );
}

function ClassStats() {
  const wb = useWorkbench();
  const s = useStore(wb.stats.store);
  const conns = s.stats ? connectionsByTransport(s.stats) : null;
  const clients = s.stats ? clientsByTransport(s.stats) : null;
  return (
    <section className="panel" data-testid="class-stats">
      <h2>The class right now</h2>
      <div className="class-stats">
        <div className="big-stat">
          <div className="n" data-testid="class-clients">{fmtInt(s.stats?.room.clients)}</div>
          <div className="l">clients in the room (this page's lanes count)</div>
        </div>
        <div className="big-stat">
          <div className="n" data-testid="class-rps">{s.requestsPerSecond === null ? '–' : s.requestsPerSecond.toFixed(1)}</div>
          <div className="l">server requests / second</div>
        </div>
        <div className="big-stat">
          <div className="n">{fmtInt(s.stats?.room.lastSeq)}</div>
          <div className="l">messages so far</div>
        </div>
        {TRANSPORT_IDS.map((t) => (
          <div className="big-stat" key={t} style={{ ['--lane' as string]: LANE_COLORS[t] }} data-testid={`class-${t}`}>
            <div className="n">{fmtInt(clients?.[t])}</div>
            <div className="l">
              on {TRANSPORT_LABELS[t]}{' '}
              <span className="hint">
                ({t === 'short-poll' ? 'never held open' : `${fmtInt(conns?.[t])} open`},{' '}
                {fmtInt(s.stats?.transports[t]?.requests)} requests)
              </span>
            </div>
          </div>
        ))}
      </div>
      {s.error && <p className="error-line">stats: {s.error}</p>}
      <RequestsPerSecondChart />
    </section>
  );
}

function RequestsPerSecondChart() {
  const wb = useWorkbench();
  const big = useStore(projector);
  const font = axisFont(big);
  const poller = wb.stats;
  const subscribe = useCallback((fn: () => void) => poller.store.subscribe(fn), [poller]);
  return (
    <UPlotChart
      title="Server requests per second, all transports"
      testId="chart-server-rps"
      optionsKey={big ? 'big' : 'normal'}
      subscribe={subscribe}
      makeOptions={(width): uPlot.Options => ({
        width,
        height: big ? 300 : 220,
        scales: { x: { time: false } },
        series: [{ label: 's' }, { label: 'requests / s', stroke: '#1864ab', width: 2, fill: 'rgba(24,100,171,0.12)' }],
        axes: [{ label: 'seconds', ...font }, { label: 'requests / s', ...font }],
        legend: { show: false },
      })}
      getData={() => [poller.rpsT.view(), poller.rps.view()]}
    />
  );
}
