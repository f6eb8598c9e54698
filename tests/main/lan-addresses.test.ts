import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lanAddresses, lanRelayUrls } from '../../main/lan-addresses';

const v4 = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal,
  cidr: `${address}/24`,
});
const v6 = (address: string): NetworkInterfaceInfo => ({
  address,
  netmask: 'ffff:ffff:ffff:ffff::',
  family: 'IPv6',
  mac: '00:00:00:00:00:00',
  internal: false,
  cidr: `${address}/64`,
  scopeid: 0,
});

describe('lanAddresses', () => {
  it('lists non-loopback IPv4 addresses, private ranges first, without duplicates', () => {
    const interfaces = {
      lo: [v4('127.0.0.1', true), { ...v6('::1'), internal: true }],
      eth0: [v4('203.0.113.7'), v6('fd00::5'), v6('fe80::1')],
      wlan0: [v4('192.168.1.20'), v4('169.254.10.1')],
      docker0: [v4('172.17.0.1')],
      vpn: [v4('10.8.0.2'), v4('192.168.1.20')],
      down: undefined,
    };
    expect(lanAddresses(interfaces)).toEqual(['10.8.0.2', '172.17.0.1', '192.168.1.20', '203.0.113.7']);
  });
  it('is empty on a machine with only loopback', () => {
    expect(lanAddresses({ lo: [v4('127.0.0.1', true)] })).toEqual([]);
  });
  it('does not treat 172.32/16 as private', () => {
    expect(lanAddresses({ a: [v4('172.32.0.1'), v4('172.31.255.1')] })).toEqual(['172.31.255.1', '172.32.0.1']);
  });
});

describe('lanRelayUrls', () => {
  it('gives the WebSocket endpoint patients connect to', () => {
    expect(lanRelayUrls({ eth0: [v4('192.168.1.20')] }, 8787)).toEqual(['ws://192.168.1.20:8787/ws']);
  });
});
