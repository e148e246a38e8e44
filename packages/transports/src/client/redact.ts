// CONTRACT v2 "identity": a clientSecret is seen by its owner only. The client sends it
// where the contract asks (a send's body, a WebSocket URL that keeps the identity) and
// shows it nowhere: WireRecords (the dashboard's timelines) carry URLs with it redacted
// and no bodies, and error messages have it replaced.

export const REDACTED = '[redacted]';
const SECRET_PARAM = 'clientSecret';

/** Path and query of `url` as a WireRecord shows them: every clientSecret value replaced. */
export function redactUrl(url: URL): string {
  if (url.search === '') return url.pathname;
  // Split where URLSearchParams splits, so the whole value goes, however it is encoded.
  const parts = url.search.slice(1).split('&');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (decodeName(name) === SECRET_PARAM) parts[i] = `${name}=${REDACTED}`;
  }
  return `${url.pathname}?${parts.join('&')}`;
}

/** `text` with `secret` replaced wherever it appears, as is or encoded for a URL. */
export function redactSecret(text: string, secret: string | null): string {
  if (secret === null || secret === '') return text;
  const forms = new Set([secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)]);
  let out = text;
  for (const form of forms) out = out.split(form).join(REDACTED);
  return out;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}
