// CONTRACT "allowed browser origins": a request without Origin (a script, a
// test client) is allowed; a browser's Origin must match the Host it asked,
// or be listed in ALLOWED_ORIGINS ('*' for any).

export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  if (host === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  const originHost = url.port === '' ? `${url.hostname}:${defaultPort}` : url.host;
  const hostWithPort = host.includes(':') && !host.endsWith(']') ? host : `${host}:${defaultPort}`;
  return originHost.toLowerCase() === hostWithPort.toLowerCase();
}
