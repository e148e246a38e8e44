// The join URL students can reach (network.ts): fake machines described as
// os.networkInterfaces() would describe them, and this machine as it is.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isWildcard, joinUrls, labelOf, startupLines, teacherUrl, type Interfaces } from '../src/network.ts';

const PORT = 3000;

function v4(address: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:00:01', internal, cidr: `${address}/24` };
}
function v6(address: string, internal = false): NetworkInterfaceInfo {
  return { address, netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:00:01', internal, cidr: `${address}/64`, scopeid: 0 };
}
const lo = { lo: [v4('127.0.0.1', true), v6('::1', true)] };

/** A laptop on the school Wi-Fi, with a VPN up and Docker installed. */
const laptop: Interfaces = {
  ...lo,
  docker0: [v4('172.17.0.1')],
  tun0: [v4('10.8.0.6')],
  wlp2s0: [v4('192.168.1.23'), v6('fe80::1c2b:3cff:fe4d:5e6f')],
};

const summary = (urls: ReturnType<typeof joinUrls>) => urls.map((u) => [u.url, u.label, u.primary, u.reachable]);

describe('labels, by interface name', () => {
  it.each([
    ['wlan0', 'Wi-Fi'],
    ['wlp3s0', 'Wi-Fi'],
    ['Wi-Fi', 'Wi-Fi'],
    ['eth0', 'Ethernet'],
    ['enp0s31f6', 'Ethernet'],
    ['en0', 'Ethernet'],
    ['Ethernet 2', 'Ethernet'],
    ['tun0', 'VPN'],
    ['tap1', 'VPN'],
    ['wg0', 'VPN'],
    ['utun3', 'VPN'],
    ['ppp0', 'VPN'],
    ['tailscale0', 'VPN'],
    ['zt5u4y6ejv', 'VPN'],
    ['docker0', 'container bridge'],
    ['br-3f2a9c1d7e55', 'container bridge'],
    ['virbr0', 'container bridge'],
    ['veth12ab34c', 'container bridge'],
    ['cni0', 'container bridge'],
    ['flannel.1', 'container bridge'],
    ['lxcbr0', 'container bridge'],
    ['vboxnet0', 'container bridge'],
    ['vmnet8', 'container bridge'],
    ['vEthernet (WSL)', 'container bridge'],
    ['bridge100', 'container bridge'],
    ['lo', 'this machine only'],
    ['lo0', 'this machine only'],
    ['Loopback Pseudo-Interface 1', 'this machine only'],
    ['bond0', 'other network'],
  ])('%s is %s', (name, label) => {
    expect(labelOf(name)).toBe(label);
  });

  it('an internal or 127.x address is this machine only, whatever its interface is called', () => {
    expect(labelOf('eth0', { internal: true, address: '10.0.0.1' })).toBe('this machine only');
    expect(labelOf('dummy0', { internal: false, address: '127.0.0.2' })).toBe('this machine only');
  });
});

describe('joinUrls, bound to every interface', () => {
  it('Wi-Fi + VPN + Docker bridge: Wi-Fi first, then the VPN, the bridge, and loopback (unreachable) last', () => {
    expect(summary(joinUrls({ host: '0.0.0.0', port: PORT }, laptop))).toEqual([
      ['http://192.168.1.23:3000', 'Wi-Fi', true, true],
      ['http://10.8.0.6:3000', 'VPN', false, true],
      ['http://172.17.0.1:3000', 'container bridge', false, true],
      ['http://127.0.0.1:3000', 'this machine only', false, false],
    ]);
  });

  it('a private address before a public one on the same kind of network', () => {
    const machine: Interfaces = { ...lo, eth0: [v4('203.0.113.9')], wlan0: [v4('10.20.30.40')] };
    expect(summary(joinUrls({ host: '0.0.0.0', port: PORT }, machine)).slice(0, 2)).toEqual([
      ['http://10.20.30.40:3000', 'Wi-Fi', true, true],
      ['http://203.0.113.9:3000', 'Ethernet', false, true],
    ]);
  });

  it('an unknown interface before a VPN; 172.16/12 counts as private, 172.32 does not', () => {
    const machine: Interfaces = { wg0: [v4('10.0.0.2')], bond0: [v4('172.32.0.5')], eth1: [v4('172.31.255.1')], eth0: [v4('8.8.4.4')] };
    expect(summary(joinUrls({ host: '0.0.0.0', port: PORT }, machine)).map(([url, label]) => `${label} ${url}`)).toEqual([
      'Ethernet http://172.31.255.1:3000',
      'Ethernet http://8.8.4.4:3000',
      'other network http://172.32.0.5:3000',
      'VPN http://10.0.0.2:3000',
      'this machine only http://127.0.0.1:3000',
    ]);
  });

  it('only a container bridge: it is the primary URL, and the lines say phones may not reach it', () => {
    const machine: Interfaces = { ...lo, docker0: [v4('172.17.0.1')] };
    const urls = joinUrls({ host: '0.0.0.0', port: PORT }, machine);
    expect(summary(urls)).toEqual([
      ['http://172.17.0.1:3000', 'container bridge', true, true],
      ['http://127.0.0.1:3000', 'this machine only', false, false],
    ]);
    expect(startupLines(urls, { loopbackOnly: false, teacherKey: 'k'.repeat(16) })).toEqual([
      'Wirebench listening on http://172.17.0.1:3000',
      'Students: http://172.17.0.1:3000  (container bridge)',
      `Teacher:  http://172.17.0.1:3000/#teacher=${'k'.repeat(16)}  (keep this link to yourself)`,
      "No Wi-Fi or Ethernet address found: students' phones may not reach a container bridge address.",
    ]);
  });

  it('only loopback: one URL, unreachable, and the lines say so (HOST=0.0.0.0 would not help)', () => {
    const urls = joinUrls({ host: '0.0.0.0', port: PORT }, lo);
    expect(summary(urls)).toEqual([['http://127.0.0.1:3000', 'this machine only', true, false]]);
    const lines = startupLines(urls, { loopbackOnly: false });
    expect(lines[0]).toBe('Wirebench listening on http://127.0.0.1:3000');
    expect(lines.at(-1)).toMatch(/^Students cannot reach this computer: it has no network address besides this one/);
    expect(lines.join('\n')).not.toContain('HOST=0.0.0.0');
  });

  it('the other reachable addresses are listed, labelled; loopback is not', () => {
    const urls = joinUrls({ host: '0.0.0.0', port: PORT }, laptop);
    expect(startupLines(urls, { loopbackOnly: false, teacherKey: 'abcdefghijklmnop' })).toEqual([
      'Wirebench listening on http://192.168.1.23:3000',
      'Students: http://192.168.1.23:3000  (Wi-Fi)',
      'Teacher:  http://192.168.1.23:3000/#teacher=abcdefghijklmnop  (keep this link to yourself)',
      'Also:     http://10.8.0.6:3000  (VPN)',
      'Also:     http://172.17.0.1:3000  (container bridge)',
    ]);
  });

  it('bound to :: also offers IPv6 addresses (after IPv4, never link-local), in brackets', () => {
    const machine: Interfaces = { ...lo, eth0: [v6('fe80::1'), v6('2001:db8::5'), v4('192.168.0.9')] };
    expect(joinUrls({ host: '::', port: PORT }, machine).map((u) => u.url)).toEqual([
      'http://192.168.0.9:3000',
      'http://[2001:db8::5]:3000',
      'http://127.0.0.1:3000',
    ]);
    expect(joinUrls({ host: '0.0.0.0', port: PORT }, machine).map((u) => u.url)).toEqual(['http://192.168.0.9:3000', 'http://127.0.0.1:3000']);
  });

  it('the wildcard addresses', () => {
    for (const host of ['0.0.0.0', '::', '::0', '0:0:0:0:0:0:0:0']) expect(isWildcard(host)).toBe(true);
    for (const host of ['127.0.0.1', '::1', '192.168.1.2', 'localhost']) expect(isWildcard(host)).toBe(false);
  });
});

describe('joinUrls, bound to one address', () => {
  it('a Wi-Fi address: that URL alone, labelled by its interface', () => {
    expect(summary(joinUrls({ host: '192.168.1.23', port: PORT }, laptop))).toEqual([['http://192.168.1.23:3000', 'Wi-Fi', true, true]]);
  });

  it('loopback (the default): unreachable, and the lines give the command that fixes it', () => {
    for (const host of ['127.0.0.1', '::1']) {
      const urls = joinUrls({ host, port: PORT }, laptop);
      expect(summary(urls)).toEqual([[host === '::1' ? 'http://[::1]:3000' : 'http://127.0.0.1:3000', 'this machine only', true, false]]);
    }
    const urls = joinUrls({ host: '127.0.0.1', port: 41234 }, laptop);
    expect(startupLines(urls, { loopbackOnly: true, teacherKey: 'T3acher-Key_0123456789' })).toEqual([
      'Wirebench listening on http://127.0.0.1:41234',
      'Students: http://127.0.0.1:41234',
      'Teacher:  http://127.0.0.1:41234/#teacher=T3acher-Key_0123456789  (keep this link to yourself)',
      'Students cannot reach this address: it only works on this computer. To let them in, stop with Ctrl+C and run: HOST=0.0.0.0 pnpm start',
    ]);
  });

  it('an address of no known interface: shown as it is', () => {
    expect(summary(joinUrls({ host: '198.51.100.7', port: PORT }, lo))).toEqual([['http://198.51.100.7:3000', 'other network', true, true]]);
  });
});

describe('the teacher URL', () => {
  it('carries the key in the fragment, escaped', () => {
    expect(teacherUrl('http://10.0.0.1:3000', 'a/b#c&d=e+f%g!1234')).toBe('http://10.0.0.1:3000/#teacher=a%2Fb%23c%26d%3De%2Bf%25g!1234');
  });
});

describe('this machine', () => {
  it('bound to 0.0.0.0: a LAN address first when it has one, else 127.0.0.1 marked unreachable', () => {
    const interfaces = networkInterfaces();
    const urls = joinUrls({ host: '0.0.0.0', port: PORT }, interfaces);
    const external = Object.values(interfaces)
      .flatMap((list) => list ?? [])
      .filter((i) => i.family === 'IPv4' && !i.internal);
    expect(urls.filter((u) => u.primary)).toHaveLength(1);
    expect(urls.at(-1)!.label).toBe('this machine only');
    if (external.length > 0) {
      expect(urls[0]!.url).not.toContain('127.0.0.1');
      expect(urls[0]!.reachable).toBe(true);
      expect(urls).toHaveLength(external.length + 1);
    } else {
      expect(summary(urls)).toEqual([['http://127.0.0.1:3000', 'this machine only', true, false]]);
    }
  });
});
