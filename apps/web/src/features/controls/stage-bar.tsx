import { useTranslation } from 'react-i18next';
import { CHART_IDS, type ChartId } from '../../model/settings.ts';
import { pauseOrResumeAll, useAllPaused } from '../../ui/actions.ts';
import { chartChoice } from '../../ui/chart-choice.ts';
import { useStore, useWorkbench } from '../../ui/use-store.ts';
import { AutoButton } from './controls-bar.tsx';

/** The stage's one row of controls: the chart on show, pause or resume all, reset, the auto-sender. */
export function StageControls() {
  const wb = useWorkbench();
  const { t } = useTranslation('controls');
  const { t: tc } = useTranslation('charts');
  const chosen = useStore(chartChoice);
  const paused = useAllPaused(wb);
  return (
    <>
      <label className="stage-field">
        {t('stage.chart')}
        <select value={chosen} onChange={(e) => chartChoice.set(e.target.value as ChartId)} data-testid="chart-choice">
          {CHART_IDS.map((id) => (
            <option key={id} value={id}>
              {tc(`${id}.short`)}
            </option>
          ))}
        </select>
      </label>
      <button onClick={() => pauseOrResumeAll(wb)} data-testid="pause-all">
        {paused ? t('stage.resumeAll') : t('stage.pauseAll')}
      </button>
      <button onClick={() => wb.reset()} data-testid="reset">
        {t('run.reset')}
      </button>
      <AutoButton />
    </>
  );
}
