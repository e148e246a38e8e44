// Which URL the class should open. A teacher's laptop often has several
// addresses (Wi-Fi, a VPN, a Docker bridge, loopback); only some of them are
// on the network the students' phones use. Pure functions of the interface
// map (os.networkInterfaces()), so tests can describe any machine.
import type { NetworkInterfaceInfo } from 'node:os';
import type { JoinUrl } from '@wirebench/transports/contract';

export type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** Every label a JoinUrl can carry. */
export const LABELS = ['Wi-Fi', 'Ethernet', 'other network', 'VPN', 'container bridge', 'this machine only'] as const;
export type Label = (typeof LABELS)[number];

// Interface names, checked in this order (Linux, macOS, and Windows' friendly
// names). A name matching none is 'other network'. Virtual machine bridges
// (virbr, vboxnet, vmnet, vEthernet) share the 'container bridge' label: no
// phone in the room is on either. macOS calls its Wi-Fi en0 on most laptops:
// it is labelled Ethernet, and ranks the same.
const NAME_PATTERNS: Array<[RegExp, Label]> = [
  [/^lo\d*$|loopback/i, 'this machine only'],
  [/^(tun|tap|wg|utun|ppp|ipsec|tailscale|zt|nordlynx)|vpn/i, 'VPN'],
  [/^(docker|br-|bridge\d|virbr|veth|cni|flannel|lxc|lxd|podman|cali|vboxnet|vmnet)/i, 'container bridge'],
  [/^(wl|wi-?fi|wireless)/i, 'Wi-Fi'],
  [/^(en|eth)/i, 'Ethernet'],
];

/** Rank of each label: lower is shown first. Wi-Fi and Ethernet tie; the OS order decides. */
const RANK: Record<Label, number> = {
  'Wi-Fi': 0,
  Ethernet: 0,
  'other network': 1,
  VPN: 2,
  'container bridge': 3,
  'this machine only': 4,
};

export function labelOf(interfaceName: string, info?: Pick<NetworkInterfaceInfo, 'internal' | 'address'>): Label {
  if (info && (info.internal || isLoopback(info.address))) return 'this machine only';
  for (const [pattern, label] of NAME_PATTERNS) if (pattern.test(interfaceName)) return label;
  return 'other network';
}

export function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || /^::ffff:127\./i.test(host) || host === 'localhost';
}

/** The addresses that accept on every interface. */
export function isWildcard(host: string): boolean {
  return host === '' || host === '0.0.0.0' || /^[0:]+$/.test(host);
}

/** RFC 1918's private ranges: 10/8, 172.16/12, 192.168/16. */
export function isPrivateIPv4(address: string): boolean {
  const [a, b] = address.split('.').map(Number);
  return a === 10 || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168);
}

export function httpUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

interface Candidate {
  address: string;
  label: Label;
  /** 0: a private IPv4 address, 1: another IPv4 address, 2: IPv6. */
  addressRank: number;
}

/**
 * The URLs students can open, the best first, exactly one of them `primary`.
 * Bound to one address: that address alone. Bound to every interface: one URL
 * per address of the machine (IPv4; IPv6 too when bound to `::`), Wi-Fi and
 * Ethernet first (private ranges before others), then unknown interfaces,
 * VPNs, container and VM bridges, and loopback last, never `reachable`.
 */
export function joinUrls(bound: { host: string; port: number }, interfaces: Interfaces): JoinUrl[] {
  const { host, port } = bound;
  if (!isWildcard(host)) {
    const owner = Object.entries(interfaces).find(([, list]) => list?.some((i) => i.address === host));
    const label = isLoopback(host) ? 'this machine only' : owner ? labelOf(owner[0]) : 'other network';
    return [{ url: httpUrl(host, port), label, primary: true, reachable: label !== 'this machine only' }];
  }

  const withIPv6 = host !== '0.0.0.0' && host !== '';
  const seen = new Set<string>();
  const candidates: Candidate[] = [];
  for (const [name, list] of Object.entries(interfaces)) {
    for (const info of list ?? []) {
      const v4 = info.family === 'IPv4';
      // A link-local IPv6 address needs a zone id (%eth0) that browsers do not take.
      if (!v4 && (!withIPv6 || /^fe[89ab]/i.test(info.address))) continue;
      if (seen.has(info.address)) continue;
      seen.add(info.address);
      const addressRank = v4 ? (isPrivateIPv4(info.address) ? 0 : 1) : 2;
      candidates.push({ address: info.address, label: labelOf(name, info), addressRank });
    }
  }
  // One loopback URL is enough, and a wildcard bind always accepts 127.0.0.1.
  const loopbacks = candidates.filter((c) => c.label === 'this machine only');
  const others = candidates.filter((c) => c.label !== 'this machine only');
  others.sort((a, b) => RANK[a.label] - RANK[b.label] || a.addressRank - b.addressRank);
  const loopback = loopbacks.sort((a, b) => a.addressRank - b.addressRank)[0];
  others.push(loopback ?? { address: '127.0.0.1', label: 'this machine only', addressRank: 0 });

  return others.map((c, i) => ({
    url: httpUrl(c.address, port),
    label: c.label,
    primary: i === 0,
    reachable: c.label !== 'this machine only',
  }));
}

/** The teacher's link: the student URL with the key in the fragment, which browsers never send. */
export function teacherUrl(studentUrl: string, teacherKey: string): string {
  return `${studentUrl}/#teacher=${encodeURIComponent(teacherKey)}`;
}

/**
 * What `pnpm start` prints once listening: the student URL, the teacher URL,
 * and what to do when students cannot reach either.
 */
export function startupLines(urls: JoinUrl[], options: { loopbackOnly: boolean; teacherKey?: string | undefined }): string[] {
  const primary = urls.find((u) => u.primary) ?? urls[0];
  if (!primary) return [];
  const labelled = (u: JoinUrl) => (u.reachable ? `${u.url}  (${u.label})` : u.url);
  const lines = [`Wirebench listening on ${primary.url}`, `Students: ${labelled(primary)}`];
  if (options.teacherKey) lines.push(`Teacher:  ${teacherUrl(primary.url, options.teacherKey)}  (keep this link to yourself)`);
  if (options.loopbackOnly) {
    lines.push(
      `Students cannot reach this address: it only works on this computer. To let them in, stop with Ctrl+C and run: HOST=0.0.0.0 pnpm start`,
    );
  } else if (!primary.reachable) {
    lines.push(
      'Students cannot reach this computer: it has no network address besides this one. Connect it to the classroom Wi-Fi or Ethernet, then start again.',
    );
  } else if (RANK[primary.label as Label] >= RANK.VPN) {
    lines.push(`No Wi-Fi or Ethernet address found: students' phones may not reach a ${primary.label} address.`);
  }
  for (const u of urls) if (u !== primary && u.reachable) lines.push(`Also:     ${labelled(u)}`);
  return lines;
}
