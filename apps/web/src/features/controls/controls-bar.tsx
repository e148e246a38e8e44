import { useState } from 'react';
import { TRANSPORT_IDS } from '@wirebench/transports/contract';
import { download } from '../../lib/download.ts';
import type { AutoTarget } from '../../model/workbench.ts';
import { fmtMs } from '../../ui/format.ts';
import { useStore, useWorkbench } from '../../ui/use-store.ts';

export function ControlsBar() {
  const wb = useWorkbench();
  const settings = useStore(wb.settings);
  const lanes = useStore(wb.lanes);
  const offset = useStore(wb.measurements.changes) >= 0 ? wb.measurements.offset : null;
  const [pollMs, setPollMs] = useState(settings.pollIntervalMs);
  const [lpMs, setLpMs] = useState(settings.longPollTimeoutMs);
  const [autoMs, setAutoMs] = useState(settings.autoSend.intervalMs);
  const [target, setTarget] = useState<AutoTarget>(settings.autoSend.target);
  const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

  return (
    <section className="panel" data-testid="controls">
      <div className="controls">
        <fieldset>
          <legend>Short-poll interval</legend>
          <input type="number" min={50} max={60000} step={50} value={pollMs} onChange={(e) => setPollMs(Number(e.target.value))} data-testid="poll-interval" />
          ms
          <button onClick={() => wb.setPollInterval(Math.max(50, pollMs))} data-testid="poll-interval-apply">
            Apply
          </button>
        </fieldset>
        <fieldset>
          <legend>Long-poll timeout</legend>
          <input type="number" min={0} max={60000} step={1000} value={lpMs} onChange={(e) => setLpMs(Number(e.target.value))} data-testid="longpoll-timeout" />
          ms
          <button onClick={() => wb.setLongPollTimeout(Math.min(60_000, Math.max(0, lpMs)))} data-testid="longpoll-timeout-apply">
            Apply
          </button>
        </fieldset>
        <fieldset>
          <legend>Auto-sender</legend>
          every
          <input type="number" min={20} step={50} value={autoMs} onChange={(e) => setAutoMs(Number(e.target.value))} data-testid="auto-interval" />
          ms via
          <select value={target} onChange={(e) => setTarget(e.target.value as AutoTarget)} data-testid="auto-target">
            <option value="round-robin">round-robin</option>
            {TRANSPORT_IDS.filter((t) => lanes.some((l) => l.transport === t)).map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
          {settings.autoSend.running ? (
            <button onClick={() => wb.stopAutoSend()} data-testid="auto-stop">
              Stop ({settings.autoSend.sent} sent)
            </button>
          ) : (
            <button className="primary" onClick={() => wb.startAutoSend(Math.max(20, autoMs), target)} data-testid="auto-start">
              Start
            </button>
          )}
        </fieldset>
        <fieldset>
          <legend>Run</legend>
          <button onClick={() => wb.reset()} data-testid="reset">
            Reset
          </button>
          <button onClick={() => download(`wirebench-${stamp()}.json`, wb.exportJson(), 'application/json')} data-testid="export-json">
            Export JSON
          </button>
          <button onClick={() => download(`wirebench-${stamp()}.csv`, wb.exportCsv(), 'text/csv')} data-testid="export-csv">
            Export CSV
          </button>
        </fieldset>
        <span className="hint" title="server clock − page clock: serverTime − (request time + half the round trip), from this page's sends and its once-a-second GET /api/stats; the shortest round trip wins">
          clock offset {offset ? `${fmtMs(offset.offsetMs)} (±${fmtMs(offset.rttMs / 2)}, ${offset.samples} samples)` : 'not yet estimated'}
        </span>
      </div>
    </section>
  );
}
