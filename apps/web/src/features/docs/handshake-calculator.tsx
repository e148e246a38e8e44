import { useEffect, useState } from 'react';
import { RFC_GUID, computeAcceptSteps, isValidKey, type AcceptSteps } from './handshake-math.ts';

const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/** Type a Sec-WebSocket-Key, see each step to the Sec-WebSocket-Accept value. */
export function HandshakeCalculator() {
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
    <section className="widget" data-testid="handshake-calculator" aria-label="Handshake calculator">
      <h4>Handshake calculator</h4>
      <label>
        Sec-WebSocket-Key{' '}
        <input value={key} onChange={(e) => setKey(e.target.value)} size={30} spellCheck={false} data-testid="hs-key" />
      </label>{' '}
      <button onClick={() => setKey(RFC_KEY)}>RFC §1.3 key</button> <button onClick={() => setKey(randomKey())}>random key</button>
      {!isValidKey(key) && <p className="hint">Not base64 of 16 bytes: the server would refuse this key with 400 (WS_ERR_HANDSHAKE_KEY).</p>}
      {steps && steps.key === key && (
        <dl className="steps">
          <dt>1. key + GUID</dt>
          <dd>
            <code>{key}</code>
            <code className="guid">{RFC_GUID}</code>
          </dd>
          <dt>2. SHA-1 ({steps.via})</dt>
          <dd>
            <code data-testid="hs-sha1">{steps.sha1Hex}</code>
          </dd>
          <dt>3. base64 of the 20 bytes = Sec-WebSocket-Accept</dt>
          <dd>
            <code data-testid="hs-accept">{steps.accept}</code>
          </dd>
        </dl>
      )}
    </section>
  );
}
