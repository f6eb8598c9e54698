/**
 * The addresses other computers can use to reach a relay bound to 0.0.0.0. Pure: takes the shape of
 * `os.networkInterfaces()` so tests can hand in any machine's interfaces.
 */
import type { NetworkInterfaceInfo } from 'node:os';

export type NetworkInterfaces = Record<string, NetworkInterfaceInfo[] | undefined>;

/**
 * IPv4 only: a relay bound to 0.0.0.0 does not accept IPv6. Loopback and link-local (169.254/16, an
 * interface without DHCP) are left out; private LAN ranges come first, as those are what clinics use.
 */
export function lanAddresses(interfaces: NetworkInterfaces): string[] {
  const found = new Set<string>();
  for (const infos of Object.values(interfaces)) {
    for (const info of infos ?? []) {
      if (info.family !== 'IPv4' || info.internal) continue;
      if (info.address.startsWith('127.') || info.address.startsWith('169.254.')) continue;
      found.add(info.address);
    }
  }
  return [...found].sort((a, b) => rank(a) - rank(b) || compareIPv4(a, b));
}

export function lanRelayUrls(interfaces: NetworkInterfaces, port: number, scheme: 'ws' | 'wss' = 'ws'): string[] {
  return lanAddresses(interfaces).map((address) => `${scheme}://${address}:${port}/ws`);
}

function isPrivateIPv4(address: string): boolean {
  const [a = 0, b = 0] = address.split('.').map(Number);
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
}

function rank(address: string): number {
  return isPrivateIPv4(address) ? 0 : 1;
}

function compareIPv4(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i += 1) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
