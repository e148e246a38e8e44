import { memo, useEffect, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { InspectFrame } from '@wirebench/transports/contract';
import type { WireRecord } from '@wirebench/transports/client';
import type { Lane } from '../../model/lane.ts';
import type { Workbench } from '../../model/workbench.ts';
import { nodeTags } from '../../lib/node-tags.ts';
import { useTransportLabels } from '../../i18n/transport-labels.ts';
import { fmtBytes, LANE_COLORS } from '../../ui/format.ts';
import { useOnScreen } from '../../ui/on-screen.ts';
import { usePacedNow, useStore, useStoreWhile, useWorkbench } from '../../ui/use-store.ts';
import { copyText } from './copy-text.ts';
import { frameHex, hexByteCount, hexGroups, timeOfDay } from './frame-bytes.ts';
import { barOf, timelineRows, type TimelineRecord } from './timeline-bars.ts';
import './inspector.css';

export function InspectorPanel() {
  const { t } = useTranslation('inspector');
  const wb = useWorkbench();
  const lanes = useStore(wb.lanes);
  const http = lanes.filter((l) => l.transport !== 'ws-raw' && l.transport !== 'ws-lib');
  // Off screen the browser skips the panel; its frames and timelines then wait too.
  const [ref, live] = useOnScreen<HTMLElement>();
  return (
    <section ref={ref} className="panel skip-offscreen" data-testid="inspector" data-live={live ? '1' : '0'}>
      <h2>{t('title')}</h2>
      <div className="inspector">
        <WsInspector live={live} />
        <div>
          {http.map((l) => (
            <RequestTimeline key={l.transport} lane={l} live={live} />
          ))}
        </div>
      </div>
    </section>
  );
}

function WsInspector({ live }: { live: boolean }) {
  const { t } = useTranslation('inspector');
  const wb = useWorkbench();
  const s = useStoreWhile(wb.inspector.store, live);
  const hs = s.handshake;
  const node = useWsRawNode(wb);
  return (
    <div data-testid="ws-inspector">
      <h3>
        {t('ws.title')} {s.clientId ? <span className="hint mono">{t('ws.client', { clientId: s.clientId })}</span> : null}
      </h3>
      {/* From the lane's own welcome: the inspector's stream may reach another process of a cluster. */}
      {s.clientId && node !== null && (
        <p className="hint" data-testid="ws-handshake-node">
          {t('handshake.node', { node })}
        </p>
      )}
      {!s.clientId && <p className="hint">{t('ws.noLane')}</p>}
      {s.error && <p className="hint">{t('ws.interrupted')}</p>}
      {hs ? (
        <div className="handshake" data-testid="ws-handshake">
          <strong>{t('handshake.request')}</strong>
          <pre>
            {`${hs.request.method} ${hs.request.url} HTTP/${hs.request.httpVersion}\n`}
            {hs.request.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}
          </pre>
          <strong>{t('handshake.response')}</strong>
          <pre>
            {`HTTP/1.1 ${hs.response.status}\n`}
            {hs.response.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}
          </pre>

          <strong>{t('handshake.acceptTitle')}</strong>
          <dl className="accept-steps mono" data-testid="ws-accept-steps">
            <dt>{t('handshake.step1')}</dt>
            <dd>{hs.accept.key}</dd>
            <dt>{t('handshake.step2')}</dt>
            <dd>{hs.accept.guid}</dd>
            <dt>{t('handshake.step3')}</dt>
            <dd>{hs.accept.concatenated}</dd>
            <dt>{t('handshake.step4')}</dt>
            <dd>{hs.accept.sha1Hex}</dd>
            <dt>{t('handshake.step5')}</dt>
            <dd>
              <strong>{hs.accept.accept}</strong>
            </dd>
          </dl>
        </div>
      ) : (
        s.clientId && <p className="hint">{t('ws.waiting')}</p>
      )}
      <FrameTable frames={s.frames} />
    </div>
  );
}

/** A header bit as the RFC names it (FIN, RSV1–3, MASK: protocol terms, the same in every language). */
function Bit({ on, label, hint, testId }: { on: boolean; label: string; hint?: string; testId?: string }) {
  return (
    <span className={on ? 'on' : ''} title={`${label} = ${on ? 1 : 0}${hint ? ` (${hint})` : ''}`} data-testid={testId} data-on={on ? '1' : '0'}>
      {label}
    </span>
  );
}

/** Hex pairs in groups of eight; a line breaks between groups only, so no pair is ever split. */
function HexDump({ hex, testId }: { hex: string; testId?: string }) {
  return (
    <code className="hex-dump" data-testid={testId}>
      {hexGroups(hex).map((group, i) => (
        <span key={i}>
          {i > 0 ? ' ' : null}
          <span className="hex-group">{group}</span>
        </span>
      ))}
    </code>
  );
}

function FrameTable({ frames }: { frames: readonly InspectFrame[] }) {
  const { t } = useTranslation('inspector');
  // The newest 30: more than the box shows at once, and each row is a whole frame.
  const shown = frames.slice(-30).reverse();
  return (
    <div className="frames">
      <table className="data" data-testid="ws-frames">
        {/* Fixed column widths: a new row does not make the browser lay the whole table out again. */}
        <colgroup>
          <col className="col-time" />
          <col className="col-direction" />
          <col className="col-bits" />
          <col className="col-opcode" />
          <col className="col-length" />
          <col className="col-mask" />
          <col />
        </colgroup>
        <thead>
          <tr>
            <th>{t('frames.time')}</th>
            <th>{t('frames.direction')}</th>
            <th>{t('frames.bits')}</th>
            <th>{t('frames.opcode')}</th>
            <th>{t('frames.length')}</th>
            <th>{t('frames.maskKey')}</th>
            <th>{t('frames.bytes')}</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((f) => (
            <StoredFrameRow key={`${f.connectionId}-${f.at}-${f.direction}-${f.headerHex}-${f.wireHex}`} f={f} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

// A frame never changes once seen: only new rows render while frames stream in.
const StoredFrameRow = memo(FrameRow);

function FrameRow({ f }: { f: InspectFrame }) {
  const { t, i18n } = useTranslation('inspector');
  const [copied, setCopied] = useState<'copied' | 'failed' | null>(null);
  useEffect(() => {
    if (!copied) return;
    const h = setTimeout(() => setCopied(null), 1500);
    return () => clearTimeout(h);
  }, [copied]);
  const lengthForm = f.lengthForm === 7 ? t('frames.form7') : f.lengthForm === 16 ? t('frames.form16') : t('frames.form64');
  const copy = async () => setCopied((await copyText(frameHex(f))) ? 'copied' : 'failed');
  return (
    <tr data-testid="ws-frame">
      <td className="mono frame-time" title={new Date(f.at).toISOString()} data-testid="ws-frame-time">
        {timeOfDay(f.at, i18n.language)}
      </td>
      <td className={f.direction === 'in' ? 'dir-in' : 'dir-out'} title={f.direction === 'in' ? t('frames.inHint') : t('frames.outHint')}>
        {f.direction === 'in' ? t('frames.in') : t('frames.out')}
      </td>
      <td className="bits">
        <Bit on={f.fin} label="FIN" />
        <Bit on={f.rsv[0]} label="RSV1" hint={f.rsv[0] ? t('frames.rsv1Hint') : undefined} testId="ws-frame-rsv1" />
        <Bit on={f.rsv[1]} label="RSV2" />
        <Bit on={f.rsv[2]} label="RSV3" />
        <Bit on={f.masked} label="MASK" />
      </td>
      <td>
        0x{f.opcode.toString(16)} {f.opcodeName}
        {f.compressed && (
          <>
            {' '}
            <span className="badge-compressed" title={t('frames.compressedHint')} data-testid="ws-frame-compressed">
              {t('frames.compressed')}
            </span>
          </>
        )}
      </td>
      <td title={lengthForm}>
        {f.payloadLength} <span className="hint">({t('frames.lengthBits', { n: f.lengthForm })})</span>
      </td>
      <td className="mono">{f.maskKeyHex ?? '—'}</td>
      <td className="frame-bytes">
        <div className="hex-label">{t('frames.header')}</div>
        <HexDump hex={f.headerHex} testId="ws-frame-header" />
        {f.wireHex !== '' && (
          <>
            <div className="hex-label">
              {f.compressed
                ? f.masked
                  ? t('frames.compressedMasked')
                  : t('frames.compressedPayload')
                : f.masked
                  ? t('frames.payloadMasked')
                  : t('frames.payload')}
            </div>
            <HexDump hex={f.wireHex} testId="ws-frame-wire" />
          </>
        )}
        {f.masked && f.payloadHex !== '' && (
          <>
            <div className="hex-label">{f.compressed ? t('frames.unmaskedCompressed') : t('frames.unmasked')}</div>
            <HexDump hex={f.payloadHex} />
          </>
        )}
        {f.truncated && <div className="hint">{t('frames.truncated', { shown: hexByteCount(f.wireHex), total: f.payloadLength })}</div>}
        {f.compressed && <InflatedPayload f={f} />}
        {f.text !== undefined && <div className="hint frame-text">“{f.text}”</div>}
        <button className="copy-hex" onClick={() => void copy()} title={t('frames.copyHint')} data-testid="ws-frame-copy">
          {copied === 'copied' ? t('frames.copied') : copied === 'failed' ? t('frames.copyFailed') : t('frames.copy')}
        </button>
      </td>
    </tr>
  );
}

/** RFC 7692: what a compressed frame's payload inflated to, and how many bytes the compression saved. */
function InflatedPayload({ f }: { f: InspectFrame }) {
  const { t } = useTranslation('inspector');
  if (f.inflatedHex === undefined || f.inflatedLength === undefined) return <div className="hint">{t('frames.notInflated')}</div>;
  const shown = hexByteCount(f.inflatedHex);
  return (
    <>
      <div className="hex-label">{t('frames.inflated', { count: f.inflatedLength })}</div>
      <HexDump hex={f.inflatedHex} testId="ws-frame-inflated" />
      {shown < f.inflatedLength && <div className="hint">{t('frames.inflatedTruncated', { shown, total: f.inflatedLength })}</div>}
      {f.inflatedLength > 0 && (
        <div className="hint" data-testid="ws-frame-ratio">
          {t('frames.ratio', { wire: f.payloadLength, plain: f.inflatedLength, percent: Math.round((100 * f.payloadLength) / f.inflatedLength) })}
        </div>
      )}
    </>
  );
}

const WINDOW_MS = 40_000;

const subscribeNone = (): (() => void) => () => {};

/** The process serving the hand-rolled lane's socket: its welcome named it on the socket's records. */
function useWsRawNode(wb: Workbench): string | null {
  const lane = useStore(wb.lanes).find((l) => l.transport === 'ws-raw');
  return useSyncExternalStore(lane ? lane.store.subscribe : subscribeNone, () => (lane ? lastNode(lane.store.getView().records) : null));
}

function lastNode(records: readonly WireRecord[]): string | null {
  for (let i = records.length - 1; i >= 0; i--) if (records[i]!.node !== undefined) return records[i]!.node!;
  return null;
}

/**
 * Tags for the processes this page has been served by, once there are several (one process
 * needs no tag: the timeline stays as it was); null until then.
 */
function useNodeTags(wb: Workbench): Record<string, string> | null {
  const key = useSyncExternalStore(wb.served.subscribe, () => Object.keys(wb.served.getView()).sort().join('\n'));
  const ids = key === '' ? [] : key.split('\n');
  return ids.length > 1 ? nodeTags(ids) : null;
}

/** A browser-network-panel style timeline of one lane's requests. */
function RequestTimeline({ lane, live }: { lane: Lane; live: boolean }) {
  const { t } = useTranslation('inspector');
  const labels = useTransportLabels();
  const s = useStoreWhile(lane.store, live);
  const records = s.records as readonly TimelineRecord[];
  const growing = records.some((r) => r.endedAt === undefined && (r.kind === 'http' || r.kind === 'sse-open'));
  // Held requests and open streams grow on screen while they last, on the page's one paced clock.
  const now = usePacedNow(growing && live);
  const at = Math.max(now, ...records.map((r) => r.endedAt ?? r.startedAt));
  const rows = timelineRows(records, at, WINDOW_MS);
  const color = LANE_COLORS[lane.transport];
  const tags = useNodeTags(useWorkbench());
  return (
    <div className="timeline" data-testid={`timeline-${lane.transport}`}>
      <h3>
        <span className="swatch" style={{ background: color }} />
        {t('timeline.title', { lane: labels[lane.transport] })} <span className="hint">{t('timeline.legend', { seconds: WINDOW_MS / 1000 })}</span>
      </h3>
      {rows.map((r) => (
        <TimelineRow key={r.id} r={r} at={at} color={color} tag={tags && r.node !== undefined ? (tags[r.node] ?? r.node) : null} />
      ))}
    </div>
  );
}

function TimelineRow({ r, at, color, tag }: { r: TimelineRecord; at: number; color: string; tag: string | null }) {
  const { t } = useTranslation('inspector');
  const bar = barOf(r, at, WINDOW_MS);
  const bytes = r.headerBytesUp + r.payloadBytesUp + r.headerBytesDown + r.payloadBytesDown;
  const outcome =
    bar.state === 'aborted'
      ? t('timeline.aborted')
      : bar.state === 'error'
        ? t('timeline.error')
        : bar.state === 'open'
          ? t('timeline.open')
          : (r.status ?? '…');
  const background = bar.state === 'aborted' || bar.state === 'error' || r.empty ? undefined : color;
  return (
    <div className={`tl-row tl-${bar.state}`} data-testid="timeline-row" data-state={bar.state} data-kind={r.kind}>
      <span className="tl-url mono" title={r.node === undefined ? r.url : `${r.url ?? ''}\n${t('timeline.nodeHint', { node: r.node })}`}>
        {tag !== null && (
          <span className="tl-node" data-testid="timeline-node" data-node={r.node}>
            {tag}
          </span>
        )}
        {r.method} {r.url?.split('?')[0]}
      </span>
      <span className="tl-track">
        <span
          className={`tl-bar ${bar.state}${r.empty ? ' empty' : ''}`}
          style={{ left: `${bar.left}%`, width: `${bar.width}%`, background }}
          data-testid="timeline-bar"
        />
      </span>
      <span data-testid="timeline-outcome">{outcome}</span>
      <span title={bar.state === 'open' || bar.state === 'pending' ? t('timeline.lastingHint') : t('timeline.tookHint')}>
        {t('timeline.seconds', { s: (bar.durationMs / 1000).toFixed(2) })}
      </span>
      <span title={r.estimated ? t('timeline.estimatedHint') : ''}>
        {r.estimated ? '≈' : ''}
        {fmtBytes(bytes)}
      </span>
    </div>
  );
}
