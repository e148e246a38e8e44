import { useTranslation } from 'react-i18next';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { useStore, useWorkbench } from '../../ui/use-store.ts';
import { LaneCard } from './lane-card.tsx';
import { StageLane } from './stage-lane.tsx';

/** Buttons for the transports without a lane. */
export function AddLanes() {
  const wb = useWorkbench();
  const { t } = useTranslation('common');
  const lanes = useStore(wb.lanes);
  const missing = TRANSPORT_IDS.filter((id) => !lanes.some((l) => l.transport === id));
  if (missing.length === 0) return null;
  return (
    <div className="add-lanes">
      {missing.map((id) => (
        <button key={id} onClick={() => wb.addLane(id)} data-testid={`add-lane-${id}`}>
          + {t(`transport.${id}`)}
        </button>
      ))}
    </div>
  );
}

/** Every active lane: full cards, or on the stage one compact card per lane, side by side. */
export function LaneGrid({ stage = false }: { stage?: boolean }) {
  const wb = useWorkbench();
  const { t } = useTranslation('lanes');
  const lanes = useStore(wb.lanes);
  return (
    <>
      {!stage && <AddLanes />}
      <div className={stage ? 'lanes stage-lanes' : 'lanes'} style={{ ['--count' as string]: Math.max(1, lanes.length) }} data-testid="lanes">
        {lanes.length === 0 && <p className="hint">{t('empty')}</p>}
        {lanes.map((lane) =>
          stage ? <StageLane key={lane.transport} lane={lane} /> : <LaneCard key={lane.transport} lane={lane} removable={lanes.length > 1} />,
        )}
      </div>
    </>
  );
}
