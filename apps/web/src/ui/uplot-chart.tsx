// One uPlot instance per mounted chart, created once per `optionsKey` and theme; new
// points arrive through setData when the store says something changed (the
// store coalesces to one notification per frame, and paces a busy one), and only
// while the chart is on screen.
import { useEffect, useRef, type ReactNode } from 'react';
import uPlot from 'uplot';
import { theme } from './theme.ts';
import { useStore } from './use-store.ts';

export interface UPlotChartProps {
  /** Options for a chart of the given size (height: the host's when `fill`, else 0). A new key re-creates the chart. */
  makeOptions: (width: number, height: number) => uPlot.Options;
  optionsKey: string;
  getData: () => uPlot.AlignedData;
  subscribe: (listener: () => void) => () => void;
  testId: string;
  title: string;
  /** One line under the title: what to notice. */
  caption?: string;
  /** Drawn between the caption and the chart (the lanes' colours, line styles and markers). */
  legend?: ReactNode;
  /** Take the height the layout gives the chart instead of the options' height. */
  fill?: boolean;
}

function countPoints(data: uPlot.AlignedData): number {
  let n = 0;
  for (let s = 1; s < data.length; s++) {
    const col = data[s]!;
    for (let i = 0; i < col.length; i++) if (col[i] != null) n++;
  }
  return n;
}

const MIN_WIDTH = 200;
const MIN_HEIGHT = 80;

export function UPlotChart({ makeOptions, optionsKey, getData, subscribe, testId, title, caption, legend, fill = false }: UPlotChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const latest = useRef({ makeOptions, getData });
  latest.current = { makeOptions, getData };
  // Canvas colours are read from CSS when the chart is built: a theme change rebuilds it.
  const resolvedTheme = useStore(theme);

  useEffect(() => {
    const el = host.current!;
    // Height 0: the options' own, unless the chart fills what the layout gives it.
    const size = () => ({ width: Math.max(MIN_WIDTH, el.clientWidth), height: fill ? Math.max(MIN_HEIGHT, el.clientHeight) : 0 });
    const first = size();
    const data = latest.current.getData();
    const options = latest.current.makeOptions(first.width, first.height);
    const chart = new uPlot(fill ? { ...options, height: first.height } : options, data, el);
    el.dataset.points = String(countPoints(data));
    // A chart scrolled out of view keeps its count but is drawn only when it comes back.
    let visible = true;
    let stale = false;
    const redraw = () => {
      const d = latest.current.getData();
      el.dataset.points = String(countPoints(d));
      if (visible) chart.setData(d);
      stale = !visible;
    };
    const off = subscribe(redraw);
    const io = new IntersectionObserver(([entry]) => {
      visible = entry?.isIntersecting ?? true;
      if (visible && stale) redraw();
    });
    io.observe(el);
    const ro = new ResizeObserver(() => {
      const next = size();
      const height = fill ? next.height : chart.height;
      if (Math.abs(next.width - chart.width) > 2 || Math.abs(height - chart.height) > 2) chart.setSize({ width: next.width, height });
    });
    ro.observe(el);
    return () => {
      off();
      io.disconnect();
      ro.disconnect();
      chart.destroy();
    };
  }, [optionsKey, subscribe, resolvedTheme, fill]);

  return (
    <figure className={fill ? 'chart fill' : 'chart'} data-testid={`${testId}-figure`}>
      <figcaption>
        <span className="chart-title">{title}</span>
        {caption && (
          <span className="chart-caption" data-testid={`${testId}-caption`}>
            {caption}
          </span>
        )}
      </figcaption>
      {legend}
      <div ref={host} className={fill ? 'chart-host fill' : 'chart-host'} data-testid={testId} />
    </figure>
  );
}
