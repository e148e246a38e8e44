import { createContext, useContext, useRef, useSyncExternalStore } from 'react';
import { BUSY_INTERVAL_MS, frameSchedule, type Store } from '../lib/store.ts';
import { pageNow } from '../model/clock.ts';
import type { Workbench } from '../model/workbench.ts';

export function useStore<S>(store: Store<S>): S {
  return useSyncExternalStore(store.subscribe, store.getView, store.getView);
}

// One clock for everything that moves with time alone (a held request's bar growing): it ticks
// on the page clock's whole intervals, in the animation frame where the busy stores are
// redrawn (lib/store.ts), so every component reading it renders in that one pass.
const tickListeners = new Set<() => void>();
let tickTimer: ReturnType<typeof setTimeout> | undefined;
let tickAt = pageNow();

/** Waits for the page clock's next whole interval, ticks in that frame, and waits again. */
function nextTick(): void {
  const wait = BUSY_INTERVAL_MS - (performance.now() % BUSY_INTERVAL_MS);
  tickTimer = setTimeout(
    () => {
      nextTick();
      frameSchedule(() => {
        tickAt = pageNow();
        for (const l of [...tickListeners]) l();
      });
    },
    // A timer that fired a little early must not tick twice in one interval.
    wait < 50 ? wait + BUSY_INTERVAL_MS : wait,
  );
}

function subscribeTick(listener: () => void): () => void {
  tickListeners.add(listener);
  if (tickTimer === undefined) {
    tickAt = pageNow();
    nextTick();
  }
  return () => {
    tickListeners.delete(listener);
    if (tickListeners.size === 0) {
      clearTimeout(tickTimer);
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

/**
 * useStore for a part of the page the browser may skip (`content-visibility: auto` off
 * screen, see ui/on-screen.ts): while `live` is false it holds what it last showed and is not
 * re-rendered by the store; once live again it shows the store's view at once.
 */
export function useStoreWhile<S>(store: Store<S>, live: boolean): S {
  const held = useRef(store.getView());
  const view = useSyncExternalStore(live ? store.subscribe : subscribeNone, live ? store.getView : () => held.current);
  held.current = view;
  return view;
}
