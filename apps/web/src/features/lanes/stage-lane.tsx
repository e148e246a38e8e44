import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Lane } from '../../model/lane.ts';
import { bytesPerMessage, serverBytesPerMessage } from '../../lib/stats-math.ts';
import { fmtBytes, fmtInt, fmtMs } from '../../ui/format.ts';
import { useStore, useWorkbench } from '../../ui/use-store.ts';
import { agreedExtension } from './compress.tsx';
import { MessageList, StatusBadge } from './lane-card.tsx';

/** Messages a stage card renders: more than fit, so the newest always fill it. */
const STAGE_MESSAGES = 24;

/**
 * A lane on the projector: its name, status, the three figures the lesson compares (latency,
 * requests, bytes per message) and its newest messages, in type a class can read.
 */
export const StageLane = memo(function StageLane({ lane }: { lane: Lane }) {
  const wb = useWorkbench();
  const { t } = useTranslation('lanes');
  const { t: tc } = useTranslation('common');
  const s = useStore(lane.store);
  useStore(wb.measurements.changes);
  const id = lane.transport;
  const c = s.client.counters;
  const exact = wb.measurements.percentiles(id, 'exact');
  const estimated = wb.measurements.percentiles(id, 'estimated');
  const latency = exact.count > 0 ? fmtMs(exact.p50) : estimated.count > 0 ? `≈${fmtMs(estimated.p50)}` : '–';
  const stats = useStore(wb.stats.store).stats;
  // A compressed lane's own count is of inflated messages: the wire's figure is the server's.
  const perMessage = lane.compressed ? serverBytesPerMessage(stats?.transports[id]) : bytesPerMessage(c, c.messages).totalPerMessage;

  return (
    <section className="panel lane stage-lane" style={{ ['--lane' as string]: `var(--lane-${id})` }} data-testid={`lane-${id}`}>
      <div className="lane-head">
        <h2>{tc(`transportShort.${id}`)}</h2>
        <StatusBadge transport={id} status={s.client.status} />
        {agreedExtension(s.client.extensions) && (
          <span className="ext-tag mono" title={s.client.extensions} data-testid={`lane-${id}-extensions`}>
            {agreedExtension(s.client.extensions)}
          </span>
        )}
      </div>
      <dl className="figures">
        <div>
          <dt>{t('figures.latency')}</dt>
          <dd data-testid={`lane-${id}-latency`}>{latency}</dd>
        </div>
        <div>
          <dt>{t('figures.requests')}</dt>
          <dd data-testid={`lane-${id}-requests`}>{fmtInt(c.requests)}</dd>
        </div>
        <div>
          <dt title={lane.compressed ? t('compress.wireHint') : undefined}>{t('figures.perMessage')}</dt>
          <dd data-testid={`lane-${id}-per-message`}>{fmtBytes(perMessage)}</dd>
        </div>
      </dl>
      <MessageList messages={s.messages} limit={STAGE_MESSAGES} testId={`lane-${id}-messages`} />
    </section>
  );
});
