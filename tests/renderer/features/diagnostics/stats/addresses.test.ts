import { describe, expect, it } from 'vitest';
import { ipv4Kind, ipv6Kind, maskAddresses } from '../../../../../renderer/features/diagnostics/stats/addresses';

describe('maskAddresses', () => {
  it('replaces IPv4 and IPv6 addresses in every string by their kind, and leaves the rest', () => {
    const candidate = 'candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0';
    const srflx = 'candidate:2 1 udp 1686052607 203.0.113.7 61000 typ srflx raddr 192.168.1.20 rport 54321';
    const v6 = 'candidate:3 1 udp 2122262783 2001:db8:85a3::8a2e:370:7334 40000 typ host';
    expect(
      maskAddresses({ list: [candidate, srflx, v6], note: 'at 12:30:45, port 3478, version 1.2.3', n: 10, local: 'fd12:3456::1%eth0' }),
    ).toEqual({
      list: [
        'candidate:1 1 udp 2122260223 [private IPv4] 54321 typ host generation 0',
        'candidate:2 1 udp 1686052607 [public IPv4] 61000 typ srflx raddr [private IPv4] rport 54321',
        'candidate:3 1 udp 2122262783 [public IPv6] 40000 typ host',
      ],
      note: 'at 12:30:45, port 3478, version 1.2.3',
      n: 10,
      local: '[private IPv6]',
    });
  });

  it('keeps mDNS host names (already anonymous) as they are', () => {
    expect(maskAddresses('0f3c9a0e-1b2c-4d5e-8f90-123456789abc.local')).toBe('0f3c9a0e-1b2c-4d5e-8f90-123456789abc.local');
  });

  it.each([
    ['10.1.2.3', 'private IPv4'],
    ['172.20.0.1', 'private IPv4'],
    ['172.32.0.1', 'public IPv4'],
    ['100.64.0.9', 'shared (carrier NAT) IPv4'],
    ['169.254.10.1', 'link-local IPv4'],
    ['127.0.0.1', 'loopback IPv4'],
    ['8.8.8.8', 'public IPv4'],
  ])('classifies %s as %s', (address, kind) => {
    expect(ipv4Kind(address)).toBe(kind);
  });

  it.each([
    ['::1', 'loopback IPv6'],
    ['fe80::1', 'link-local IPv6'],
    ['fd00::5', 'private IPv6'],
    ['::ffff:192.168.0.4', 'private IPv4'],
    ['2a00:1450::200e', 'public IPv6'],
  ])('classifies %s as %s', (address, kind) => {
    expect(ipv6Kind(address)).toBe(kind);
  });
});
