// Projector mode (large type, and on the Lanes view the stage), shared by the header toggle,
// the shortcuts and the charts, which draw their axis text on canvas and need to know the size.
import { Store, syncSchedule } from '../lib/store.ts';
import { cssVar } from './theme.ts';

export const projector = new Store<boolean>(false, syncSchedule);

export function setProjector(on: boolean): void {
  projector.set(on);
  document.documentElement.classList.toggle('projector', on);
}

/** uPlot axis options for the current mode and theme (text, ticks and grid from CSS variables). */
export function axisFont(on: boolean): { font: string; labelFont: string; size: number; stroke: string; grid: { stroke: string; width: number }; ticks: { stroke: string; width: number } } {
  const px = on ? 18 : 12;
  const grid = cssVar('--chart-grid') || '#e3e6ea';
  return {
    font: `${px}px system-ui, sans-serif`,
    labelFont: `bold ${px}px system-ui, sans-serif`,
    size: on ? 76 : 50,
    stroke: cssVar('--chart-ink') || '#14171c',
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
  };
}
