/**
 * Standalone relay for clinic IT:  tsx signaling/cli.ts [--port 8787] [--host 0.0.0.0] [--static renderer/dist]
 * Every flag has an environment variable twin (CLINIC_RELAY_*), so a service manager can configure it.
 * `tsx signaling/cli.ts staff …` manages who may sign in as clinic staff (staff-command.ts).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { type Logger, pino } from 'pino';
import { announceRelay } from './announce';
import { DEFAULT_AUDIT_RETENTION_DAYS } from './audit';
import { runAuditCommand } from './audit-command';
import { DEFAULT_DATA_DIR, resolveDataDir } from './data-dir';
import { type IceConfig, iceConfigProblems } from './ice';
import { type Relay, type RelayOptions, startRelay } from './server';
import { runStaffCommand } from './staff-command';
import { openStore } from './store/sqlite-store';
import type { RelayStore } from './store/store';
import { relayVersion } from './version';

const HELP = `Clinic Consult signaling relay

  clinic-relay [serve] [options]   run the relay
  clinic-relay --version           the relay's version
  clinic-relay staff …             add, list and revoke clinic staff (clinic-relay staff help)
  clinic-relay audit export …      the clinic's record of consultations, as JSON lines or CSV (clinic-relay audit help)

Options (environment variable in brackets):
  --port N             TCP port (CLINIC_RELAY_PORT, default 8787)
  --host ADDR          interface to bind (CLINIC_RELAY_HOST, default 127.0.0.1; 0.0.0.0 for the LAN)
  --static DIR         serve the built web app from DIR for browser mode (CLINIC_RELAY_STATIC)
  --downloads DIR      the clinic's installers (and the desktop app's update feed), offered on the invite page
                       (CLINIC_RELAY_DOWNLOADS)
  --tls-cert FILE      PEM certificate: serve https/wss (CLINIC_RELAY_TLS_CERT)
  --tls-key FILE       PEM private key (CLINIC_RELAY_TLS_KEY)
  --public-url URL     address patients open, used in invite links (CLINIC_RELAY_PUBLIC_URL); required when
                       --host is not loopback
  --allowed-origins L  comma-separated browser origins allowed to connect (CLINIC_RELAY_ALLOWED_ORIGINS)
  --trusted-proxies L  comma-separated addresses of reverse proxies whose X-Forwarded-For is believed
                       (CLINIC_RELAY_TRUSTED_PROXIES; none by default)
  --max-connections N  sockets in all (CLINIC_RELAY_MAX_CONNECTIONS, default 2000)
  --identify-seconds N how long a socket may stay without signing in or joining (CLINIC_RELAY_IDENTIFY_SECONDS,
                       default 10)
  --max-per-address N  sockets from one address (CLINIC_RELAY_MAX_PER_ADDRESS, default 200: a clinic behind
                       one NAT shares an address)
  --grace-seconds N    how long a dropped participant keeps its place (CLINIC_RELAY_GRACE_SECONDS, default 30)
  --secret-file F      file holding the relay's signing secret (>= 32 characters; CLINIC_RELAY_SECRET_FILE, or
                       CLINIC_RELAY_SECRET): with the same secret, participants and live calls survive a restart
  --stun URLS          comma-separated stun: URLs given to participants (CLINIC_RELAY_STUN)
  --turn URLS          comma-separated turn:/turns: URLs (CLINIC_RELAY_TURN)
  --turn-secret-file F file holding coturn's static-auth-secret (CLINIC_RELAY_TURN_SECRET_FILE;
                       or the secret itself in CLINIC_RELAY_TURN_SECRET, never on the command line)
  --turn-ttl N         longest life of a call's TURN credentials, in seconds (CLINIC_RELAY_TURN_TTL, default 7200)
  --relay-only         every call goes through TURN: participants never see each other's addresses
                       (CLINIC_RELAY_RELAY_ONLY=1)
  --screen-share-staff-only
                       only staff may share their screen in calls; patients may by default
                       (CLINIC_RELAY_SCREEN_SHARE_STAFF_ONLY=1)
  --announce           announce the relay on the LAN by mDNS (_clinic-consult._tcp) so desktop apps offer it;
                       they only offer TLS relays (CLINIC_RELAY_ANNOUNCE=1)
  --data-dir DIR       the relay's data folder, for its database relay.db: staff and their devices, closed
                       consultations, departures (CLINIC_RELAY_DATA_DIR, default ./${DEFAULT_DATA_DIR})
  --audit-days N       keep audit events this many days (CLINIC_RELAY_AUDIT_DAYS, default 400)
  --metrics            serve Prometheus metrics at GET /metrics: counts only, no names (CLINIC_RELAY_METRICS=1)
  --metrics-listen A   serve them on their own listener instead, e.g. 127.0.0.1:9464, never on the public port
                       (CLINIC_RELAY_METRICS_LISTEN)
  --log-level LEVEL    fatal|error|warn|info|debug (CLINIC_RELAY_LOG_LEVEL, default info)
  --help               this text
`;

export function parseRelayConfig(
  argv: string[],
  env: NodeJS.ProcessEnv,
): RelayOptions & { logLevel: string; announce: boolean; dataDir: string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      static: { type: 'string' },
      downloads: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'public-url': { type: 'string' },
      'allowed-origins': { type: 'string' },
      'trusted-proxies': { type: 'string' },
      'max-connections': { type: 'string' },
      'max-per-address': { type: 'string' },
      'identify-seconds': { type: 'string' },
      'grace-seconds': { type: 'string' },
      'secret-file': { type: 'string' },
      stun: { type: 'string' },
      turn: { type: 'string' },
      'turn-secret-file': { type: 'string' },
      'turn-ttl': { type: 'string' },
      'relay-only': { type: 'boolean' },
      'screen-share-staff-only': { type: 'boolean' },
      'data-dir': { type: 'string' },
      'audit-days': { type: 'string' },
      metrics: { type: 'boolean' },
      'metrics-listen': { type: 'string' },
      announce: { type: 'boolean' },
      'log-level': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const port = integer('port', values.port ?? env.CLINIC_RELAY_PORT ?? '8787', 0, 65535);
  const graceSeconds = integer('grace-seconds', values['grace-seconds'] ?? env.CLINIC_RELAY_GRACE_SECONDS ?? '30', 1, 3600);
  const certFile = values['tls-cert'] ?? env.CLINIC_RELAY_TLS_CERT;
  const keyFile = values['tls-key'] ?? env.CLINIC_RELAY_TLS_KEY;
  if (Boolean(certFile) !== Boolean(keyFile)) throw new Error('--tls-cert and --tls-key go together');
  const origins = values['allowed-origins'] ?? env.CLINIC_RELAY_ALLOWED_ORIGINS;
  const logLevel = values['log-level'] ?? env.CLINIC_RELAY_LOG_LEVEL ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel))
    throw new Error(`unknown log level "${logLevel}"`);
  const turnSecret = readSecret(values['turn-secret-file'] ?? env.CLINIC_RELAY_TURN_SECRET_FILE, env.CLINIC_RELAY_TURN_SECRET);
  const ice: IceConfig = {
    stunUrls: list(values.stun ?? env.CLINIC_RELAY_STUN),
    turnUrls: list(values.turn ?? env.CLINIC_RELAY_TURN),
    turnSecret: turnSecret || null,
    turnTtlSeconds: integer('turn-ttl', values['turn-ttl'] ?? env.CLINIC_RELAY_TURN_TTL ?? '7200', 60, 7 * 24 * 3600),
    relayOnly: values['relay-only'] ?? isOn(env.CLINIC_RELAY_RELAY_ONLY),
  };
  const iceProblems = iceConfigProblems(ice);
  if (iceProblems.length > 0) throw new Error(iceProblems.join('; '));
  const dataDir = resolveDataDir(values['data-dir'], env);
  const host = values.host ?? env.CLINIC_RELAY_HOST ?? '127.0.0.1';
  const publicUrl = values['public-url'] ?? env.CLINIC_RELAY_PUBLIC_URL ?? null;
  if (publicUrl !== null && !/^https?:\/\/[^\s/?#]+\/?$/.test(publicUrl)) {
    throw new Error(`--public-url must be an http(s) origin like https://consult.clinic.example, got "${publicUrl}"`);
  }
  // Invite links carry this address: a relay on the network must not hand out one of its own loopback.
  if (!isLoopback(host) && publicUrl === null) {
    throw new Error(`--public-url is required when the relay listens on ${host}: invite links need the address patients reach it at`);
  }
  const metricsListen = values['metrics-listen'] ?? env.CLINIC_RELAY_METRICS_LISTEN ?? null;
  const secret = readSecret(values['secret-file'] ?? env.CLINIC_RELAY_SECRET_FILE, env.CLINIC_RELAY_SECRET);
  if (secret !== null && secret.length < 32) throw new Error('the relay secret must be at least 32 characters');
  return {
    secret,
    ice,
    patientsMayShare: !(values['screen-share-staff-only'] ?? isOn(env.CLINIC_RELAY_SCREEN_SHARE_STAFF_ONLY)),
    port,
    host,
    staticDir: values.static ?? env.CLINIC_RELAY_STATIC ?? null,
    downloadsDir: values.downloads ?? env.CLINIC_RELAY_DOWNLOADS ?? null,
    tls: certFile && keyFile ? { cert: readFileSync(certFile), key: readFileSync(keyFile) } : null,
    publicUrl,
    allowedOrigins: origins ? list(origins) : null,
    trustedProxies: list(values['trusted-proxies'] ?? env.CLINIC_RELAY_TRUSTED_PROXIES),
    maxConnections: integer('max-connections', values['max-connections'] ?? env.CLINIC_RELAY_MAX_CONNECTIONS ?? '2000', 10, 1_000_000),
    admission: {
      perAddress: integer('max-per-address', values['max-per-address'] ?? env.CLINIC_RELAY_MAX_PER_ADDRESS ?? '200', 1, 1_000_000),
      identifyWithinMs: integer('identify-seconds', values['identify-seconds'] ?? env.CLINIC_RELAY_IDENTIFY_SECONDS ?? '10', 1, 300) * 1000,
    },
    graceMs: graceSeconds * 1000,
    metrics: (values.metrics ?? isOn(env.CLINIC_RELAY_METRICS)) || metricsListen !== null,
    metricsListen: metricsListen === null ? null : listenAddress('metrics-listen', metricsListen),
    announce: values.announce ?? isOn(env.CLINIC_RELAY_ANNOUNCE),
    dataDir,
    auditRetentionDays: integer(
      'audit-days',
      values['audit-days'] ?? env.CLINIC_RELAY_AUDIT_DAYS ?? String(DEFAULT_AUDIT_RETENTION_DAYS),
      1,
      36_500,
    ),
    logLevel,
  };
}

/** A secret from a file (preferred: it stays off the command line and out of the environment), else inline. */
function readSecret(file: string | undefined, inline: string | undefined): string | null {
  return file ? readFileSync(file, 'utf8').trim() : (inline ?? null);
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function listenAddress(name: string, raw: string): { host: string; port: number } {
  const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d+)$/.exec(raw);
  if (!match?.[1] || !match[2]) throw new Error(`--${name} must be host:port, like 127.0.0.1:9464, got "${raw}"`);
  return { host: match[1].replace(/^\[|\]$/g, ''), port: integer(name, match[2], 1, 65535) };
}

function isOn(raw: string | undefined): boolean {
  return ['1', 'true', 'yes'].includes((raw ?? '').toLowerCase());
}

function list(raw: string | undefined): string[] {
  return raw
    ? raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    : [];
}

function integer(name: string, raw: string, min: number, max: number): number {
  // Digits only: Number() would read '' and ' ' as 0 (a random port) and accept '0x50' or '1e3'.
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

export type RelayConfig = ReturnType<typeof parseRelayConfig>;

export interface ServedRelay {
  readonly relay: Relay;
  /** The relay's database (e.g. browser mode mints the local clinician's enrollment code in it). */
  readonly store: RelayStore;
  /** Stops the relay, then closes its store. */
  close(): Promise<void>;
}

/** The relay as configured, with the database in its data folder: the CLI and npm start's browser mode. */
export async function serveRelay(config: RelayConfig, logger: Logger): Promise<ServedRelay> {
  const store = await openStore({ directory: config.dataDir });
  let relay: Relay;
  try {
    relay = await startRelay({ ...config, store, logger });
  } catch (err) {
    await store.close();
    throw err;
  }
  logger.info({ dataDir: config.dataDir }, 'relay data folder');
  return { relay, store, close: () => relay.close().then(() => store.close()) };
}

async function main(): Promise<void> {
  const io = { out: (text: string) => process.stdout.write(text), err: (text: string) => process.stderr.write(text) };
  const [command, ...rest] = process.argv.slice(2);
  // exitCode, not exit(): everything written to stdout (a whole audit export) is flushed first.
  if (command === 'staff') {
    process.exitCode = await runStaffCommand(rest, process.env, io);
    return;
  }
  if (command === 'audit') {
    process.exitCode = await runAuditCommand(rest, process.env, io);
    return;
  }
  if (command === '--version' || command === 'version') {
    io.out(`${relayVersion()}\n`);
    return;
  }
  if (command === 'help') {
    io.out(HELP);
    return;
  }
  let config: RelayConfig;
  try {
    config = parseRelayConfig(command === 'serve' ? rest : process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`clinic-relay: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    process.exit(2);
  }
  const logger = pino({ name: 'clinic-relay', level: config.logLevel });
  const served = await serveRelay(config, logger);
  const relay = served.relay;
  if ((await served.store.listStaff()).length === 0) {
    process.stdout.write(`No clinic staff yet: add someone with  clinic-relay staff add "Dr. Name" --data-dir ${config.dataDir}\n`);
  }
  const loopback = isLoopback(config.host ?? '127.0.0.1');
  process.stdout.write(`\nClinic Consult relay on ${relay.url}  (WebSocket: ${relay.url.replace(/^http/, 'ws')}/ws)\n`);
  if (config.staticDir) process.stdout.write(`Browser mode: open ${relay.url}/ in Chromium or Chrome.\n`);
  if (!loopback && !config.tls) {
    process.stdout.write(
      'Note: browsers on other computers only allow camera and microphone on https pages; use --tls-cert/--tls-key, or the desktop app.\n',
    );
  }
  const announcer = config.announce
    ? announceRelay({
        name: `Clinic Consult relay on ${hostname()}`,
        port: relay.port,
        tls: Boolean(config.tls),
        publicUrl: config.publicUrl ?? null,
      })
    : null;
  if (announcer)
    process.stdout.write(
      `Announced on the LAN by mDNS${config.tls ? '' : ' (desktop apps only offer TLS relays: add --tls-cert/--tls-key)'}.\n`,
    );
  const stop = (signal: string): void => {
    logger.info({ signal }, 'stopping');
    Promise.all([announcer?.stop(), served.close()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`clinic-relay: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
