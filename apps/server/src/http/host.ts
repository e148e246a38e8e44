// The Host check against DNS rebinding: a page on evil.example whose name
// resolves to 127.0.0.1 reaches this server with Host (and Origin) equal to
// evil.example, so the origin rule alone lets it in. A name this server does
// not answer to is refused; an IP literal cannot be rebound.
import { isIPv4, isIPv6 } from 'node:net';
import { hostname } from 'node:os';

/** The names this machine answers to without configuration: localhost, *.localhost, its own name and name.local. */
function ownNames(): Set<string> {
  const own = hostname().toLowerCase();
  return new Set(['localhost', own, `${own}.local`]);
}

// RFC 9110 7.2 "Host = uri-host [ ":" port ]"; uri-host is a bracketed IPv6 literal or a name / IPv4 address.
const HOST = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::\d{0,5})?$/i;

export interface HostPolicy {
  /** Is a request carrying this Host header for this server? Undefined (no Host) is left to the caller. */
  allowed(host: string): boolean;
}

/** `extra`: names from ALLOWED_HOSTS (with or without a port), '*' for any. */
export function hostPolicy(extra: readonly string[]): HostPolicy {
  const any = extra.includes('*');
  const listed = new Set(extra.map((name) => name.toLowerCase()));
  const own = ownNames();
  return {
    allowed(host) {
      if (any) return true;
      const match = HOST.exec(host.trim());
      if (match === null) return false;
      if (match[1] !== undefined) return isIPv6(match[1]);
      // A fully qualified name may end with a dot ("localhost.").
      const name = match[2]!.toLowerCase().replace(/\.$/, '');
      if (isIPv4(name) || own.has(name) || name.endsWith('.localhost')) return true;
      return listed.has(name) || listed.has(host.trim().toLowerCase());
    },
  };
}
