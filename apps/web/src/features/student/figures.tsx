import { useTranslation } from 'react-i18next';
import { bytesPerMessage } from '../../lib/stats-math.ts';
import type { Lane } from '../../model/lane.ts';
import type { Measurements } from '../../model/measurements.ts';
import { fmtBytes, fmtInt, fmtMs } from '../../ui/format.ts';
import { useStore } from '../../ui/use-store.ts';

/** This student's own lane, measured by the page: latency of own messages, requests, bytes. */
export function Figures({ lane, measurements }: { lane: Lane; measurements: Measurements | null }) {
  const { t } = useTranslation('student');
  const l = useStore(lane.store);
  const c = l.client.counters;
  // Lane marks latencyMs on live messages this lane sent and received: exact, one clock.
  let last: number | null = null;
  for (let i = l.messages.length - 1; i >= 0 && last === null; i--) {
    const msg = l.messages[i]!;
    if (msg.own && msg.latencyMs !== null && !msg.estimated) last = msg.latencyMs;
  }
  const own = measurements?.percentiles(lane.transport, 'exact');
  const perMsg = bytesPerMessage(c, c.messages);
  return (
    <dl className="st-figures" data-testid="student-figures">
      <dt>{t('figures.latencyLast')}</dt>
      <dd data-testid="student-latency-last">{fmtMs(last)}</dd>
      <dt>{t('figures.latencyMedian', { count: own?.count ?? 0 })}</dt>
      <dd data-testid="student-latency-median">{fmtMs(own?.p50)}</dd>
      <dt>{t('figures.requests')}</dt>
      <dd data-testid="student-requests">{fmtInt(c.requests)}</dd>
      <dt>{t('figures.delivered')}</dt>
      <dd data-testid="student-delivered">{fmtInt(c.messages)}</dd>
      <dt>{t('figures.reconnects')}</dt>
      <dd data-testid="student-reconnects">{fmtInt(c.reconnects)}</dd>
      <dt>{t('figures.perMessage')}</dt>
      <dd data-testid="student-bytes-per-message">{fmtBytes(perMsg.totalPerMessage)}</dd>
      <dt className="st-sub">{t('figures.perMessageSplit')}</dt>
      <dd className="st-sub" data-testid="student-bytes-split">
        {fmtBytes(perMsg.headerPerMessage)} / {fmtBytes(perMsg.payloadPerMessage)}
      </dd>
    </dl>
  );
}
