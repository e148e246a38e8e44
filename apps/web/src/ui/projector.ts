// Projector mode (large type), shared by the header toggle and the charts,
// which draw their axis text on canvas and need to know the size.
import { Store, syncSchedule } from '../lib/store.ts';

const KEY = 'wirebench.projector';

function initial(): boolean {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return false;
  }
}

export const projector = new Store<boolean>(initial(), syncSchedule);

export function setProjector(on: boolean): void {
  projector.set(on);
  document.documentElement.classList.toggle('projector', on);
  try {
    localStorage.setItem(KEY, on ? '1' : '0');
  } catch {
    // private mode: the toggle still works for this page
  }
}

/** uPlot axis options scaled for the current mode. */
export function axisFont(on: boolean): { font: string; labelFont: string; size: number } {
  return on
    ? { font: '16px system-ui, sans-serif', labelFont: 'bold 16px system-ui, sans-serif', size: 70 }
    : { font: '12px system-ui, sans-serif', labelFont: 'bold 12px system-ui, sans-serif', size: 50 };
}
