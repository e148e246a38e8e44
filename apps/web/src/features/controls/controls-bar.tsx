import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { download } from '../../lib/download.ts';
import { exportXlsx } from '../../model/export.ts';
import { LONG_POLL_TIMEOUT_RANGE, type AutoTarget } from '../../model/workbench.ts';
import { fmtMs } from '../../ui/format.ts';
import { useStore, useWorkbench } from '../../ui/use-store.ts';

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

export function ControlsBar() {
  const wb = useWorkbench();
  const { t } = useTranslation('controls');
  const settings = useStore(wb.settings);
  const lanes = useStore(wb.lanes);
  // The clock offset is read again on each stats poll (which also samples the clock), not on every message.
  const offset = useStore(wb.stats.store) ? wb.measurements.offset : null;
  const [pollMs, setPollMs] = useState(settings.pollIntervalMs);
  const [lpMs, setLpMs] = useState(settings.longPollTimeoutMs);
  const [autoMs, setAutoMs] = useState(settings.autoSend.intervalMs);
  const [target, setTarget] = useState<AutoTarget>(settings.autoSend.target);

  return (
    <section className="panel" data-testid="controls">
      <div className="controls">
        <fieldset>
          <legend>{t('pollInterval')}</legend>
          <input type="number" min={50} max={60000} step={50} value={pollMs} onChange={(e) => setPollMs(Number(e.target.value))} data-testid="poll-interval" />
          {t('ms')}
          <button onClick={() => wb.setPollInterval(Math.min(60_000, Math.max(50, pollMs)))} data-testid="poll-interval-apply">
            {t('apply')}
          </button>
        </fieldset>
        <fieldset>
          <legend>{t('longPollTimeout')}</legend>
          <input
            type="number"
            min={LONG_POLL_TIMEOUT_RANGE.minMs}
            max={LONG_POLL_TIMEOUT_RANGE.maxMs}
            step={1000}
            value={lpMs}
            onChange={(e) => setLpMs(Number(e.target.value))}
            data-testid="longpoll-timeout"
          />
          {t('ms')}
          <button
            onClick={() => {
              // The workbench clamps to the contract's range; the field shows what it kept.
              wb.setLongPollTimeout(lpMs);
              setLpMs(wb.settings.getSnapshot().longPollTimeoutMs);
            }}
            data-testid="longpoll-timeout-apply"
          >
            {t('apply')}
          </button>
          <span className="hint" data-testid="longpoll-timeout-hint">
            {t('longPollTimeoutHint')}
          </span>
        </fieldset>
        <fieldset>
          <legend>{t('auto.legend')}</legend>
          {t('auto.every')}
          <input type="number" min={20} max={60000} step={50} value={autoMs} onChange={(e) => setAutoMs(Number(e.target.value))} data-testid="auto-interval" />
          {t('auto.msVia')}
          <select value={target} onChange={(e) => setTarget(e.target.value as AutoTarget)} data-testid="auto-target">
            <option value="round-robin">{t('auto.roundRobin')}</option>
            {TRANSPORT_IDS.filter((id) => lanes.some((l) => l.transport === id)).map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
          <AutoButton interval={autoMs} target={target} />
        </fieldset>
        <fieldset>
          <legend>{t('run.legend')}</legend>
          <button onClick={() => wb.reset()} data-testid="reset">
            {t('run.reset')}
          </button>
          <button onClick={() => download(`wirebench-${stamp()}.json`, wb.exportJson(), 'application/json')} data-testid="export-json">
            {t('run.exportJson')}
          </button>
          <button onClick={() => download(`wirebench-${stamp()}.csv`, wb.exportCsv(), 'text/csv')} data-testid="export-csv">
            {t('run.exportCsv')}
          </button>
          <button onClick={() => void exportXlsx(wb, `wirebench-${stamp()}.xlsx`)} title={t('run.exportXlsxHint')} data-testid="export-xlsx">
            {t('run.exportXlsx')}
          </button>
        </fieldset>
        <span className="hint" title={t('clock.hint')}>
          {offset
            ? t('clock.offset', { offset: fmtMs(offset.offsetMs), half: fmtMs(offset.rttMs / 2), count: offset.samples })
            : t('clock.unknown')}
        </span>
      </div>
    </section>
  );
}

/** Start or stop the auto-sender; `interval` and `target` are what Start will use. */
export function AutoButton({ interval, target }: { interval?: number; target?: AutoTarget }) {
  const wb = useWorkbench();
  const { t } = useTranslation('controls');
  const { autoSend } = useStore(wb.settings);
  if (autoSend.running) {
    return (
      <button onClick={() => wb.stopAutoSend()} data-testid="auto-stop">
        {t('auto.stop', { count: autoSend.sent })}
      </button>
    );
  }
  return (
    <>
      <button
        className="primary"
        onClick={() => wb.startAutoSend(Math.min(60_000, Math.max(20, interval ?? autoSend.intervalMs)), target ?? autoSend.target)}
        data-testid="auto-start"
      >
        {t('auto.start')}
      </button>
      {autoSend.stoppedBecause === 'target-removed' && (
        <span className="hint" role="status" data-testid="auto-stopped">
          {t('auto.stoppedTargetRemoved')}
        </span>
      )}
    </>
  );
}
