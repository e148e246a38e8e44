import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClientInfo, TransportId } from '@wirebench/transports/contract';
import { useTransportLabels } from '../../i18n/transport-labels.ts';
import { classCount, isPresent, isTeacherLane } from '../../model/class-roster.ts';
import { fmtInt } from '../../ui/format.ts';
import { useTeacher } from '../../ui/teacher-context.ts';
import { useStore, useWorkbench } from '../../ui/use-store.ts';

/** Who is here, and the teacher's three actions on the room. */
export function RosterPanel() {
  const { t } = useTranslation('classroom');
  const wb = useWorkbench();
  const { roster } = useTeacher();
  const r = useStore(roster.store);
  const own = useStore(wb.ownIds);
  const clients = r.clients ?? [];
  const students = clients.filter((c) => !isTeacherLane(c, own));
  const here = students.filter(isPresent).sort((a, b) => a.connectedSince - b.connectedSince);
  const gone = students.filter((c) => !isPresent(c));
  const teachers = clients.filter((c) => isTeacherLane(c, own) && isPresent(c));
  const count = r.clients ? classCount(r.clients, own) : null;
  const roundRobin = r.mode === 'round-robin';

  return (
    <section className="panel" data-testid="class-roster">
      <h2>
        {t('roster.studentsHere')} <span data-testid="class-student-count">{count ? count.students : '–'}</span>
      </h2>
      <div className="room-controls">
        <button
          className={r.locked ? 'primary' : undefined}
          onClick={() => void roster.setLocked(!r.locked)}
          disabled={r.locked === null}
          aria-pressed={r.locked === true}
          data-testid="class-lock"
        >
          {r.locked ? t('lock.unlock') : t('lock.lock')}
        </button>
        <span data-testid="class-lock-state">{r.locked === null ? '' : r.locked ? t('lock.locked') : t('lock.open')}</span>
        <button
          className={roundRobin ? 'primary' : undefined}
          onClick={() => void roster.assign(roundRobin ? 'none' : 'round-robin')}
          aria-pressed={roundRobin}
          data-testid="class-assign"
        >
          {roundRobin ? t('assign.stop') : t('assign.start')}
        </button>
        <span data-testid="class-assign-state">
          {!roundRobin ? t('assign.none') : r.lastAssigned !== null ? t('assign.given', { count: r.lastAssigned }) : t('assign.roundRobin')}
        </span>
      </div>
      {r.error && <p className="error-line">{r.error}</p>}
      {r.clients && here.length === 0 && <p className="hint">{t('roster.empty')}</p>}
      <ul className="roster">
        {here.map((c) => (
          <StudentRow key={c.clientId} client={c} />
        ))}
      </ul>
      {teachers.length > 0 && (
        <details className="roster-more">
          <summary>{t('roster.teacherLanes', { n: teachers.length })}</summary>
          <ul className="roster">
            {teachers.map((c) => (
              <StudentRow key={c.clientId} client={c} teacher={own.has(c.clientId) ? 'this-page' : 'teacher'} />
            ))}
          </ul>
        </details>
      )}
      {gone.length > 0 && (
        <details className="roster-more">
          <summary>{t('roster.left', { n: gone.length })}</summary>
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

function since(ms: number, language: string): string {
  return new Date(ms).toLocaleTimeString(language, { hour: '2-digit', minute: '2-digit' });
}

/** One client in the list; `teacher` marks the teacher's own identities (no Remove). */
function StudentRow({ client: c, teacher }: { client: ClientInfo; teacher?: 'this-page' | 'teacher' }) {
  const { t, i18n } = useTranslation('classroom');
  const { roster } = useTeacher();
  const [confirming, setConfirming] = useState(false);
  return (
    <li className={teacher ? 'own' : undefined} data-testid="roster-row" data-client-id={c.clientId} data-teacher={teacher}>
      <span className="student-name" data-testid="roster-name">
        {c.name}
        {teacher && <span className="hint"> ({teacher === 'this-page' ? t('row.thisPage') : t('row.teacher')})</span>}
      </span>
      <span className="student-transports" data-testid="roster-transports">
        {c.transports.length === 0 ? <span className="hint">{t('row.notConnected')}</span> : c.transports.map((id) => <Chip key={id} id={id} />)}
      </span>
      <span className="student-assigned" data-testid="roster-assigned" data-assigned={c.assigned ?? ''}>
        {c.assigned ? (
          <>
            <span className="hint">{t('row.assigned')} </span>
            <Chip id={c.assigned} />
          </>
        ) : (
          <span className="hint">{t('row.noAssignment')}</span>
        )}
      </span>
      <span className="student-figures">
        {t('row.since', { time: since(c.connectedSince, i18n.language) })} · {t('row.sent')} <span data-testid="roster-sent">{fmtInt(c.sent)}</span>
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
              {t('row.removeName', { name: c.name })}
            </button>
            <button onClick={() => setConfirming(false)} data-testid="roster-remove-cancel">
              {t('row.keep')}
            </button>
          </span>
        ) : (
          <span className="student-actions">
            <button className="danger" onClick={() => setConfirming(true)} data-testid="roster-remove">
              {t('row.remove')}
            </button>
          </span>
        ))}
    </li>
  );
}

/** A transport's id (a protocol term, the same in every language), its name on hover. */
function Chip({ id }: { id: TransportId }) {
  const labels = useTransportLabels();
  return (
    <span className="chip" style={{ background: `var(--lane-${id})` }} title={labels[id]}>
      {id}
    </span>
  );
}
