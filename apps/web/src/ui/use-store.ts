import { createContext, useContext, useSyncExternalStore } from 'react';
import type { Store } from '../lib/store.ts';
import type { Workbench } from '../model/workbench.ts';

export function useStore<S>(store: Store<S>): S {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

export const WorkbenchContext = createContext<Workbench | null>(null);

export function useWorkbench(): Workbench {
  const wb = useContext(WorkbenchContext);
  if (!wb) throw new Error('useWorkbench outside <WorkbenchContext>');
  return wb;
}
