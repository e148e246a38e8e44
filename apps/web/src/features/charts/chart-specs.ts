// What each chart draws, for the Measurements panel and the stage alike: uPlot options for a
// given size, the data read from the model's columns on each draw, and which store says "redraw".
// Every lane has its colour (Okabe–Ito), its line style and its point marker.
import uPlot from 'uplot';
import type { TransportId } from '@wirebench/transports/contract';
import type { Lane } from '../../model/lane.ts';
import type { ChartId } from '../../model/settings.ts';
import type { Workbench } from '../../model/workbench.ts';
import { bytesPerMessage, histograms } from '../../lib/stats-math.ts';
import { fmtBytes, fmtMs, LANE_DASH, LANE_MARKER, traceMarker } from '../../ui/format.ts';
import { axisFont } from '../../ui/projector.ts';
import { cssVar, laneColor } from '../../ui/theme.ts';

export interface ChartSpec {
  id: ChartId;
  makeOptions: (width: number, height: number) => uPlot.Options;
  getData: () => uPlot.AlignedData;
  subscribe: (listener: () => void) => () => void;
  /** Which legend the chart needs: one entry per lane, or headers vs payload. */
  legend: 'lanes' | 'bytes';
}

export interface Labels {
  seq: string;
  latencyAxis: string;
  histX: string;
  histY: string;
  seconds: string;
  requestsTotal: string;
  requestsPerSecond: string;
  bytesAxis: string;
  headers: string;
  payload: string;
}

const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000];

export function alpha(color: string, a: number): string {
  if (!/^#[0-9a-f]{6}$/i.test(color)) return color;
  const n = parseInt(color.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

/** Point markers in the lane's shape, wherever uPlot decides points are sparse enough to show. */
function markers(t: TransportId, color: string): uPlot.Series.Points {
  return {
    size: 8,
    width: 1,
    stroke: color,
    fill: color,
    paths: (u, si, i0, i1) => {
      const path = new Path2D();
      const xs = u.data[0];
      const ys = u.data[si]!;
      const r = 3.5 * uPlot.pxRatio;
      for (let i = i0; i <= i1; i++) {
        const y = ys[i];
        if (y == null) continue;
        traceMarker(path, LANE_MARKER[t], u.valToPos(xs[i]!, 'x', true), u.valToPos(y, 'y', true), r);
      }
      return { fill: path, stroke: path };
    },
  };
}

function laneSeries(t: TransportId, big: boolean, extra: Partial<uPlot.Series> = {}): uPlot.Series {
  const color = laneColor(t);
  return { label: t, stroke: color, width: big ? 2.5 : 1.75, dash: LANE_DASH[t], spanGaps: true, points: markers(t, color), ...extra };
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

export function laneBytes(l: Lane) {
  const s = l.store.getSnapshot();
  return bytesPerMessage(s.client.counters, s.client.counters.messages);
}

/** Every chart for the given lanes. `height` is the normal layout's; the stage passes its own. */
export function chartSpecs(wb: Workbench, lanes: readonly Lane[], big: boolean, height: number, labels: Labels): Record<ChartId, ChartSpec> {
  const ids = lanes.map((l) => l.transport);
  const m = wb.measurements;
  const sampler = wb.sampler;
  const subLatency = (fn: () => void) => m.changes.subscribe(fn);
  const subSampler = (fn: () => void) => sampler.changes.subscribe(fn);
  /** The x axis needs a line of ticks and a line of label, no more. */
  const xSize = big ? 58 : 44;
  const base = (width: number, h: number): Pick<uPlot.Options, 'width' | 'height' | 'legend' | 'scales'> => ({
    width,
    height: h || height,
    legend: { show: false },
    scales: { x: { time: false } },
  });

  const latency: ChartSpec = {
    id: 'latency',
    legend: 'lanes',
    subscribe: subLatency,
    makeOptions: (width, h) => {
      const font = axisFont(big);
      return {
        ...base(width, h),
        series: [{ label: labels.seq }, ...ids.map((t) => laneSeries(t, big, { value: (_u, v) => fmtMs(v) }))],
        axes: [{ label: labels.seq, ...font, size: xSize, incrs: INTEGER_STEPS }, { label: labels.latencyAxis, ...font }],
      };
    },
    getData: () => {
      const n = m.seqs.length;
      return [
        m.seqs,
        ...ids.map((t) => {
          const col = m.latencyByLane.get(t)!;
          col.padTo(n);
          return col.values;
        }),
      ] as uPlot.AlignedData;
    },
  };

  const histogram: ChartSpec = {
    id: 'histogram',
    legend: 'lanes',
    subscribe: subLatency,
    makeOptions: (width, h) => {
      const font = axisFont(big);
      const colors = ids.map((t) => laneColor(t));
      return {
        ...base(width, h),
        series: [
          { label: 'ms' },
          ...ids.map((t, i) =>
            laneSeries(t, big, { paths: uPlot.paths.stepped!({ align: 1 }), fill: alpha(colors[i]!, 0.14), points: { show: false } }),
          ),
        ],
        axes: [{ label: labels.histX, ...font, size: xSize }, { label: labels.histY, ...font }],
        hooks: {
          // p50 solid, p95 dashed, p99 dotted, in each lane's colour, topped by the lane's marker.
          draw: [
            (u) => {
              const ctx = u.ctx;
              const px = uPlot.pxRatio;
              ids.forEach((t, i) => {
                const p = m.percentiles(t);
                if (p.count === 0) return;
                ctx.save();
                ctx.strokeStyle = colors[i]!;
                ctx.fillStyle = colors[i]!;
                ctx.lineWidth = 2 * px;
                for (const [v, dash] of [
                  [p.p50, []],
                  [p.p95, [6, 4]],
                  [p.p99, [2, 3]],
                ] as const) {
                  const x = u.valToPos(v, 'x', true);
                  ctx.setLineDash(dash.map((d) => d * px));
                  ctx.beginPath();
                  ctx.moveTo(x, u.bbox.top);
                  ctx.lineTo(x, u.bbox.top + u.bbox.height);
                  ctx.stroke();
                  ctx.beginPath();
                  traceMarker(ctx, LANE_MARKER[t], x, u.bbox.top + 5 * px, 4.5 * px);
                  ctx.fill();
                }
                ctx.restore();
              });
            },
          ],
        },
      };
    },
    getData: () => {
      const hist = histograms(
        ids.map((t) => m.exact.get(t)!.view()),
        40,
      );
      return [hist.edges, ...hist.counts] as uPlot.AlignedData;
    },
  };

  const requests: ChartSpec = {
    id: 'requests',
    legend: 'lanes',
    subscribe: subSampler,
    makeOptions: (width, h) => {
      const font = axisFont(big);
      return {
        ...base(width, h),
        series: [{ label: 's' }, ...ids.map((t) => laneSeries(t, big))],
        axes: [{ label: labels.seconds, ...font, size: xSize }, { label: labels.requestsTotal, ...font }],
      };
    },
    getData: () => [sampler.t.view(), ...ids.map((t) => sampler.requests.get(t)!)] as uPlot.AlignedData,
  };

  const requestsRate: ChartSpec = {
    id: 'requests-rate',
    legend: 'lanes',
    subscribe: subSampler,
    makeOptions: (width, h) => {
      const font = axisFont(big);
      return {
        ...base(width, h),
        series: [{ label: 's' }, ...ids.map((t) => laneSeries(t, big))],
        axes: [{ label: labels.seconds, ...font, size: xSize }, { label: labels.requestsPerSecond, ...font }],
      };
    },
    // Each request counted in the second it started (not a difference of samples taken when a
    // timer happened to fire); null for the seconds a lane was not there.
    getData: () => [sampler.rateT.view(), ...ids.map((t) => sampler.perSecond.get(t)!)] as uPlot.AlignedData,
  };

  const bytes: ChartSpec = {
    id: 'bytes',
    legend: 'bytes',
    subscribe: subSampler,
    makeOptions: (width, h) => {
      const font = axisFont(big);
      const headers = cssVar('--chart-headers') || '#444444';
      const payload = cssVar('--chart-payload') || '#56B4E9';
      return {
        ...base(width, h),
        scales: { x: { time: false, range: [-0.5, ids.length - 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
        series: [
          { label: 'lane' },
          {
            label: labels.headers,
            stroke: headers,
            fill: alpha(headers, 0.75),
            paths: uPlot.paths.bars!({ size: [0.35, 90], align: -1 }),
            points: { show: false },
            value: (_u, v) => fmtBytes(v),
          },
          {
            label: labels.payload,
            stroke: payload,
            width: 2,
            dash: [4, 3],
            fill: alpha(payload, 0.35),
            paths: uPlot.paths.bars!({ size: [0.35, 90], align: 1 }),
            points: { show: false },
            value: (_u, v) => fmtBytes(v),
          },
        ],
        axes: [
          { ...font, size: xSize, splits: () => ids.map((_, i) => i), values: (_u, splits) => splits.map((i) => ids[i] ?? '') },
          { label: labels.bytesAxis, ...font },
        ],
      };
    },
    getData: () => {
      const b = lanes.map((l) => laneBytes(l));
      return [ids.map((_, i) => i), b.map((x) => finiteOrNull(x.headerPerMessage)), b.map((x) => finiteOrNull(x.payloadPerMessage))];
    },
  };

  return { latency, histogram, requests, 'requests-rate': requestsRate, bytes };
}
