/** The coturn configuration the suite runs (and IT can copy): pure text checks, no root needed. */
import { describe, expect, it } from 'vitest';
import { coturnConfig } from './coturn';

const config = coturnConfig({ ip: '198.18.0.1', secret: 's'.repeat(48), dir: '/scratch' });
const lines = config.split('\n');

describe('coturnConfig', () => {
  it('accepts only ephemeral REST credentials', () => {
    expect(lines).toContain('use-auth-secret');
    expect(lines).toContain(`static-auth-secret=${'s'.repeat(48)}`);
    expect(lines.some((line) => line.startsWith('user='))).toBe(false);
  });

  it('never relays to private, loopback, link-local or CGNAT ranges (and so never tears down an allocation on them)', () => {
    for (const range of [
      '10.0.0.0-10.255.255.255',
      '127.0.0.0-127.255.255.255',
      '169.254.0.0-169.254.255.255',
      '172.16.0.0-172.31.255.255',
      '192.168.0.0-192.168.255.255',
      '100.64.0.0-100.127.255.255',
    ]) {
      expect(lines).toContain(`denied-peer-ip=${range}`);
    }
    expect(lines).toContain('allowed-peer-ip=198.18.0.0-198.19.255.255');
  });

  it('is hardened: no CLI, no multicast peers, fingerprints, a realm and a bounded relay port range', () => {
    expect(lines).toEqual(
      expect.arrayContaining(['no-cli', 'no-multicast-peers', 'fingerprint', 'realm=clinic.test', 'min-port=49152', 'max-port=49252']),
    );
  });

  it('listens and relays only on the given address, and keeps its state in the scratch folder', () => {
    expect(lines).toEqual(
      expect.arrayContaining(['listening-ip=198.18.0.1', 'relay-ip=198.18.0.1', 'listening-port=3478', 'userdb=/scratch/turndb']),
    );
  });
});
