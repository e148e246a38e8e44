import { createContext, useContext, useSyncExternalStore } from 'react';
import { BUSY_INTERVAL_MS, type Store } from '../lib/store.ts';
import { pageNow } from '../model/clock.ts';
import type { Workbench } from '../model/workbench.ts';

export function useStore<S>(store: Store<S>): S {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

// One clock for everything that moves with time alone (a held request's bar growing): it ticks
// as often as a busy store is heard from, and every component reading it renders in one pass.
const tickListeners = new Set<() => void>();
let tickTimer: ReturnType<typeof setInterval> | undefined;
let tickAt = pageNow();

function subscribeTick(listener: () => void): () => void {
  tickListeners.add(listener);
  if (tickTimer === undefined) {
    tickAt = pageNow();
    tickTimer = setInterval(() => {
      tickAt = pageNow();
      for (const l of [...tickListeners]) l();
    }, BUSY_INTERVAL_MS);
  }
  return () => {
    tickListeners.delete(listener);
    if (tickListeners.size === 0) {
      clearInterval(tickTimer);
      tickTimer = undefined;
    }
  };
}

const subscribeNone = (): (() => void) => () => {};
const getTick = (): number => tickAt;

/** The page's clock (pageNow), moving every BUSY_INTERVAL_MS while `moving`, held otherwise. */
export function usePacedNow(moving: boolean): number {
  return useSyncExternalStore(moving ? subscribeTick : subscribeNone, getTick, getTick);
}

export const WorkbenchContext = createContext<Workbench | null>(null);

export function useWorkbench(): Workbench {
  const wb = useContext(WorkbenchContext);
  if (!wb) throw new Error('useWorkbench outside <WorkbenchContext>');
  return wb;
}
