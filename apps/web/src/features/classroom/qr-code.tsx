import QRCode from 'qrcode';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A QR code of `text`, drawn by the qrcode library as SVG and shown as a data: image (the page's
 * policy allows img-src data:; no markup is injected). Level M survives a glare on the projector.
 */
export function QrCode({ text, testId }: { text: string; testId: string }) {
  const { t } = useTranslation('classroom');
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let current = true;
    QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 4, color: { dark: '#000000', light: '#ffffff' } }).then(
      (svg) => {
        if (!current) return;
        setSrc(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
        setFailed(false);
      },
      () => {
        if (current) setFailed(true);
      },
    );
    return () => {
      current = false;
    };
  }, [text]);
  if (failed) return <p className="error-line">{t('qr.failed')}</p>;
  return src ? (
    <img className="qr" src={src} alt={t('qr.alt', { url: text })} data-testid={testId} data-text={text} />
  ) : (
    <div className="qr" aria-hidden="true" />
  );
}
