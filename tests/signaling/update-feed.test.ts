/**
 * The desktop app's update feed, for real: electron-builder's own code writes latest*.yml for installers a
 * test makes, the relay CLI serves that folder (--downloads) over https with a self-signed certificate, and
 * the app's update glue (main/updates.ts) drives electron-updater's own AppImageUpdater against it: its
 * generic provider asks for the channel file, parses it, downloads the installer and checks its sha512.
 *
 * The one stand-in is the transport. electron-updater speaks through Electron's `net` in its own session,
 * and the Electron binary cannot run here; `ChromiumLikeSession` gives it Node's https instead, and does
 * what Chromium does with the verify proc the app installs on that session: asks it for every TLS
 * connection, and on "-3" (use the default verdict) applies the ordinary CA verification. So the trust
 * decisions here are the app's own (certificate-pins.ts through main/updates.ts), not the test's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { Platform } from 'app-builder-lib';
import { createUpdateInfoTasks, writeUpdateInfoFiles } from 'app-builder-lib/out/publish/updateInfoBuilder.js';
import { appendBlockmap, createBlockmap } from 'app-builder-lib/out/targets/differentialUpdateInfoBuilder.js';
import { Arch, serializeToYaml } from 'builder-util';
import {
  CancellationToken,
  configureRequestOptions,
  configureRequestUrl,
  type DownloadOptions,
  HttpExecutor,
  type UpdateInfo,
} from 'builder-util-runtime';
import type { Certificate, Request as CertificateRequest, Session } from 'electron';
import { AppImageUpdater } from 'electron-updater';
import type { ElectronHttpExecutor } from 'electron-updater/out/electronHttpExecutor.js';
import { GenericProvider } from 'electron-updater/out/providers/GenericProvider.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { UpdateStatus } from '../../contract/bridge';
import { CertificatePins } from '../../main/certificate-pins';
import { loadOrCreateRelayCertificate, type RelayCertificate } from '../../main/relay-certificate';
import { feedFromRelay } from '../../main/update-policy';
import { Updates } from '../../main/updates';

const ROOT = join(import.meta.dirname, '..', '..');
const VERSION = '1.2.0';
/** Named as electron-builder.yml's artifactName makes them (tests/main/update-artifacts.test.ts). */
const ARTIFACTS = {
  linux: `Clinic-Consult-${VERSION}-linux-x86_64.AppImage`,
  windows: `Clinic-Consult-${VERSION}-win-x64.exe`,
  mac: `Clinic-Consult-${VERSION}-mac-x64.zip`,
};

type VerifyProc = Parameters<Session['setCertificateVerifyProc']>[0];

/** The certificate a server presented, as Electron describes it to a verify proc. */
function electronCertificate(x509: X509Certificate): Certificate {
  const principal = (name: string): Certificate['issuer'] => ({
    commonName: /CN=([^\n]+)/.exec(name)?.[1] ?? '',
    organizations: [],
    organizationUnits: [],
    locality: '',
    state: '',
    country: '',
  });
  const certificate = {
    data: x509.toString(),
    fingerprint: `sha256/${Buffer.from(x509.fingerprint256.replace(/:/g, ''), 'hex').toString('base64')}`,
    issuer: principal(x509.issuer),
    issuerName: principal(x509.issuer).commonName,
    subject: principal(x509.subject),
    subjectName: principal(x509.subject).commonName,
    serialNumber: x509.serialNumber,
    validStart: Date.parse(x509.validFrom) / 1000,
    validExpiry: Date.parse(x509.validTo) / 1000,
  };
  const described: Certificate = { ...certificate, issuerCert: {} as Certificate };
  described.issuerCert = described; // self-signed: its own issuer
  return described;
}

interface Exchange {
  method: string;
  path: string;
  status: number | null;
  headers: IncomingMessage['headers'];
}

/** Electron's session as electron-updater uses it, over Node's https: the app's verify proc decides trust. */
class ChromiumLikeSession {
  verifyProc: VerifyProc = null;
  readonly exchanges: Exchange[] = [];
  readonly executor: NodeNetExecutor;
  readonly agent: Agent;

  constructor() {
    const session = this;
    this.agent = new (class extends Agent {
      override createConnection(options: RequestOptions, callback?: (error: Error | null, stream: Duplex) => void): undefined {
        const host = String(options.host ?? options.hostname ?? '');
        // No request byte leaves before the verdict: the socket is handed to the request only once trusted.
        const socket: TLSSocket = tlsConnect({
          host,
          port: Number(options.port),
          servername: isIP(host) ? undefined : host,
          rejectUnauthorized: false, // the verify proc decides, below
        });
        const refuse = (error: Error): void => {
          socket.destroy();
          callback?.(error, socket);
        };
        socket.once('error', refuse);
        socket.once('secureConnect', () => {
          const proc = session.verifyProc;
          if (!proc) return refuse(new Error('no certificate verify proc on the session'));
          const certificate = electronCertificate(new X509Certificate(socket.getPeerCertificate().raw));
          const request: CertificateRequest = {
            hostname: host,
            certificate,
            validatedCertificate: certificate,
            isIssuedByKnownRoot: false,
            verificationResult: socket.authorized ? 'net::OK' : 'net::ERR_CERT_AUTHORITY_INVALID',
            errorCode: socket.authorized ? 0 : -202,
          };
          proc(request, (result) => {
            // 0: trusted; -3: Chromium's own verdict (here Node's CA verification); anything else: refused.
            if (result === 0 || (result === -3 && socket.authorized)) callback?.(null, socket);
            else refuse(new Error(`net::ERR_CERT_INVALID for ${host}: ${result === -3 ? String(socket.authorizationError) : result}`));
          });
        });
        return undefined;
      }
    })();
    this.executor = new NodeNetExecutor(this);
  }

  setCertificateVerifyProc(proc: VerifyProc): void {
    this.verifyProc = proc;
  }
}

/** electron-updater's ElectronHttpExecutor, line for line, with Node's https.request in place of `net.request`. */
class NodeNetExecutor extends HttpExecutor<ClientRequest> {
  constructor(private readonly session: ChromiumLikeSession) {
    super();
  }

  async download(url: URL, destination: string, options: DownloadOptions): Promise<string> {
    return options.cancellationToken.createPromise((resolve, reject, onCancel) => {
      const requestOptions: RequestOptions = { headers: options.headers || undefined };
      configureRequestUrl(url, requestOptions);
      configureRequestOptions(requestOptions);
      this.doDownload(
        requestOptions,
        {
          destination,
          options,
          onCancel,
          callback: (error) => (error == null ? resolve(destination) : reject(error)),
          responseHandler: null,
        },
        0,
      );
    });
  }

  createRequest(options: RequestOptions, callback: (response: IncomingMessage) => void): ClientRequest {
    const exchange: Exchange = { method: options.method ?? 'GET', path: String(options.path), status: null, headers: {} };
    this.session.exchanges.push(exchange);
    return httpsRequest({ ...options, agent: this.session.agent }, (response) => {
      exchange.status = response.statusCode ?? null;
      exchange.headers = response.headers;
      callback(response);
    });
  }
}

/** What the relay prints when it listens (signaling/cli.ts). */
async function startRelayCli(args: string[]): Promise<{ child: ChildProcess; origin: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'signaling/cli.ts'), 'serve', '--port', '0', '--log-level', 'warn', ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const origin = await new Promise<string>((resolve, reject) => {
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /Clinic Consult relay on (https:\/\/\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', (code) => reject(new Error(`relay exited (${code}):\n${output}`)));
  });
  return { child, origin };
}

/**
 * electron-builder's own update info for one installer (latest.yml, latest-mac.yml or latest-linux.yml),
 * after the block map its target adds: embedded in an AppImage (which changes the file), beside an NSIS
 * installer or a mac zip.
 */
async function writeFeedFor(platform: Platform, file: string, dir: string): Promise<void> {
  // Only the fields of a packager these functions read: the platform, the version, no extra options.
  const packager = {
    platform,
    appInfo: { version: VERSION },
    platformSpecificBuildOptions: {},
    config: {},
    info: { emitArtifactBuildCompleted: async () => {} },
    getResource: async () => null,
    emitArtifactCreated: async () => {},
  };
  const path = join(dir, file);
  const updateInfo =
    platform === Platform.LINUX
      ? await appendBlockmap(path)
      : await createBlockmap(path, null as never, packager as unknown as Parameters<typeof createBlockmap>[2], null);
  const event = { packager, target: { outDir: dir }, file: path, arch: Arch.x64, safeArtifactName: null, updateInfo };
  const publish = { provider: 'generic' as const, url: 'https://relay.clinic.example/downloads/' };
  const tasks = await createUpdateInfoTasks(event as unknown as Parameters<typeof createUpdateInfoTasks>[0], [publish]);
  await writeUpdateInfoFiles(tasks, packager as unknown as Parameters<typeof writeUpdateInfoFiles>[1]);
}

const sha512 = (bytes: Buffer): string => createHash('sha512').update(bytes).digest('base64');

let work: string;
let feedDir: string;
let relay: { child: ChildProcess; origin: string };
let certificate: RelayCertificate;
const installers = new Map<string, Buffer>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'clinic-update-feed-'));
  feedDir = join(work, 'downloads');
  await mkdir(feedDir);
  for (const file of Object.values(ARTIFACTS)) {
    const bytes = randomBytes(300_000 + installers.size * 1000);
    installers.set(file, bytes);
    await writeFile(join(feedDir, file), bytes);
  }
  await writeFeedFor(Platform.LINUX, ARTIFACTS.linux, feedDir);
  await writeFeedFor(Platform.WINDOWS, ARTIFACTS.windows, feedDir);
  await writeFeedFor(Platform.MAC, ARTIFACTS.mac, feedDir);
  for (const file of Object.values(ARTIFACTS)) installers.set(file, await readFile(join(feedDir, file))); // as served
  certificate = await loadOrCreateRelayCertificate(join(work, 'tls'));
  relay = await startRelayCli([
    '--downloads',
    feedDir,
    '--data-dir',
    join(work, 'relay-data'),
    '--tls-cert',
    join(work, 'tls', 'relay-cert.pem'),
    '--tls-key',
    join(work, 'tls', 'relay-key.pem'),
  ]);
}, 60_000);

afterAll(async () => {
  if (relay && relay.child.exitCode === null) {
    const exited = new Promise((resolve) => relay.child.once('exit', resolve));
    relay.child.kill('SIGTERM');
    await exited;
  }
  await rm(work, { recursive: true, force: true });
});

/** The app's update glue on electron-updater's AppImageUpdater, at `version`, trusting `pins`. */
async function desk(version: string, pins: CertificatePins) {
  const home = await mkdtemp(join(work, 'desk-'));
  // electron-builder writes this next to the app (resources/app-update.yml): the build's feed and cache name.
  const appUpdateConfigPath = join(home, 'app-update.yml');
  const buildConfig = {
    provider: 'generic',
    url: 'https://build-time.clinic.example/downloads/',
    updaterCacheDirName: 'clinic-consult-updater',
  };
  await writeFile(appUpdateConfigPath, serializeToYaml(buildConfig));
  const quitHandlers: unknown[] = [];
  const updater = new AppImageUpdater(null, {
    version,
    name: 'clinic-consult',
    isPackaged: true,
    appUpdateConfigPath,
    userDataPath: join(home, 'userData'),
    baseCachePath: join(home, 'cache'),
    whenReady: () => Promise.resolve(),
    relaunch: () => {},
    quit: () => {},
    onQuit: (handler: (exitCode: number) => void) => void quitHandlers.push(handler),
  });
  const session = new ChromiumLikeSession();
  // Electron's net, swapped for the Node transport above (set before the feed: the provider takes it then).
  Object.assign(updater, { httpExecutor: session.executor });
  const logged: string[] = [];
  const updates = new Updates({
    updater,
    newCancellationToken: () => new CancellationToken(),
    updaterSession: session,
    verifyCertificate: (hostname, pem) => pins.verify(hostname, pem),
    log: { info: (m) => void logged.push(m), warn: (m) => void logged.push(m), error: (m) => void logged.push(m) },
  });
  const statuses: UpdateStatus[] = [];
  updates.onStatus((status) => void statuses.push(status));
  return { updater, updates, session, statuses, logged, quitHandlers, home };
}

function relayPins(): CertificatePins {
  const pins = new CertificatePins();
  pins.pin({ host: new URL(relay.origin).hostname, port: Number(new URL(relay.origin).port) }, certificate.fingerprint);
  return pins;
}

const wssRelay = (): string => `${relay.origin.replace(/^https/, 'wss')}/ws`;

describe('the feed electron-builder writes, as the relay serves it', () => {
  it.each([
    ['latest-linux.yml', ARTIFACTS.linux],
    ['latest.yml', ARTIFACTS.windows],
    ['latest-mac.yml', ARTIFACTS.mac],
  ])('%s names %s with its size and sha512', async (channelFile, artifact) => {
    const info = parseYaml(await readFile(join(feedDir, channelFile), 'utf8')) as UpdateInfo;
    const bytes = installers.get(artifact) ?? Buffer.alloc(0);
    expect(info).toMatchObject({ version: VERSION, path: artifact, sha512: sha512(bytes) });
    expect(info.files).toEqual([
      artifact.endsWith('.AppImage')
        ? { url: artifact, sha512: sha512(bytes), size: bytes.length, blockMapSize: expect.any(Number) }
        : { url: artifact, sha512: sha512(bytes), size: bytes.length },
    ]);
    expect(new Date(info.releaseDate).getTime()).not.toBeNaN();
  });

  it.each([
    ['linux', 'latest-linux.yml', ARTIFACTS.linux],
    ['win32', 'latest.yml', ARTIFACTS.windows],
    ['darwin', 'latest-mac.yml', ARTIFACTS.mac],
  ] as const)(
    "electron-updater's generic provider on %s asks for %s and resolves %s on the relay",
    async (platform, channelFile, artifact) => {
      const { updater, session } = await desk('1.0.0', relayPins());
      const feed = feedFromRelay(wssRelay());
      if (!feed) throw new Error('no feed');
      // The provider takes Electron's executor type; it only calls request() and download() on it.
      const executor = session.executor as unknown as ElectronHttpExecutor;
      const provider = new GenericProvider(feed, updater, { isUseMultipleRangeRequest: false, platform, executor });
      const info = await provider.getLatestVersion();
      expect(info.version).toBe(VERSION);
      const [resolved] = provider.resolveFiles(info);
      expect(resolved?.url.href).toBe(`${relay.origin}/downloads/${artifact}`);
      const [exchange] = session.exchanges;
      // A random query on every channel-file request, against caches: the relay must ignore it.
      expect(exchange).toMatchObject({ method: 'GET', status: 200 });
      expect(exchange?.path).toMatch(new RegExp(`^/downloads/${channelFile.replace('.', '\\.')}\\?noCache=[0-9a-v]+$`));
      expect(exchange?.headers).toMatchObject({ 'content-type': 'text/yaml; charset=utf-8', 'cache-control': 'no-cache' });
      // Its download checks the sha512 the feed names.
      const destination = join(work, `${platform}-${artifact}`);
      await session.executor.download(resolved?.url ?? new URL('x:'), destination, {
        cancellationToken: new CancellationToken(),
        sha512: resolved?.info.sha512 ?? null,
      });
      expect((await readFile(destination)).equals(installers.get(artifact) ?? Buffer.alloc(0))).toBe(true);
    },
  );
});

describe('a desk updating from the relay (main/updates.ts on electron-updater)', () => {
  it('checks, downloads the AppImage in the background with progress, verifies it, and installs it on quit', async () => {
    vi.stubEnv('APPIMAGE', join(work, 'Clinic-Consult-1.0.0.AppImage')); // the AppImage this desk runs from
    try {
      const { updates, session, statuses, quitHandlers, home } = await desk('1.0.0', relayPins());
      updates.start(feedFromRelay(wssRelay()));
      await vi.waitFor(() => expect(updates.status().state).toBe('downloaded'), { timeout: 20_000 });
      updates.stop();
      expect(statuses[0]).toMatchObject({ state: 'checking' });
      expect(statuses).toContainEqual({ state: 'downloading', version: VERSION, percent: 0, waitingForCall: false });
      // electron-updater's own progress events (at least its last, on a LAN-fast download) reach the status.
      expect(statuses).toContainEqual({ state: 'downloading', version: VERSION, percent: 100, waitingForCall: false });
      expect(statuses.at(-1)).toEqual({ state: 'downloaded', version: VERSION, percent: null, waitingForCall: false });
      expect(session.exchanges.map(({ method, path, status }) => [method, path.replace(/\?.*/, '?…'), status])).toEqual([
        ['GET', '/downloads/latest-linux.yml?…', 200],
        ['GET', `/downloads/${ARTIFACTS.linux}`, 200],
      ]);
      expect(session.exchanges[1]?.headers).toMatchObject({
        'content-type': 'application/octet-stream',
        'content-length': String(installers.get(ARTIFACTS.linux)?.length),
      });
      const downloaded = await readFile(join(home, 'cache', 'clinic-consult-updater', 'pending', ARTIFACTS.linux));
      expect(downloaded.equals(installers.get(ARTIFACTS.linux) ?? Buffer.alloc(0))).toBe(true);
      expect(quitHandlers).toHaveLength(1); // electron-updater installs it when the app quits
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("refuses the relay's certificate when it is not pinned for that host: nothing is read", async () => {
    vi.stubEnv('APPIMAGE', join(work, 'Clinic-Consult-1.0.0.AppImage'));
    try {
      const { updates, session, logged } = await desk('1.0.0', new CertificatePins());
      updates.start(feedFromRelay(wssRelay()));
      await vi.waitFor(() => expect(logged.join('\n')).toContain('net::ERR_CERT_INVALID'), { timeout: 20_000 });
      await vi.waitFor(() => expect(updates.status().state).toBe('idle'));
      updates.stop();
      expect(session.exchanges.length).toBeGreaterThan(0); // asked, and refused before any answer
      expect(session.exchanges.every((exchange) => exchange.status === null)).toBe(true);
      expect(logged.join('\n')).toContain('SELF_SIGNED');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('a desk at the version the feed names, or newer (IT holds it back), downloads nothing', async () => {
    vi.stubEnv('APPIMAGE', join(work, 'Clinic-Consult-1.0.0.AppImage'));
    try {
      for (const version of [VERSION, '1.3.0']) {
        const { updater, updates, session } = await desk(version, relayPins());
        const notAvailable = new Promise<UpdateInfo>((resolve) => updater.once('update-not-available', resolve));
        updates.start(feedFromRelay(wssRelay()));
        expect((await notAvailable).version).toBe(VERSION);
        await vi.waitFor(() => expect(updates.status().state).toBe('idle'));
        updates.stop();
        expect(session.exchanges.map(({ path }) => path.replace(/\?.*/, ''))).toEqual(['/downloads/latest-linux.yml']);
      }
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('an installer that does not match its sha512 is thrown away, not kept for install', async () => {
    const tamperedDir = join(work, 'tampered');
    await mkdir(tamperedDir);
    const bytes = Buffer.from(installers.get(ARTIFACTS.linux) ?? Buffer.alloc(0));
    await writeFile(join(tamperedDir, ARTIFACTS.linux), bytes);
    await writeFeedFor(Platform.LINUX, ARTIFACTS.linux, tamperedDir);
    bytes[1000] = (bytes[1000] ?? 0) ^ 0xff; // the same size, one byte changed after the feed was written
    await writeFile(join(tamperedDir, ARTIFACTS.linux), bytes);
    const tampered = await startRelayCli([
      '--downloads',
      tamperedDir,
      '--data-dir',
      join(work, 'relay-data-2'),
      '--tls-cert',
      join(work, 'tls', 'relay-cert.pem'),
      '--tls-key',
      join(work, 'tls', 'relay-key.pem'),
    ]);
    vi.stubEnv('APPIMAGE', join(work, 'Clinic-Consult-1.0.0.AppImage'));
    try {
      const pins = new CertificatePins();
      pins.pin({ host: new URL(tampered.origin).hostname, port: Number(new URL(tampered.origin).port) }, certificate.fingerprint);
      const { updates, logged, home } = await desk('1.0.0', pins);
      updates.start(feedFromRelay(`${tampered.origin.replace(/^https/, 'wss')}/ws`));
      await vi.waitFor(() => expect(logged.join('\n')).toMatch(/sha512 checksum mismatch/), { timeout: 20_000 });
      await vi.waitFor(() => expect(updates.status().state).toBe('idle'));
      updates.stop();
      await expect(readFile(join(home, 'cache', 'clinic-consult-updater', 'pending', ARTIFACTS.linux))).rejects.toThrow('ENOENT');
    } finally {
      vi.unstubAllEnvs();
      const exited = new Promise((resolve) => tampered.child.once('exit', resolve));
      tampered.child.kill('SIGTERM');
      await exited;
    }
  });
});
