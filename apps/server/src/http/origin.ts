// CONTRACT "allowed browser origins": a request without Origin (a script, a
// test client) is allowed; a browser's Origin must match the Host it asked
// (the one rule, sameOriginOnly, that the handshake applies too), or be listed
// in ALLOWED_ORIGINS ('*' for any).
import { sameOriginOnly } from '@wirebench/transports/ws';

export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  return sameOriginOnly(origin, host);
}
