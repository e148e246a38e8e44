// The teacher's whole-page actions, shared by the stage bar and the keyboard shortcuts.
import { useCallback, useSyncExternalStore } from 'react';
import type { TransportId } from '@wirebench/transports/contract';
import type { Workbench } from '../model/workbench.ts';

/** True when every lane that can be paused is paused. */
export function allPaused(wb: Workbench): boolean {
  const lanes = wb.lanes.getSnapshot().filter((l) => l.client.getSnapshot().status !== 'removed');
  return lanes.length > 0 && lanes.every((l) => l.client.getSnapshot().status === 'paused');
}

/** Pauses every lane, or resumes them all when all are paused. */
export function pauseOrResumeAll(wb: Workbench): void {
  const resume = allPaused(wb);
  for (const l of wb.lanes.getSnapshot()) {
    const status = l.client.getSnapshot().status;
    if (resume && status === 'paused') l.client.resume();
    else if (!resume && status !== 'paused' && status !== 'removed') l.client.pause();
  }
}

/** Adds the transport's lane, or removes it unless it is the last one. */
export function toggleLane(wb: Workbench, id: TransportId): void {
  if (!wb.lane(id)) wb.addLane(id);
  else if (wb.lanes.getSnapshot().length > 1) wb.removeLane(id);
}

/** allPaused, kept current as lanes come and go and their clients change state. */
export function useAllPaused(wb: Workbench): boolean {
  const subscribe = useCallback(
    (changed: () => void) => {
      let offs: Array<() => void> = [];
      const attach = () => {
        for (const off of offs) off();
        offs = wb.lanes.getSnapshot().map((l) => l.client.subscribe(changed));
      };
      attach();
      const offLanes = wb.lanes.subscribe(() => {
        attach();
        changed();
      });
      return () => {
        offLanes();
        for (const off of offs) off();
      };
    },
    [wb],
  );
  return useSyncExternalStore(subscribe, () => allPaused(wb));
}
