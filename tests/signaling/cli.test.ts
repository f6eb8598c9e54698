import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRelayConfig } from '../../signaling/cli';

let dir: string;
let certFile: string;
let keyFile: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'clinic-cli-'));
  certFile = join(dir, 'cert.pem');
  keyFile = join(dir, 'key.pem');
  writeFileSync(certFile, 'CERT');
  writeFileSync(keyFile, 'KEY');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('defaults', () => {
  it('listens on 127.0.0.1:8787 with no static files, TLS, origins list or public URL; data in ./relay-data', () => {
    expect(parseRelayConfig([], {})).toEqual({
      port: 8787,
      host: '127.0.0.1',
      staticDir: null,
      downloadsDir: null,
      tls: null,
      publicUrl: null,
      allowedOrigins: null,
      graceMs: 30_000,
      metrics: false,
      metricsListen: null,
      announce: false,
      logLevel: 'info',
      ice: { stunUrls: [], turnUrls: [], turnSecret: null, turnTtlSeconds: 7_200, relayOnly: false },
      patientsMayShare: true,
      secret: null,
      dataDir: join(process.cwd(), 'relay-data'),
      auditRetentionDays: 400,
      trustedProxies: [],
      maxConnections: 2000,
      admission: { perAddress: 200, identifyWithinMs: 10_000 },
    });
  });
});

describe('flags and environment', () => {
  const env = {
    CLINIC_RELAY_PORT: '9000',
    CLINIC_RELAY_HOST: '0.0.0.0',
    CLINIC_RELAY_STATIC: '/srv/env',
    CLINIC_RELAY_PUBLIC_URL: 'https://env.example',
    CLINIC_RELAY_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
    CLINIC_RELAY_GRACE_SECONDS: '60',
    CLINIC_RELAY_LOG_LEVEL: 'warn',
    CLINIC_RELAY_METRICS: 'yes',
    CLINIC_RELAY_ANNOUNCE: '1',
    CLINIC_RELAY_SCREEN_SHARE_STAFF_ONLY: '1',
  };

  it('reads every setting from the environment', () => {
    expect(parseRelayConfig([], env)).toEqual({
      port: 9000,
      host: '0.0.0.0',
      staticDir: '/srv/env',
      downloadsDir: null,
      tls: null,
      publicUrl: 'https://env.example',
      allowedOrigins: ['https://a.example', 'https://b.example'],
      graceMs: 60_000,
      metrics: true,
      metricsListen: null,
      announce: true,
      logLevel: 'warn',
      ice: { stunUrls: [], turnUrls: [], turnSecret: null, turnTtlSeconds: 7_200, relayOnly: false },
      patientsMayShare: false,
      secret: null,
      dataDir: join(process.cwd(), 'relay-data'),
      auditRetentionDays: 400,
      trustedProxies: [],
      maxConnections: 2000,
      admission: { perAddress: 200, identifyWithinMs: 10_000 },
    });
  });

  it('lets flags win over the environment', () => {
    const config = parseRelayConfig(
      [
        '--port',
        '9100',
        '--host',
        '::1',
        '--static',
        '/srv/flag',
        '--public-url',
        'https://flag.example',
        '--allowed-origins',
        'https://c.example,,',
        '--grace-seconds',
        '5',
        '--log-level',
        'debug',
        '--metrics',
      ],
      env,
    );
    expect(config).toEqual({
      port: 9100,
      host: '::1',
      staticDir: '/srv/flag',
      downloadsDir: null,
      tls: null,
      publicUrl: 'https://flag.example',
      allowedOrigins: ['https://c.example'],
      graceMs: 5_000,
      metrics: true,
      metricsListen: null,
      announce: true,
      logLevel: 'debug',
      ice: { stunUrls: [], turnUrls: [], turnSecret: null, turnTtlSeconds: 7_200, relayOnly: false },
      patientsMayShare: false,
      secret: null,
      dataDir: join(process.cwd(), 'relay-data'),
      auditRetentionDays: 400,
      trustedProxies: [],
      maxConnections: 2000,
      admission: { perAddress: 200, identifyWithinMs: 10_000 },
    });
  });

  it('lets only staff share their screen with --screen-share-staff-only (patients may by default)', () => {
    expect(parseRelayConfig(['--screen-share-staff-only'], {}).patientsMayShare).toBe(false);
    expect(parseRelayConfig([], { CLINIC_RELAY_SCREEN_SHARE_STAFF_ONLY: '0' }).patientsMayShare).toBe(true);
  });

  it('reads the data folder from --data-dir or CLINIC_RELAY_DATA_DIR, as an absolute path, the flag first', () => {
    expect(parseRelayConfig(['--data-dir', '/var/lib/clinic-relay'], {}).dataDir).toBe('/var/lib/clinic-relay');
    expect(parseRelayConfig([], { CLINIC_RELAY_DATA_DIR: '/srv/relay' }).dataDir).toBe('/srv/relay');
    expect(parseRelayConfig(['--data-dir=/flag'], { CLINIC_RELAY_DATA_DIR: '/env' }).dataDir).toBe('/flag');
    expect(parseRelayConfig(['--data-dir', 'data'], {}).dataDir).toBe(join(process.cwd(), 'data'));
    expect(() => parseRelayConfig(['--data-dir='], {})).toThrow('--data-dir needs a folder');
    expect(() => parseRelayConfig([], { CLINIC_RELAY_DATA_DIR: '' })).toThrow('--data-dir needs a folder');
  });

  it('requires --public-url off loopback (invite links must carry a reachable address), and checks it', () => {
    expect(() => parseRelayConfig(['--host', '0.0.0.0'], {})).toThrow('--public-url is required when the relay listens on 0.0.0.0');
    expect(() => parseRelayConfig(['--host', '192.168.1.5'], {})).toThrow('--public-url is required');
    expect(parseRelayConfig(['--host', '127.0.0.2'], {}).publicUrl).toBeNull();
    expect(parseRelayConfig(['--host', '0.0.0.0', '--public-url', 'https://consult.clinic.example'], {}).publicUrl).toBe(
      'https://consult.clinic.example',
    );
    expect(() => parseRelayConfig(['--public-url', 'consult.clinic.example'], {})).toThrow('must be an http(s) origin');
    expect(() => parseRelayConfig(['--public-url', 'https://consult.clinic.example/join?x'], {})).toThrow('must be an http(s) origin');
  });

  it('serves metrics on their own listener when asked, which turns them on', () => {
    expect(parseRelayConfig(['--metrics-listen', '127.0.0.1:9464'], {})).toMatchObject({
      metrics: true,
      metricsListen: { host: '127.0.0.1', port: 9464 },
    });
    expect(parseRelayConfig([], { CLINIC_RELAY_METRICS_LISTEN: '[::1]:9464' }).metricsListen).toEqual({ host: '::1', port: 9464 });
    expect(() => parseRelayConfig(['--metrics-listen', '9464'], {})).toThrow('must be host:port');
  });

  it('accepts --flag=value syntax and port 0 (any free port)', () => {
    expect(parseRelayConfig(['--port=0'], {}).port).toBe(0);
  });

  it('refuses unknown flags', () => {
    expect(() => parseRelayConfig(['--prot', '1'], {})).toThrow(/prot/);
  });
});

describe('invalid values', () => {
  it.each(['70000', '65536', '-1', 'abc', '80.5', '', ' ', '0x50', '1e3'])('refuses port %j with a message naming --port', (port) => {
    expect(() => parseRelayConfig([`--port=${port}`], {})).toThrow(/--port must be a whole number from 0 to 65535/);
  });

  it('refuses an invalid port from the environment too', () => {
    expect(() => parseRelayConfig([], { CLINIC_RELAY_PORT: 'eighty' })).toThrow(/--port .*"eighty"/);
    expect(() => parseRelayConfig([], { CLINIC_RELAY_PORT: '' })).toThrow(/--port/);
  });

  it.each(['0', '3601', 'soon'])('refuses grace seconds %j', (value) => {
    expect(() => parseRelayConfig(['--grace-seconds', value], {})).toThrow(/--grace-seconds must be a whole number from 1 to 3600/);
  });

  it('refuses an unknown log level', () => {
    expect(() => parseRelayConfig(['--log-level', 'loud'], {})).toThrow(/unknown log level "loud"/);
  });
});

describe('TLS', () => {
  it('refuses a certificate without a key, and a key without a certificate', () => {
    expect(() => parseRelayConfig(['--tls-cert', certFile], {})).toThrow('--tls-cert and --tls-key go together');
    expect(() => parseRelayConfig(['--tls-key', keyFile], {})).toThrow('--tls-cert and --tls-key go together');
    expect(() => parseRelayConfig([], { CLINIC_RELAY_TLS_CERT: certFile })).toThrow('--tls-cert and --tls-key go together');
  });

  it('reads both files when both are given (flag and environment may mix)', () => {
    const config = parseRelayConfig(['--tls-cert', certFile], { CLINIC_RELAY_TLS_KEY: keyFile });
    expect(config.tls).not.toBeNull();
    expect(config.tls?.cert.toString()).toBe('CERT');
    expect(config.tls?.key.toString()).toBe('KEY');
  });

  it('fails clearly when a TLS file is missing', () => {
    expect(() => parseRelayConfig(['--tls-cert', join(dir, 'nope.pem'), '--tls-key', keyFile], {})).toThrow(/nope\.pem/);
  });
});

describe('ICE servers', () => {
  const secret = 'clinic-turn-secret-0123';

  it('reads STUN/TURN URLs, the secret from a file, the lifetime and relay-only', () => {
    const secretFile = join(dir, 'turn-secret');
    writeFileSync(secretFile, `${secret}\n`);
    const config = parseRelayConfig(
      [
        '--stun',
        'stun:198.18.0.2:3478',
        '--turn',
        'turn:198.18.0.2:3478?transport=udp, turn:198.18.0.2:3478?transport=tcp',
        '--turn-secret-file',
        secretFile,
        '--turn-ttl',
        '3600',
        '--relay-only',
      ],
      {},
    );
    expect(config.ice).toEqual({
      stunUrls: ['stun:198.18.0.2:3478'],
      turnUrls: ['turn:198.18.0.2:3478?transport=udp', 'turn:198.18.0.2:3478?transport=tcp'],
      turnSecret: secret,
      turnTtlSeconds: 3600,
      relayOnly: true,
    });
  });

  it('takes the secret from the environment, never from a flag', () => {
    const config = parseRelayConfig([], {
      CLINIC_RELAY_TURN: 'turns:turn.clinic.example:5349?transport=tcp',
      CLINIC_RELAY_TURN_SECRET: secret,
      CLINIC_RELAY_RELAY_ONLY: '1',
    });
    expect(config.ice).toMatchObject({ turnSecret: secret, relayOnly: true });
    expect(() => parseRelayConfig(['--turn-secret', secret], {})).toThrow();
  });

  it('refuses TURN without a secret, relay-only without TURN, and URLs of the wrong kind', () => {
    expect(() => parseRelayConfig(['--turn', 'turn:198.18.0.2:3478'], {})).toThrow(/need the TURN shared secret/);
    expect(() => parseRelayConfig(['--relay-only'], {})).toThrow(/relay-only calls need at least one TURN URL/);
    expect(() => parseRelayConfig(['--stun', 'http://198.18.0.2'], {})).toThrow(/not a stun: URL/);
    expect(() => parseRelayConfig(['--turn', 'stun:198.18.0.2'], { CLINIC_RELAY_TURN_SECRET: secret })).toThrow(
      /not a turn: or turns: URL/,
    );
    expect(() => parseRelayConfig(['--turn-ttl', '10'], {})).toThrow(/--turn-ttl must be a whole number/);
  });
});

describe('relay secret', () => {
  it('reads the signing secret from a file or the environment, and refuses a short one', () => {
    const secretFile = join(dir, 'relay-secret');
    writeFileSync(secretFile, `${'s'.repeat(40)}\n`);
    expect(parseRelayConfig(['--secret-file', secretFile], {}).secret).toBe('s'.repeat(40));
    expect(parseRelayConfig([], { CLINIC_RELAY_SECRET: 'e'.repeat(32) }).secret).toBe('e'.repeat(32));
    expect(() => parseRelayConfig([], { CLINIC_RELAY_SECRET: 'short' })).toThrow(/at least 32 characters/);
  });
});
