// Issue #15 on a lane card: the WebSocket lanes' compression switch, what the handshake
// agreed to, and what a message then costs on the wire beside the other WebSocket lane.
// A page never sees compressed bytes (the browser inflates before `onmessage`), so the wire
// figures are the server's (GET /api/stats: its socket bytes for the transport).
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TransportId } from '@wirebench/transports/contract';
import type { Lane } from '../../model/lane.ts';
import type { CompressibleLane } from '../../model/workbench.ts';
import { serverBytesPerMessage } from '../../lib/stats-math.ts';
import { fmtBytes } from '../../ui/format.ts';
import { useStore, useWorkbench } from '../../ui/use-store.ts';
import './compress.css';

export const isCompressible = (t: TransportId): t is CompressibleLane => t === 'ws-raw' || t === 'ws-lib';

/** The extension's name as agreed ('permessage-deflate; server_max_window_bits=12; …' → its first token). */
export function agreedExtension(extensions: string): string | null {
  const name = extensions.split(/[;,]/)[0]!.trim();
  return name === '' ? null : name;
}

/** The switch, and once the socket is open what the server agreed to (or that it declined). */
export function CompressSwitch({ lane }: { lane: Lane }) {
  const wb = useWorkbench();
  const { t } = useTranslation('lanes');
  const s = useStore(lane.store);
  // The box follows the click at once; the lane that replaces this one arrives with the store's next beat.
  const [wanted, setWanted] = useState(lane.compressed);
  useEffect(() => setWanted(lane.compressed), [lane]);
  const id = lane.transport;
  if (!isCompressible(id)) return null;
  const agreed = agreedExtension(s.client.extensions);
  return (
    <span className="compress">
      <label title={t('compress.hint')}>
        <input
          type="checkbox"
          checked={wanted}
          onChange={(e) => {
            setWanted(e.target.checked);
            wb.setCompression(id, e.target.checked);
          }}
          data-testid={`lane-${id}-compress`}
        />{' '}
        {t('compress.label')}
      </label>
      {agreed !== null ? (
        <span className="ext-tag mono" title={t('compress.agreedHint', { extensions: s.client.extensions })} data-testid={`lane-${id}-extensions`}>
          {agreed}
        </span>
      ) : (
        lane.compressed && s.client.status === 'open' && <span className="hint">{t('compress.declined')}</span>
      )}
    </span>
  );
}

/**
 * Bytes per message on the wire for this WebSocket lane against the other one, when either
 * compresses and both have delivered: the ratio the class compares.
 */
export function CompressCompare({ lane }: { lane: Lane }) {
  const wb = useWorkbench();
  const { t } = useTranslation('lanes');
  const { t: tc } = useTranslation('common');
  const lanes = useStore(wb.lanes);
  const stats = useStore(wb.stats.store).stats;
  const id = lane.transport;
  if (!isCompressible(id)) return null;
  const otherId: CompressibleLane = id === 'ws-raw' ? 'ws-lib' : 'ws-raw';
  const other = lanes.find((l) => l.transport === otherId);
  if (!other || other.compressed === lane.compressed) return null;
  const mine = serverBytesPerMessage(stats?.transports[id]);
  const theirs = serverBytesPerMessage(stats?.transports[otherId]);
  if (mine === null || theirs === null) return null;
  const percent = Math.round((100 * mine) / theirs);
  return (
    <div className="compress-compare" title={t('compress.wireHint')} data-testid={`lane-${id}-compress-compare`} data-percent={percent}>
      {t('compress.compare', {
        wire: fmtBytes(mine),
        percent,
        other: tc(`transportShort.${otherId}`),
        state: other.compressed ? t('compress.compressed') : t('compress.plain'),
      })}
    </div>
  );
}
