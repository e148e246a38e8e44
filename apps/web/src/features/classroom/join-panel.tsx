import { useTranslation } from 'react-i18next';
import type { JoinUrl } from '@wirebench/transports/contract';
import { useStore, useWorkbench } from '../../ui/use-store.ts';
import { QrCode } from './qr-code.tsx';

/** The command that lets students in when the server listens on loopback only. */
export const OPEN_TO_CLASS_COMMAND = 'HOST=0.0.0.0 pnpm start';

/** The server's address labels (apps/server network.ts), in the page's language; another label shows as sent. */
function useAddressLabel(): (label: string) => string {
  const { t } = useTranslation('classroom');
  const labels: Record<string, string> = {
    'Wi-Fi': t('join.label.wifi'),
    Ethernet: t('join.label.ethernet'),
    'other network': t('join.label.other'),
    VPN: t('join.label.vpn'),
    'container bridge': t('join.label.bridge'),
    'this machine only': t('join.label.local'),
  };
  return (label) => labels[label] ?? label;
}

export function JoinPanel() {
  const { t } = useTranslation('classroom');
  const addressLabel = useAddressLabel();
  const wb = useWorkbench();
  const info = useStore(wb.stats.store).info;
  const urls: readonly JoinUrl[] = info?.joinUrls ?? [];
  const primary = urls.find((u) => u.primary) ?? urls[0];
  const others = urls.filter((u) => u !== primary);
  return (
    <section className="panel" data-testid="join-urls">
      <h2>{t('join.heading')}</h2>
      {!info || !primary ? (
        <p className="hint">{t('join.asking')}</p>
      ) : (
        <div className="join">
          <div className="join-text">
            <div className="join-url" data-testid="join-url-primary">
              {primary.url}
            </div>
            <div className="join-label" data-testid="join-url-primary-label">
              {addressLabel(primary.label)}
            </div>
            {info.loopbackOnly ? (
              <p className="warning" data-testid="join-loopback-warning">
                {t('join.loopback')} <code>{OPEN_TO_CLASS_COMMAND}</code>
              </p>
            ) : (
              !primary.reachable && (
                <p className="warning" data-testid="join-unreachable-warning">
                  {t('join.unreachable')}
                </p>
              )
            )}
            {others.length > 0 && (
              <ul className="join-others">
                {others.map((u) => (
                  <li key={u.url} data-testid="join-url-other">
                    <span className="mono">{u.url}</span> <span className="hint">{addressLabel(u.label)}</span>
                  </li>
                ))}
              </ul>
            )}
          </div>
          <QrCode text={primary.url} testId="join-qr" />
        </div>
      )}
    </section>
  );
}
