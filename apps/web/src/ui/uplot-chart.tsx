// One uPlot instance per mounted chart, created once per `optionsKey`; new
// points arrive through setData when the store says something changed (the
// store already coalesces to one notification per animation frame).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface UPlotChartProps {
  /** Options for a chart of the given width. A new key re-creates the chart. */
  makeOptions: (width: number) => uPlot.Options;
  optionsKey: string;
  getData: () => uPlot.AlignedData;
  subscribe: (listener: () => void) => () => void;
  testId: string;
  title: string;
}

function countPoints(data: uPlot.AlignedData): number {
  let n = 0;
  for (let s = 1; s < data.length; s++) {
    const col = data[s]!;
    for (let i = 0; i < col.length; i++) if (col[i] != null) n++;
  }
  return n;
}

export function UPlotChart({ makeOptions, optionsKey, getData, subscribe, testId, title }: UPlotChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const latest = useRef({ makeOptions, getData });
  latest.current = { makeOptions, getData };

  useEffect(() => {
    const el = host.current!;
    const width = Math.max(240, el.clientWidth);
    const data = latest.current.getData();
    const chart = new uPlot(latest.current.makeOptions(width), data, el);
    el.dataset.points = String(countPoints(data));
    const redraw = () => {
      const d = latest.current.getData();
      chart.setData(d);
      el.dataset.points = String(countPoints(d));
    };
    const off = subscribe(redraw);
    const ro = new ResizeObserver(() => {
      const w = Math.max(240, el.clientWidth);
      if (Math.abs(w - chart.width) > 2) chart.setSize({ width: w, height: chart.height });
    });
    ro.observe(el);
    return () => {
      off();
      ro.disconnect();
      chart.destroy();
    };
  }, [optionsKey, subscribe]);

  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <div ref={host} className="chart-host" data-testid={testId} />
    </figure>
  );
}
