// The one chart the stage shows; the charts, the stage bar and the `C` shortcut share it.
import { Store, syncSchedule } from '../lib/store.ts';
import { CHART_IDS, type ChartId } from '../model/settings.ts';

export const chartChoice = new Store<ChartId>('latency', syncSchedule);

export function nextChart(): void {
  const i = CHART_IDS.indexOf(chartChoice.getSnapshot());
  chartChoice.set(CHART_IDS[(i + 1) % CHART_IDS.length]!);
}
