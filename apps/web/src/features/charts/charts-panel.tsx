import { useCallback, useMemo } from 'react';
import uPlot from 'uplot';
import type { TransportId } from '@wirebench/transports/contract';
import type { Lane } from '../../model/lane.ts';
import { PERCENTILE_METHOD, bytesPerMessage, histograms, ratesPerSecond } from '../../lib/stats-math.ts';
import { fmtBytes, fmtMs, LANE_COLORS } from '../../ui/format.ts';
import { axisFont, projector } from '../../ui/projector.ts';
import { UPlotChart } from '../../ui/uplot-chart.tsx';
import { useStore, useWorkbench } from '../../ui/use-store.ts';

const HEIGHT = 240;
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000];

function alpha(hex: string, a: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

function laneSeries(t: TransportId, extra: Partial<uPlot.Series> = {}): uPlot.Series {
  return { label: t, stroke: LANE_COLORS[t], width: 1.5, spanGaps: true, ...extra };
}

/** Per-second rates of a sampled counter that is null while its lane is absent. */
function nullableRates(t: ArrayLike<number>, col: readonly (number | null)[]): (number | null)[] {
  const nums = col.map((v) => v ?? 0);
  const r = ratesPerSecond(t, nums);
  return r.map((v, i) => (col[i] === null || (i > 0 && col[i - 1] === null) ? null : v));
}

export function ChartsPanel() {
  const wb = useWorkbench();
  const lanes = useStore(wb.lanes);
  const big = useStore(projector);
  const ids = lanes.map((l) => l.transport);
  const key = ids.join(',') + (big ? ':big' : '');
  const font = axisFont(big);
  const height = big ? 320 : HEIGHT;
  const m = wb.measurements;
  const sampler = wb.sampler;

  const latency = useMemo(
    () => ({
      makeOptions: (width: number): uPlot.Options => ({
        width,
        height,
        scales: { x: { time: false } },
        series: [{ label: 'seq' }, ...ids.map((t) => laneSeries(t, { value: (_u, v) => fmtMs(v) }))],
        axes: [{ label: 'message seq', ...font, incrs: INTEGER_STEPS }, { label: 'delivery latency (ms)', ...font }],
        legend: { live: false },
      }),
      getData: (): uPlot.AlignedData => {
        const n = m.seqs.length;
        return [m.seqs, ...ids.map((t) => {
          const col = m.latencyByLane.get(t)!;
          col.padTo(n);
          return col.values;
        })] as uPlot.AlignedData;
      },
    }),
    // Rebuilt only when the lanes (`key`) or the source change: the data is read from the source on each draw.
    [key, m],
  );

  const histogram = useMemo(() => {
    const compute = () => histograms(ids.map((t) => m.exact.get(t)!.view()), 40);
    return {
      makeOptions: (width: number): uPlot.Options => ({
        width,
        height,
        scales: { x: { time: false } },
        series: [
          { label: 'ms' },
          ...ids.map((t) =>
            laneSeries(t, { paths: uPlot.paths.stepped!({ align: 1 }), fill: alpha(LANE_COLORS[t], 0.18), points: { show: false } }),
          ),
        ],
        axes: [{ label: 'latency (ms), own messages', ...font }, { label: 'messages', ...font }],
        legend: { live: false },
        hooks: {
          // p50 solid, p95 dashed, p99 dotted, in each lane's colour.
          draw: [
            (u) => {
              const ctx = u.ctx;
              ids.forEach((t) => {
                const p = m.percentiles(t);
                if (p.count === 0) return;
                ctx.save();
                ctx.strokeStyle = LANE_COLORS[t];
                ctx.lineWidth = 2 * uPlot.pxRatio;
                for (const [v, dash] of [
                  [p.p50, []],
                  [p.p95, [6, 4]],
                  [p.p99, [2, 3]],
                ] as const) {
                  const x = u.valToPos(v, 'x', true);
                  ctx.setLineDash(dash.map((d) => d * uPlot.pxRatio));
                  ctx.beginPath();
                  ctx.moveTo(x, u.bbox.top);
                  ctx.lineTo(x, u.bbox.top + u.bbox.height);
                  ctx.stroke();
                }
                ctx.restore();
              });
            },
          ],
        },
      }),
      getData: (): uPlot.AlignedData => {
        const h = compute();
        return [h.edges, ...h.counts] as uPlot.AlignedData;
      },
    };
    // Rebuilt only when the lanes (`key`) or the source change: the data is read from the source on each draw.
  }, [key, m]);

  const requests = useMemo(
    () => ({
      cumulative: {
        makeOptions: (width: number): uPlot.Options => ({
          width,
          height,
          scales: { x: { time: false } },
          series: [{ label: 's' }, ...ids.map((t) => laneSeries(t, { points: { show: false } }))],
          axes: [{ label: 'seconds since start', ...font }, { label: 'requests (total)', ...font }],
          legend: { live: false },
        }),
        getData: (): uPlot.AlignedData => [sampler.t.view(), ...ids.map((t) => sampler.requests.get(t)!)] as uPlot.AlignedData,
      },
      perSecond: {
        makeOptions: (width: number): uPlot.Options => ({
          width,
          height,
          scales: { x: { time: false } },
          series: [{ label: 's' }, ...ids.map((t) => laneSeries(t, { points: { show: false } }))],
          axes: [{ label: 'seconds since start', ...font }, { label: 'requests / s', ...font }],
          legend: { live: false },
        }),
        getData: (): uPlot.AlignedData => {
          const tv = sampler.t.view();
          return [tv, ...ids.map((t) => nullableRates(tv, sampler.requests.get(t)!))] as uPlot.AlignedData;
        },
      },
    }),
    // Rebuilt only when the lanes (`key`) or the source change: the data is read from the source on each draw.
    [key, sampler],
  );

  const bytes = useMemo(() => {
    const current = () => lanes.map((l) => laneBytes(l));
    return {
      makeOptions: (width: number): uPlot.Options => ({
        width,
        height,
        scales: { x: { time: false, range: [-0.5, ids.length - 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
        series: [
          { label: 'lane' },
          { label: 'headers / msg', stroke: '#495057', fill: 'rgba(73,80,87,0.55)', paths: uPlot.paths.bars!({ size: [0.35, 90], align: -1 }), points: { show: false }, value: (_u, v) => fmtBytes(v) },
          { label: 'payload / msg', stroke: '#1c7ed6', fill: 'rgba(28,126,214,0.55)', paths: uPlot.paths.bars!({ size: [0.35, 90], align: 1 }), points: { show: false }, value: (_u, v) => fmtBytes(v) },
        ],
        axes: [
          { ...font, splits: () => ids.map((_, i) => i), values: (_u, splits) => splits.map((i) => ids[i] ?? '') },
          { label: 'bytes per delivered message', ...font },
        ],
        legend: { live: false },
      }),
      getData: (): uPlot.AlignedData => {
        const b = current();
        return [ids.map((_, i) => i), b.map((x) => finiteOrNull(x.headerPerMessage)), b.map((x) => finiteOrNull(x.payloadPerMessage))];
      },
    };
    // Rebuilt only when the lanes (`key`) or the source change: the data is read from the source on each draw.
  }, [key, lanes]);

  const subLatency = useCallback((fn: () => void) => m.changes.subscribe(fn), [m]);
  const subSampler = useCallback((fn: () => void) => sampler.changes.subscribe(fn), [sampler]);

  return (
    <section className="panel" data-testid="charts">
      <h2>Measurements</h2>
      <div className="charts">
        <UPlotChart title="Delivery latency per message (others’ messages: estimated)" testId="chart-latency" optionsKey={key} subscribe={subLatency} {...latency} />
        <div>
          <UPlotChart title={`Latency distribution (p50 solid, p95 dashed, p99 dotted; percentiles by ${PERCENTILE_METHOD})`} testId="chart-histogram" optionsKey={key} subscribe={subLatency} {...histogram} />
          <PercentileTable ids={ids} />
        </div>
        <UPlotChart title="HTTP requests + handshakes (cumulative)" testId="chart-requests" optionsKey={key} subscribe={subSampler} {...requests.cumulative} />
        <UPlotChart title="Requests per second" testId="chart-requests-rate" optionsKey={key} subscribe={subSampler} {...requests.perSecond} />
        <div>
          <UPlotChart title="Bytes on the wire per delivered message" testId="chart-bytes" optionsKey={key} subscribe={subSampler} {...bytes} />
          <BytesTable lanes={lanes} />
        </div>
      </div>
    </section>
  );
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function laneBytes(l: Lane) {
  const s = l.store.getSnapshot();
  return bytesPerMessage(s.client.counters, s.client.counters.messages);
}

function PercentileTable({ ids }: { ids: TransportId[] }) {
  const wb = useWorkbench();
  useStore(wb.measurements.changes);
  const m = wb.measurements;
  return (
    <table className="data" data-testid="percentiles">
      <thead>
        <tr>
          <th>lane</th>
          <th>n</th>
          <th>p50</th>
          <th>p95</th>
          <th>p99</th>
          <th>max</th>
          <th title="messages from other people: receivedAt − serverTime, corrected by the estimated clock offset">others’ p50 (est.)</th>
        </tr>
      </thead>
      <tbody>
        {ids.map((t) => {
          const p = m.percentiles(t, 'exact');
          const e = m.percentiles(t, 'estimated');
          return (
            <tr key={t} data-testid={`percentiles-${t}`}>
              <td>
                <span className="swatch" style={{ background: LANE_COLORS[t] }} />
                {t}
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
  );
}

function BytesTable({ lanes }: { lanes: readonly Lane[] }) {
  const wb = useWorkbench();
  useStore(wb.sampler.changes);
  return (
    <table className="data" data-testid="bytes-table">
      <thead>
        <tr>
          <th>lane</th>
          <th>delivered</th>
          <th>headers</th>
          <th>payload</th>
          <th>headers / msg</th>
          <th>payload / msg</th>
        </tr>
      </thead>
      <tbody>
        {lanes.map((l) => {
          const b = laneBytes(l);
          return (
            <tr key={l.transport}>
              <td>
                <span className="swatch" style={{ background: LANE_COLORS[l.transport] }} />
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
  );
}
