import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type uPlot from 'uplot';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { useTransportLabels } from '../../i18n/transport-labels.ts';
import { classCount } from '../../model/class-roster.ts';
import { connectionsByTransport } from '../../model/stats-poller.ts';
import { fmtInt } from '../../ui/format.ts';
import { axisFont, projector } from '../../ui/projector.ts';
import { cssVar } from '../../ui/theme.ts';
import { useTeacher } from '../../ui/teacher-context.ts';
import { UPlotChart } from '../../ui/uplot-chart.tsx';
import { useStore, useWorkbench } from '../../ui/use-store.ts';

/**
 * The class in figures. Who is here comes from one answer of the class list (GET /api/clients),
 * so students, teacher lanes, clients and the per-transport counts add up; connections,
 * requests and messages are the server's own counters (GET /api/stats), said to be such.
 */
export function ClassStats() {
  const { t } = useTranslation('classroom');
  const labels = useTransportLabels();
  const wb = useWorkbench();
  const { roster } = useTeacher();
  const s = useStore(wb.stats.store);
  const r = useStore(roster.store);
  const own = useStore(wb.ownIds);
  const count = r.clients ? classCount(r.clients, own) : null;
  const conns = s.stats ? connectionsByTransport(s.stats) : null;
  return (
    <section className="panel" data-testid="class-stats">
      <h2>{t('stats.heading')}</h2>
      <div className="class-stats">
        <div className="big-stat">
          <div className="n" data-testid="class-students">{fmtInt(count?.students)}</div>
          <div className="l">{t('stats.students')}</div>
        </div>
        <div className="big-stat">
          <div className="n" data-testid="class-teacher-lanes">{fmtInt(count?.teacherLanes)}</div>
          <div className="l">{t('stats.teacherLanes', { own: fmtInt(count?.ownLanes), others: fmtInt(count ? count.teacherLanes - count.ownLanes : null) })}</div>
        </div>
        <div className="big-stat">
          <div className="n" data-testid="class-clients">{fmtInt(count?.clients)}</div>
          <div className="l">{t('stats.clients')}</div>
        </div>
        <div className="big-stat">
          <div className="n" data-testid="class-rps">{s.requestsPerSecond === null ? '–' : s.requestsPerSecond.toFixed(1)}</div>
          <div className="l">{t('stats.rps')}</div>
        </div>
        <div className="big-stat">
          <div className="n">{fmtInt(s.stats?.room.lastSeq)}</div>
          <div className="l">{t('stats.messages')}</div>
        </div>
        {TRANSPORT_IDS.map((id) => (
          <div className="big-stat" key={id} style={{ ['--lane' as string]: `var(--lane-${id})` }} data-testid={`class-${id}`}>
            <div className="n" data-testid={`class-${id}-students`}>{fmtInt(count?.byTransport[id].students)}</div>
            <div className="l">
              {t('stats.on', { label: labels[id] })}{' '}
              <span className="hint">
                ({t('stats.teacherOn', { n: fmtInt(count?.byTransport[id].teacherLanes) })};{' '}
                {id === 'short-poll'
                  ? t('stats.serverNeverOpen', { requests: fmtInt(s.stats?.transports[id]?.requests) })
                  : t('stats.serverOpen', { open: fmtInt(conns?.[id]), requests: fmtInt(s.stats?.transports[id]?.requests) })}
                )
              </span>
            </div>
          </div>
        ))}
      </div>
      {count !== null && count.switched > 0 && (
        <p className="hint" data-testid="class-students-switched">
          {t('stats.switched', { count: count.switched })}
        </p>
      )}
      <p className="hint">{t('stats.source')}</p>
      {s.error && <p className="error-line">{t('stats.error', { error: s.error })}</p>}
      <RequestsPerSecondChart />
    </section>
  );
}

function RequestsPerSecondChart() {
  const { t, i18n } = useTranslation('classroom');
  const wb = useWorkbench();
  const big = useStore(projector);
  const poller = wb.stats;
  const subscribe = useCallback((fn: () => void) => poller.store.subscribe(fn), [poller]);
  const perSecond = t('chart.series');
  const seconds = t('chart.seconds');
  return (
    <UPlotChart
      title={t('chart.title')}
      caption={t('chart.caption')}
      testId="chart-server-rps"
      // A new language draws the axes again, with their new names.
      optionsKey={`${big ? 'big' : 'normal'}-${i18n.language}`}
      subscribe={subscribe}
      // The theme's colours, read when the chart is built (a theme change builds it again).
      makeOptions={(width): uPlot.Options => {
        const font = axisFont(big);
        const stroke = cssVar('--accent') || '#0b5fa5';
        return {
          width,
          height: big ? 300 : 220,
          scales: { x: { time: false } },
          series: [{ label: seconds }, { label: perSecond, stroke, width: 2, fill: translucent(stroke, 0.14) }],
          axes: [{ label: seconds, ...font }, { label: perSecond, ...font }],
          legend: { show: false },
        };
      }}
      getData={() => [poller.rpsT.view(), poller.rps.view()]}
    />
  );
}

/** `#rrggbb` at opacity `a`, for a canvas fill (any other colour as it is). */
function translucent(color: string, a: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  return m ? `rgba(${parseInt(m[1]!, 16)}, ${parseInt(m[2]!, 16)}, ${parseInt(m[3]!, 16)}, ${a})` : color;
}
