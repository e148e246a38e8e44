import { useCallback } from 'react';
import type uPlot from 'uplot';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { TRANSPORT_LABELS } from '../../lib/workbench.ts';
import { clientsByTransport, connectionsByTransport } from '../../lib/stats-poller.ts';
import { fmtInt, LANE_COLORS } from '../../ui/format.ts';
import { axisFont, projector } from '../../ui/projector.ts';
import { UPlotChart } from '../../ui/uplot-chart.tsx';
import { useStore, useWorkbench } from '../../ui/use-store.ts';

export function ClassroomView() {
  const wb = useWorkbench();
  const s = useStore(wb.stats.store);
  const conns = s.stats ? connectionsByTransport(s.stats) : null;
  const clients = s.stats ? clientsByTransport(s.stats) : null;
  const urls = s.info?.joinUrls ?? [location.origin + '/'];
  return (
    <>
      <section className="panel" data-testid="join-urls">
        <h2>Join the room</h2>
        <div className="join-urls">
          {urls.map((u) => (
            <span className="join-url" key={u}>
              {u}
            </span>
          ))}
        </div>
      </section>
      <section className="panel" data-testid="class-stats">
        <h2>The class right now</h2>
        <div className="class-stats">
          <div className="big-stat">
            <div className="n" data-testid="class-clients">{fmtInt(s.stats?.room.clients)}</div>
            <div className="l">clients in the room</div>
          </div>
          <div className="big-stat">
            <div className="n" data-testid="class-rps">{s.requestsPerSecond === null ? '–' : s.requestsPerSecond.toFixed(1)}</div>
            <div className="l">server requests / second</div>
          </div>
          <div className="big-stat">
            <div className="n">{fmtInt(s.stats?.room.lastSeq)}</div>
            <div className="l">messages so far</div>
          </div>
          {TRANSPORT_IDS.map((t) => (
            <div className="big-stat" key={t} style={{ ['--lane' as string]: LANE_COLORS[t] }} data-testid={`class-${t}`}>
              <div className="n">{fmtInt(clients?.[t])}</div>
              <div className="l">
                on {TRANSPORT_LABELS[t]}{' '}
                <span className="hint">
                  ({t === 'short-poll' ? 'never held open' : `${fmtInt(conns?.[t])} open`},{' '}
                  {fmtInt(s.stats?.transports[t]?.requests)} requests)
                </span>
              </div>
            </div>
          ))}
        </div>
        {s.error && <p className="error-line">stats: {s.error}</p>}
        <RequestsPerSecondChart />
      </section>
    </>
  );
}

function RequestsPerSecondChart() {
  const wb = useWorkbench();
  const big = useStore(projector);
  const font = axisFont(big);
  const poller = wb.stats;
  const subscribe = useCallback((fn: () => void) => poller.store.subscribe(fn), [poller]);
  return (
    <UPlotChart
      title="Server requests per second, all transports"
      testId="chart-server-rps"
      optionsKey={big ? 'big' : 'normal'}
      subscribe={subscribe}
      makeOptions={(width): uPlot.Options => ({
        width,
        height: big ? 300 : 220,
        scales: { x: { time: false } },
        series: [{ label: 's' }, { label: 'requests / s', stroke: '#1864ab', width: 2, fill: 'rgba(24,100,171,0.12)' }],
        axes: [{ label: 'seconds', ...font }, { label: 'requests / s', ...font }],
        legend: { show: false },
      })}
      getData={() => [poller.rpsT.view(), poller.rps.view()]}
    />
  );
}
