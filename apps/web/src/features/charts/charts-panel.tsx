import { memo, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { TransportId } from '@wirebench/transports/contract';
import type { Lane } from '../../model/lane.ts';
import type { ChartId } from '../../model/settings.ts';
import { chartChoice } from '../../ui/chart-choice.ts';
import { fmtBytes, fmtMs, LANE_DASH, LANE_MARKER, markerPath } from '../../ui/format.ts';
import { projector } from '../../ui/projector.ts';
import { UPlotChart } from '../../ui/uplot-chart.tsx';
import { useStore, useWorkbench } from '../../ui/use-store.ts';
import { chartSpecs, laneBytes, type ChartSpec, type Labels } from './chart-specs.ts';

const HEIGHT = 240;

function labelsOf(t: TFunction<'charts'>): Labels {
  return {
    seq: t('axis.seq'),
    latencyAxis: t('axis.latency'),
    histX: t('axis.histX'),
    histY: t('axis.histY'),
    seconds: t('axis.seconds'),
    requestsTotal: t('axis.requestsTotal'),
    requestsPerSecond: t('axis.requestsPerSecond'),
    bytesAxis: t('axis.bytes'),
    headers: t('legend.headers'),
    payload: t('legend.payload'),
  };
}

/** The specs of every chart for the current lanes, rebuilt only when the lanes, the mode or the language change. */
function useSpecs(big: boolean, height: number): { specs: Record<ChartId, ChartSpec>; key: string; lanes: readonly Lane[] } {
  const wb = useWorkbench();
  const lanes = useStore(wb.lanes);
  const { t, i18n } = useTranslation('charts');
  const key = `${lanes.map((l) => l.transport).join(',')}:${big ? 'big' : 'normal'}:${i18n.language}`;
  // Rebuilt only when `key` (lanes, mode, language) changes: the data is read from the model on
  // each draw, so nothing here changes with a message.
  const specs = useMemo(() => chartSpecs(wb, lanes, big, height, labelsOf(t)), [key, wb]);
  return { specs, key, lanes };
}

/** The lanes' colours, line styles and markers, in words a student can match to the lines. */
const LaneLegend = memo(function LaneLegend({ ids }: { ids: readonly TransportId[] }) {
  const { t } = useTranslation('common');
  return (
    <ul className="chart-legend">
      {ids.map((id) => (
        <li key={id} style={{ ['--lane' as string]: `var(--lane-${id})` }}>
          <svg width="36" height="14" viewBox="0 0 36 14" aria-hidden="true">
            <line x1="1" y1="7" x2="35" y2="7" strokeWidth="2.5" strokeDasharray={LANE_DASH[id].join(' ') || undefined} />
            <path d={markerPath(LANE_MARKER[id], 18, 7, 4.5)} />
          </svg>
          {t(`transportShort.${id}`)}
        </li>
      ))}
    </ul>
  );
});

function BytesLegend() {
  const { t } = useTranslation('charts');
  return (
    <ul className="chart-legend">
      <li>
        <span className="swatch bytes-headers" />
        {t('legend.headers')}
      </li>
      <li>
        <span className="swatch bytes-payload" />
        {t('legend.payload')}
      </li>
    </ul>
  );
}

function Chart({ spec, optionsKey, ids, fill }: { spec: ChartSpec; optionsKey: string; ids: readonly TransportId[]; fill?: boolean }) {
  const { t } = useTranslation('charts');
  return (
    <UPlotChart
      title={fill ? t(`${spec.id}.stageTitle`) : t(`${spec.id}.title`, { method: t('percentileMethod') })}
      caption={t(`${spec.id}.caption`)}
      legend={spec.legend === 'lanes' ? <LaneLegend ids={ids} /> : <BytesLegend />}
      testId={`chart-${spec.id}`}
      optionsKey={optionsKey}
      subscribe={spec.subscribe}
      makeOptions={spec.makeOptions}
      getData={spec.getData}
      fill={fill}
    />
  );
}

/** Every chart, with the tables behind them: the normal layout. */
export function ChartsPanel() {
  const big = useStore(projector);
  const { t } = useTranslation('charts');
  const { specs, key, lanes } = useSpecs(big, big ? 320 : HEIGHT);
  const ids = lanes.map((l) => l.transport);
  return (
    <section className="panel skip-offscreen" data-testid="charts">
      <h2>{t('heading')}</h2>
      <div className="charts">
        <Chart spec={specs.latency} optionsKey={key} ids={ids} />
        <div>
          <Chart spec={specs.histogram} optionsKey={key} ids={ids} />
          <PercentileTable ids={ids} />
        </div>
        <Chart spec={specs.requests} optionsKey={key} ids={ids} />
        <Chart spec={specs['requests-rate']} optionsKey={key} ids={ids} />
        <div>
          <Chart spec={specs.bytes} optionsKey={key} ids={ids} />
          <BytesTable lanes={lanes} />
        </div>
      </div>
    </section>
  );
}

/** The one chart the teacher picked, taking the height the stage leaves it. */
export function StageChart() {
  const chosen = useStore(chartChoice);
  const { specs, key, lanes } = useSpecs(true, 0);
  return (
    <section className="panel stage-chart" data-testid="stage-chart">
      <Chart key={chosen} spec={specs[chosen]} optionsKey={key} ids={lanes.map((l) => l.transport)} fill />
    </section>
  );
}

function PercentileTable({ ids }: { ids: TransportId[] }) {
  const wb = useWorkbench();
  const { t } = useTranslation('charts');
  useStore(wb.measurements.changes);
  const m = wb.measurements;
  return (
    <div className="table-wrap">
      <table className="data" data-testid="percentiles">
        <thead>
          <tr>
            <th>{t('table.lane')}</th>
            <th>n</th>
            <th>p50</th>
            <th>p95</th>
            <th>p99</th>
            <th>{t('table.max')}</th>
            <th title={t('table.othersHint')}>{t('table.others')}</th>
          </tr>
        </thead>
        <tbody>
          {ids.map((id) => {
            const p = m.percentiles(id, 'exact');
            const e = m.percentiles(id, 'estimated');
            return (
              <tr key={id} data-testid={`percentiles-${id}`}>
                <td>
                  <span className="swatch" style={{ background: `var(--lane-${id})` }} />
                  {id}
                </td>
                <td>{p.count}</td>
                <td>{fmtMs(p.p50)}</td>
                <td>{fmtMs(p.p95)}</td>
                <td>{fmtMs(p.p99)}</td>
                <td>{fmtMs(p.max)}</td>
                <td>
                  {e.count ? `≈${fmtMs(e.p50)}` : '–'} <span className="hint">({e.count})</span>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function BytesTable({ lanes }: { lanes: readonly Lane[] }) {
  const wb = useWorkbench();
  const { t } = useTranslation('charts');
  useStore(wb.sampler.changes);
  return (
    <div className="table-wrap">
      <table className="data" data-testid="bytes-table">
        <thead>
          <tr>
            <th>{t('table.lane')}</th>
            <th>{t('table.delivered')}</th>
            <th>{t('table.headers')}</th>
            <th>{t('table.payload')}</th>
            <th>{t('table.headersPerMessage')}</th>
            <th>{t('table.payloadPerMessage')}</th>
          </tr>
        </thead>
        <tbody>
          {lanes.map((l) => {
            const b = laneBytes(l);
            return (
              <tr key={l.transport}>
                <td>
                  <span className="swatch" style={{ background: `var(--lane-${l.transport})` }} />
                  {l.transport}
                </td>
                <td>{b.messages}</td>
                <td>{fmtBytes(b.headerBytes)}</td>
                <td>{fmtBytes(b.payloadBytes)}</td>
                <td>{fmtBytes(b.headerPerMessage)}</td>
                <td>{fmtBytes(b.payloadPerMessage)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
