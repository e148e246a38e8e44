import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RFC_GUID, computeAcceptSteps, isValidKey, type AcceptSteps } from './handshake-math.ts';

const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/** Type a Sec-WebSocket-Key, see each step to the Sec-WebSocket-Accept value. */
export function HandshakeCalculator() {
  const { t } = useTranslation('docs');
  const [key, setKey] = useState(RFC_KEY);
  const [steps, setSteps] = useState<AcceptSteps | null>(null);
  useEffect(() => {
    let live = true;
    void computeAcceptSteps(key).then((s) => live && setSteps(s));
    return () => {
      live = false;
    };
  }, [key]);

  return (
    <section className="widget" data-testid="handshake-calculator" aria-label={t('handshake.title')}>
      <h4>{t('handshake.title')}</h4>
      <label className="widget-field">
        Sec-WebSocket-Key{' '}
        <input value={key} onChange={(e) => setKey(e.target.value)} size={30} spellCheck={false} data-testid="hs-key" />
      </label>{' '}
      <button onClick={() => setKey(RFC_KEY)}>{t('handshake.rfcKey')}</button> <button onClick={() => setKey(randomKey())}>{t('handshake.randomKey')}</button>
      {!isValidKey(key) && <p className="hint">{t('handshake.invalidKey')}</p>}
      {steps && steps.key === key && (
        <dl className="steps">
          <dt>{t('handshake.step1')}</dt>
          <dd>
            <code>{key}</code>
            <code className="guid">{RFC_GUID}</code>
          </dd>
          <dt>{steps.via === 'fallback' ? t('handshake.step2Fallback') : t('handshake.step2Subtle')}</dt>
          <dd>
            <code data-testid="hs-sha1">{steps.sha1Hex}</code>
          </dd>
          <dt>{t('handshake.step3')}</dt>
          <dd>
            <code data-testid="hs-accept">{steps.accept}</code>
          </dd>
        </dl>
      )}
    </section>
  );
}
