import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { ClientStatus } from '@wirebench/transports/client';
import { TRANSPORT_IDS, type TransportId } from '@wirebench/transports/contract';
import { useTransportLabels } from '../../i18n/transport-labels.ts';
import type { Lane } from '../../model/lane.ts';
import type { Measurements } from '../../model/measurements.ts';
import type { StudentModel } from '../../model/student-model.ts';
import { LANE_COLORS } from '../../ui/format.ts';
import { useStore } from '../../ui/use-store.ts';
import { Chat, SendForm } from './chat.tsx';
import { Figures } from './figures.tsx';

/** Everything that depends on the current lane: notices, the chat, the figures. */
export function LaneView({ lane, measurements, model: m }: { lane: Lane; measurements: Measurements | null; model: StudentModel }) {
  const { t } = useTranslation('student');
  const labels = useTransportLabels();
  const statusText = useStatusLabels();
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
            {t('notice.removed')}
          </p>
        )}
        {locked && (
          <div className="st-notice st-bad" role="alert" data-testid="student-locked">
            <p>{t('notice.locked')}</p>
            <button type="button" onClick={() => m.retry()} data-testid="student-try-again">
              {t('notice.tryAgain')}
            </button>
          </div>
        )}
        {!removed && s.assigned !== null && (
          <p className="st-notice st-info" data-testid="student-assigned" data-transport={s.assigned}>
            {t('notice.assigned', { label: labels[s.assigned] })}
          </p>
        )}
      </div>
      <Chat chat={s.chat} />
      <SendForm model={m} enabled={canSend} />
      <section className="st-lane" style={{ ['--lane' as string]: LANE_COLORS[lane.transport] }} data-testid="student-lane" data-transport={lane.transport}>
        <h2>{t('lane.title')}</h2>
        <p className="st-lane-name">
          <span data-testid="student-transport">{labels[lane.transport]}</span>{' '}
          <span className={`st-status st-${status}`} data-testid="student-status" data-status={status}>
            {statusText[status]}
          </span>
        </p>
        {s.assigned === null && !removed && <Picker current={lane.transport} onPick={(t) => m.pick(t)} />}
        <Figures lane={lane} measurements={measurements} />
        {!removed && <CutButton model={m} enabled={status === 'open' || status === 'reconnecting'} />}
      </section>
    </>
  );
}

/** The lane's status in words; each key written out for the i18n tooling. */
function useStatusLabels(): Record<ClientStatus, string> {
  const { t } = useTranslation('student');
  return {
    idle: t('status.idle'),
    connecting: t('status.connecting'),
    open: t('status.open'),
    reconnecting: t('status.reconnecting'),
    paused: t('status.paused'),
    locked: t('status.locked'),
    removed: t('status.removed'),
    closed: t('status.closed'),
  };
}

function Picker({ current, onPick }: { current: TransportId; onPick: (t: TransportId) => void }) {
  const { t } = useTranslation('student');
  const labels = useTransportLabels();
  return (
    <fieldset className="st-pick" data-testid="student-picker">
      <legend>{t('lane.pick')}</legend>
      {TRANSPORT_IDS.map((id) => (
        <button
          type="button"
          key={id}
          aria-pressed={id === current}
          className={id === current ? 'st-picked' : undefined}
          style={{ ['--lane' as string]: LANE_COLORS[id] }}
          onClick={() => onPick(id)}
          data-testid={`student-pick-${id}`}
        >
          {labels[id]}
        </button>
      ))}
    </fieldset>
  );
}

function CutButton({ model: m, enabled }: { model: StudentModel; enabled: boolean }) {
  const { t } = useTranslation('student');
  const cut = useStore(m.store).cut;
  useEffect(() => {
    if (cut === 'done' || cut === 'failed') {
      const timer = setTimeout(() => m.clearCut(), 5_000);
      return () => clearTimeout(timer);
    }
    return undefined;
  }, [cut, m]);
  return (
    <div className="st-cut">
      <button type="button" disabled={!enabled || cut === 'cutting'} onClick={() => void m.cutMe()} data-testid="student-cut">
        {t('cut.button')}
      </button>
      <p className="st-hint" data-testid="student-cut-result">
        {cut === 'done' ? t('cut.done') : cut === 'failed' ? t('cut.failed') : t('cut.hint')}
      </p>
    </div>
  );
}
