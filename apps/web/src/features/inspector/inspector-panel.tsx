import { useEffect, useState } from 'react';
import type { InspectFrame } from '@wirebench/transports/contract';
import type { WireRecord } from '@wirebench/transports/client';
import type { Lane } from '../../model/lane.ts';
import { pageNow } from '../../model/clock.ts';
import { fmtBytes, LANE_COLORS } from '../../ui/format.ts';
import { useStore, useWorkbench } from '../../ui/use-store.ts';

export function InspectorPanel() {
  const wb = useWorkbench();
  const lanes = useStore(wb.lanes);
  const http = lanes.filter((l) => l.transport !== 'ws-raw' && l.transport !== 'ws-lib');
  return (
    <section className="panel" data-testid="inspector">
      <h2>On the wire</h2>
      <div className="inspector">
        <WsInspector />
        <div>
          {http.map((l) => (
            <RequestTimeline key={l.transport} lane={l} />
          ))}
        </div>
      </div>
    </section>
  );
}

function WsInspector() {
  const wb = useWorkbench();
  const s = useStore(wb.inspector.store);
  const hs = s.handshake;
  return (
    <div data-testid="ws-inspector">
      <h3>Hand-rolled WebSocket {s.clientId ? <span className="hint mono">client {s.clientId}</span> : null}</h3>
      {!s.clientId && <p className="hint">Add the hand-rolled lane to watch its bytes.</p>}
      {s.error && <p className="hint">{s.error}</p>}
      {hs ? (
        <div className="handshake" data-testid="ws-handshake">
          <strong>Handshake request</strong>
          <pre>
            {`${hs.request.method} ${hs.request.url} HTTP/${hs.request.httpVersion}\n`}
            {hs.request.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}
          </pre>
          <strong>Response</strong>
          <pre>
            {`HTTP/1.1 ${hs.response.status}\n`}
            {hs.response.headers.map(([k, v]) => `${k}: ${v}`).join('\n')}
          </pre>
          <strong>Sec-WebSocket-Accept, step by step (RFC 6455 §4.2.2)</strong>
          <dl className="accept-steps mono" data-testid="ws-accept-steps">
            <dt>1. key from the browser</dt>
            <dd>{hs.accept.key}</dd>
            <dt>2. + the fixed GUID</dt>
            <dd>{hs.accept.guid}</dd>
            <dt>3. concatenated</dt>
            <dd>{hs.accept.concatenated}</dd>
            <dt>4. SHA-1 (hex)</dt>
            <dd>{hs.accept.sha1Hex}</dd>
            <dt>5. base64 → Accept</dt>
            <dd>
              <strong>{hs.accept.accept}</strong>
            </dd>
          </dl>
        </div>
      ) : (
        s.clientId && <p className="hint">Waiting for the handshake…</p>
      )}
      <FrameTable frames={s.frames} />
    </div>
  );
}

function Bit({ on, label }: { on: boolean; label: string }) {
  return <span className={on ? 'on' : ''} title={`${label} = ${on ? 1 : 0}`}>{label}</span>;
}

function FrameTable({ frames }: { frames: readonly InspectFrame[] }) {
  const shown = frames.slice(-60).reverse();
  return (
    <div className="frames">
      <table className="data" data-testid="ws-frames">
        <thead>
          <tr>
            <th>dir</th>
            <th>bits</th>
            <th>opcode</th>
            <th>length</th>
            <th>mask key</th>
            <th>header · wire bytes → unmasked</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((f) => (
            <tr key={`${f.connectionId}-${f.at}-${f.direction}-${f.headerHex}-${f.wireHex}`} data-testid="ws-frame">
              <td className={f.direction === 'in' ? 'dir-in' : 'dir-out'} title={f.direction === 'in' ? 'browser → server' : 'server → browser'}>
                {f.direction === 'in' ? '→ srv' : '← srv'}
              </td>
              <td className="bits">
                <Bit on={f.fin} label="FIN" />
                <Bit on={f.rsv[0]} label="R1" />
                <Bit on={f.rsv[1]} label="R2" />
                <Bit on={f.rsv[2]} label="R3" />
                <Bit on={f.masked} label="MASK" />
              </td>
              <td>
                0x{f.opcode.toString(16)} {f.opcodeName}
              </td>
              <td title={`length form: ${f.lengthForm === 7 ? '7-bit' : f.lengthForm === 16 ? '126 + 16-bit' : '127 + 64-bit'}`}>
                {f.payloadLength} <span className="hint">({f.lengthForm}-bit)</span>
              </td>
              <td className="mono">{f.maskKeyHex ?? '—'}</td>
              <td className="hex mono">
                <div>{f.headerHex}</div>
                <div>{f.wireHex}{f.truncated ? '…' : ''}</div>
                {f.masked && <div>→ {f.payloadHex}{f.truncated ? '…' : ''}</div>}
                {f.text !== undefined && <div className="hint">“{f.text}”</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const WINDOW_MS = 40_000;

/** A browser-network-panel style timeline of one lane's requests. */
function RequestTimeline({ lane }: { lane: Lane }) {
  const s = useStore(lane.store);
  const [now, setNow] = useState(pageNow);
  const pending = s.records.some((r) => r.endedAt === undefined && r.kind !== 'ws-frame-in' && r.kind !== 'ws-frame-out');
  useEffect(() => {
    if (!pending) return;
    // Pending requests grow on screen while they are held.
    const h = setInterval(() => setNow(pageNow()), 200);
    return () => clearInterval(h);
  }, [pending]);
  const at = Math.max(now, ...s.records.map((r) => r.endedAt ?? r.startedAt));
  const from = at - WINDOW_MS;
  const rows = s.records.filter((r) => (r.endedAt ?? at) >= from && (r.kind === 'http' || r.kind === 'sse-open')).slice(-40).reverse();
  const color = LANE_COLORS[lane.transport];
  const pct = (v: number) => `${(Math.max(0, v - from) / WINDOW_MS) * 100}%`;
  return (
    <div className="timeline" data-testid={`timeline-${lane.transport}`}>
      <h3>
        <span className="swatch" style={{ background: color }} />
        {lane.transport} requests <span className="hint">(last {WINDOW_MS / 1000} s; striped = pending)</span>
      </h3>
      {rows.map((r) => (
        <TimelineRow key={r.id} r={r} at={at} from={from} pct={pct} color={color} />
      ))}
    </div>
  );
}

function TimelineRow({ r, at, from, pct, color }: { r: WireRecord; at: number; from: number; pct: (v: number) => string; color: string }) {
  const end = r.endedAt ?? at;
  const left = Math.max(r.startedAt, from);
  const width = `${(Math.max(0, end - left) / WINDOW_MS) * 100}%`;
  const bytes = r.headerBytesUp + r.payloadBytesUp + r.headerBytesDown + r.payloadBytesDown;
  return (
    <div className="tl-row" data-testid="timeline-row">
      <span className="tl-url mono" title={r.url}>
        {r.method} {r.url?.split('?')[0]}
      </span>
      <span className="tl-track">
        <span className={r.endedAt === undefined ? 'tl-bar pending' : 'tl-bar'} style={{ left: pct(left), width, background: r.empty ? '#adb5bd' : color }} />
      </span>
      <span>{r.error ? 'error' : (r.status ?? '…')}</span>
      <span title="held / pending">{((end - r.startedAt) / 1000).toFixed(2)} s</span>
      <span title={r.estimated ? 'headers estimated' : ''}>
        {r.estimated ? '≈' : ''}
        {fmtBytes(bytes)}
      </span>
    </div>
  );
}
