import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { DEFAULT_LANES, TRANSPORT_LABELS } from '../../model/workbench.ts';
import { useStore, useWorkbench } from '../../ui/use-store.ts';
import { LaneCard } from './lane-card.tsx';

export function LaneGrid() {
  const wb = useWorkbench();
  const lanes = useStore(wb.lanes);
  const missing = TRANSPORT_IDS.filter((t) => !lanes.some((l) => l.transport === t));
  return (
    <>
      <div className="add-lanes">
        {missing.map((t) => (
          <button key={t} onClick={() => wb.addLane(t)} data-testid={`add-lane-${t}`}>
            + {TRANSPORT_LABELS[t]}
          </button>
        ))}
      </div>
      <div className="lanes" data-testid="lanes">
        {lanes.map((lane) => (
          <LaneCard key={lane.transport} lane={lane} removable={!DEFAULT_LANES.includes(lane.transport)} />
        ))}
      </div>
    </>
  );
}
