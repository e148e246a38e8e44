import type { TransportId } from '@wirebench/transports/contract';
import { useTranslation } from 'react-i18next';

/**
 * Each transport's name on screen, in the page's language (English: the contract's TRANSPORTS
 * labels). Every key is written out, so the i18n tooling sees each one.
 */
export function useTransportLabels(): Record<TransportId, string> {
  const { t } = useTranslation('common');
  return {
    'ws-raw': t('transport.ws-raw'),
    'ws-lib': t('transport.ws-lib'),
    'short-poll': t('transport.short-poll'),
    'long-poll': t('transport.long-poll'),
    sse: t('transport.sse'),
  };
}
