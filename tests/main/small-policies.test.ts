import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultRelayUrl, FALLBACK_RELAY_URL } from '../../main/default-relay';
import { protocolClientRegistration } from '../../main/protocol-client';
import { locateElectronBinary } from '../../scripts/electron-binary';

describe('defaultRelayUrl', () => {
  it('prefers the relay this computer hosts', () => {
    expect(defaultRelayUrl('ws://127.0.0.1:9000/ws', { CLINIC_RELAY_URL: 'wss://it.example:443/ws' })).toBe('ws://127.0.0.1:9000/ws');
  });
  it('uses a valid CLINIC_RELAY_URL, else the local standalone relay', () => {
    expect(defaultRelayUrl(null, { CLINIC_RELAY_URL: 'wss://relay.clinic.example:8443/ws' })).toBe('wss://relay.clinic.example:8443/ws');
    expect(defaultRelayUrl(null, { CLINIC_RELAY_URL: 'http://not-ws.example/' })).toBe(FALLBACK_RELAY_URL);
    expect(defaultRelayUrl(null, {})).toBe('ws://127.0.0.1:8787/ws');
  });
});

describe('protocolClientRegistration', () => {
  it('registers the packaged app as itself', () => {
    expect(protocolClientRegistration(false, '/opt/Clinic Consult/clinic-consult', ['/opt/Clinic Consult/clinic-consult'])).toEqual({});
  });
  it('tells the OS which app folder Electron must open during development', () => {
    expect(
      protocolClientRegistration(true, '/repo/node_modules/electron/dist/electron', ['/repo/node_modules/electron/dist/electron', '.']),
    ).toEqual({
      executable: '/repo/node_modules/electron/dist/electron',
      args: [resolve('.')],
    });
  });
});

describe('locateElectronBinary', () => {
  const packageDir = join('/repo', 'node_modules', 'electron');
  it('reports a binary that was never downloaded, without downloading it', () => {
    const result = locateElectronBinary({ packageDir, env: {}, platform: 'linux', exists: () => false, readText: () => null });
    expect(result).toEqual({
      found: false,
      reason: 'the Electron binary was never downloaded (node_modules/electron/path.txt is missing)',
    });
  });
  it('finds the downloaded binary named in path.txt', () => {
    const expected = join(packageDir, 'dist', 'electron');
    const result = locateElectronBinary({
      packageDir,
      env: {},
      platform: 'linux',
      exists: (p) => p === expected,
      readText: () => 'electron\n',
    });
    expect(result).toEqual({ found: true, path: expected });
  });
  it('honours ELECTRON_OVERRIDE_DIST_PATH and says when it is wrong', () => {
    const result = locateElectronBinary({
      packageDir,
      env: { ELECTRON_OVERRIDE_DIST_PATH: '/opt/e45' },
      platform: 'win32',
      exists: () => false,
      readText: () => null,
    });
    expect(result).toEqual({
      found: false,
      reason: `ELECTRON_OVERRIDE_DIST_PATH is set, but ${join('/opt/e45', 'electron.exe')} does not exist`,
    });
  });
});
