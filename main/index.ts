/**
 * Electron main process entry: wires the services to Electron's lifecycle. Decisions are made in the pure
 * modules beside this file; this file only connects them (and is the part exercised only where the
 * Electron binary runs).
 */
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  BrowserWindow,
  desktopCapturer,
  dialog,
  ipcMain,
  Notification,
  protocol,
  session,
  shell,
  systemPreferences,
  type WebContents,
} from 'electron';
import { pino } from 'pino';
import type { JoinLink, Settings } from '../contract/bridge';
import { IpcEvent } from '../contract/ipc';
import { APP_SCHEME, DEEP_LINK_SCHEME } from './app-origin';
import { createAppRequestHandler } from './app-protocol';
import { CertificatePins, type RelayEndpoint, relayEndpoint } from './certificate-pins';
import { CHROMIUM_SWITCHES } from './chromium-switches';
import { deepLinksInArgv, parseJoinLink } from './deep-link';
import { defaultRelayUrl } from './default-relay';
import { installDisplayMediaHandler, ScreenPicks, THUMBNAIL_SIZE } from './display-media';
import { HostedRelay } from './hosted-relay';
import { createInvokeHandlers } from './invoke-handlers';
import { registerInvokeHandlers } from './ipc-handlers';
import { JoinLinkInbox } from './join-link-inbox';
import { readMediaAccess, requestMediaAccess, type SystemMediaAccess } from './media-access';
import { isSafeExternalUrl } from './navigation';
import { ArrivalNotifier, WINDOWS_APP_USER_MODEL_ID } from './notifications';
import { PinStore } from './pin-store';
import { protocolClientRegistration } from './protocol-client';
import { loadOrCreateRelayCertificate } from './relay-certificate';
import { RelayDiscovery } from './relay-discovery';
import { RelaySources } from './relay-sources';
import { RelayTrustRequests } from './relay-trust';
import { applySessionPolicy } from './session-policy';
import { SettingsStore } from './settings-store';
import { updateFeed } from './update-policy';
import { UPDATER_SESSION_PARTITION, Updates } from './updates';
import { createMainWindow, hardenWebContents } from './window';

const log = pino({ name: 'clinic-desktop' });
const here = dirname(fileURLToPath(import.meta.url));
const PRELOAD_PATH = join(here, '..', 'preload', 'index.cjs');

// Before `ready`: app:// behaves like https (secure context for getUserMedia, fetch, standard URL parsing).
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
]);
app.enableSandbox();
for (const [name, value] of CHROMIUM_SWITCHES) app.commandLine.appendSwitch(name, value);

// One running app: a second launch (a deep link on Windows/Linux) hands its argv to the first and exits.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  startApp();
}

function startApp(): void {
  const settingsStore = new SettingsStore(app.getPath('userData'));
  // Self-signed relays are trusted only by a fingerprint pinned for the host presenting it: this app's own
  // bundled relay for its own addresses, and the relays of consultation links the person confirmed.
  const pins = new CertificatePins();
  // Pins confirmed before, so a saved self-signed relay still works after a restart.
  const pinStore = new PinStore(app.getPath('userData'), (message) => log.warn(message));
  const pinsRemembered = pinStore.load().then((remembered) => {
    for (const pin of remembered) pins.pin(pin, pin.fingerprint);
  });
  const hostedRelay: HostedRelay = new HostedRelay({
    logger: log.child({ component: 'hosted-relay' }),
    dataDir: join(app.getPath('userData'), 'relay'),
    // The first time only: the host is enrolled under the name patients see in settings, else their login name.
    hostName: () => savedDisplayName || userInfo().username,
    certificate: async () => {
      const certificate = await loadOrCreateRelayCertificate(app.getPath('userData'));
      pins.pinOwnRelay(certificate.fingerprint, () => hostedRelay.hostnames());
      return certificate;
    },
  });
  // Relays IT announces on the LAN, offered in the connection settings (never trusted from the announcement).
  const discovery = new RelayDiscovery((message) => log.warn(message));
  let savedRelayUrl: string | null = null;
  let savedDisplayName = '';
  let mainWindow: BrowserWindow | null = null;
  let updates: Updates | null = null;

  const relayDefault = (): string => defaultRelayUrl(hostedRelay.loopbackUrl(), process.env);
  const relaySources = new RelaySources(() => (savedRelayUrl ? [savedRelayUrl, relayDefault()] : [relayDefault()]));
  const inbox = new JoinLinkInbox((link) => {
    if (!mainWindow || mainWindow.isDestroyed()) return false;
    mainWindow.webContents.send(IpcEvent.joinLink, link);
    return true;
  });
  // A link's relay certificate is pinned only once the person trusts it in the page (first use).
  const relayTrust = new RelayTrustRequests((request) => {
    if (!mainWindow || mainWindow.isDestroyed()) return false;
    mainWindow.webContents.send(IpcEvent.relayTrustRequest, request);
    focus(mainWindow);
    return true;
  });
  // Toasts on Windows show only under the installed shortcut's id (electron-builder's appId).
  if (process.platform === 'win32') app.setAppUserModelId(WINDOWS_APP_USER_MODEL_ID);
  const arrivals = new ArrivalNotifier({
    isSupported: () => Notification.isSupported(),
    create: (options) => new Notification(options),
    setBadgeCount: (count) => app.setBadgeCount(count),
    focusWindow: () => focus(mainWindow),
  });
  // Screen share: main lists the screens and windows, the page's picker chooses (display-media.ts).
  const screenPicks = new ScreenPicks((request) => {
    if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(IpcEvent.screenPickRequest, request);
  });
  const system: SystemMediaAccess = {
    getMediaAccessStatus: (kind) => systemPreferences.getMediaAccessStatus(kind),
    askForMediaAccess: (kind) => systemPreferences.askForMediaAccess(kind),
  };

  const openExternal = async (url: string): Promise<void> => {
    if (!isSafeExternalUrl(url)) return;
    // Allowed (eng-disable below): the url passed isSafeExternalUrl just above, so it is https with no credentials.
    await shell.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK
  };

  /** A relay new to the page's CSP can only be reached after a reload; the link waits in the inbox. */
  const reloadIfRelaysChanged = (): void => {
    if (mainWindow && !mainWindow.isDestroyed() && relaySources.changed()) mainWindow.webContents.reload();
  };

  const acceptDeepLink = (raw: string): void => {
    const result = parseJoinLink(raw);
    if (!result.ok) {
      log.warn({ code: result.code }, 'deep link refused');
      // Dialogs need a ready app; a link can arrive (macOS open-url) before that.
      void app.whenReady().then(() => showLinkRefusal(mainWindow, result.message));
      return;
    }
    const { link } = result;
    const fingerprint = link.certificateFingerprint;
    const endpoint = fingerprint ? relayEndpoint(link.relayUrl) : null;
    if (!fingerprint || !endpoint) {
      followJoinLink(link);
      return;
    }
    void pinsRemembered.then(async () => {
      // Trusted for this host already (confirmed before, or this app's own relay): the link goes on at once.
      if (pins.trusts(endpoint.host, fingerprint)) {
        if (pins.has(endpoint.host, fingerprint)) rememberPin(endpoint, fingerprint); // keeps it among the recent
        followJoinLink(link);
        return;
      }
      // First use: nothing of the link is applied (no pin, no CSP entry, no join) until the person trusts it.
      if (!(await relayTrust.ask(endpoint, fingerprint))) {
        log.info({ host: endpoint.host, port: endpoint.port }, 'relay not trusted: join link not followed');
        return;
      }
      pins.pin(endpoint, fingerprint);
      rememberPin(endpoint, fingerprint);
      // After the answer's reply has reached the page: following may reload it.
      setImmediate(() => followJoinLink(link));
    });
  };

  const rememberPin = (endpoint: RelayEndpoint, fingerprint: string): void => {
    pinStore.remember(endpoint, fingerprint).catch((err: unknown) => log.warn({ err }, 'could not remember a trusted relay'));
  };

  /** Updates from the clinic's relay (updates.ts); only an installed build has any (electron-updater's rule too). */
  const startUpdates = async (): Promise<Updates> => {
    const { default: electronUpdater } = await import('electron-updater');
    const started = new Updates({
      updater: electronUpdater.autoUpdater,
      newCancellationToken: () => new electronUpdater.CancellationToken(),
      updaterSession: session.fromPartition(UPDATER_SESSION_PARTITION, { cache: false }),
      verifyCertificate: (hostname, pem) => pins.verify(hostname, pem),
      log: log.child({ component: 'updates' }),
    });
    started.onStatus((status) => {
      if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(IpcEvent.updateStatus, status);
    });
    started.start(updateFeed(savedRelayUrl, process.env.CLINIC_RELAY_URL));
    return started;
  };

  const followJoinLink = (link: JoinLink): void => {
    relaySources.addFromLink(link.relayUrl);
    inbox.arrive(link);
    focus(mainWindow);
    reloadIfRelaysChanged();
  };

  // macOS delivers links through open-url, possibly before `ready`: register at once.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    acceptDeepLink(url);
  });
  app.on('second-instance', (_event, argv) => {
    const links = deepLinksInArgv(argv);
    const last = links.at(-1);
    if (last !== undefined) acceptDeepLink(last);
    else focus(mainWindow);
  });

  // Allowed (eng-disable below): every link goes through parseJoinLink, which refuses anything but a complete join link.
  const { executable, args } = protocolClientRegistration(process.defaultApp === true, process.execPath, process.argv);
  if (executable && args) {
    app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME, executable, args); // eng-disable PROTOCOL_HANDLER_JS_CHECK
  } else {
    app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME); // eng-disable PROTOCOL_HANDLER_JS_CHECK  (same parser as above)
  }

  app.on('web-contents-created', (_event, contents: WebContents) => {
    hardenWebContents(contents, (url) => void openExternal(url));
    contents.on('did-start-navigation', (event) => {
      if (event.isMainFrame && !event.isSameDocument) inbox.pageLoading();
    });
  });

  app.whenReady().then(
    async () => {
      const saved = (await settingsStore.load()).settings;
      savedRelayUrl = saved.relayUrl;
      savedDisplayName = saved.displayName;
      await pinsRemembered; // before the page can reach a relay
      applySessionPolicy(session.defaultSession, {
        platform: process.platform,
        askOsForMedia: async (kinds) => {
          await requestMediaAccess(process.platform, system, kinds);
        },
        verifyCertificate: (hostname, pem) => pins.verify(hostname, pem),
        handleAppRequest: createAppRequestHandler({
          root: join(app.getAppPath(), 'renderer', 'dist'),
          contentSecurityPolicy: () => relaySources.serve(),
        }),
      });
      installDisplayMediaHandler(session.defaultSession, {
        platform: process.platform,
        screenAccess: () => systemPreferences.getMediaAccessStatus('screen'),
        getSources: () => desktopCapturer.getSources({ types: ['screen', 'window'], thumbnailSize: THUMBNAIL_SIZE }),
        picks: screenPicks,
        log: (message, detail) => log.warn({ detail }, message),
      });
      if (app.isPackaged) {
        // Without updates the app still works: a failure here is logged, never fatal.
        updates = await startUpdates().catch((err: unknown) => {
          log.error({ err }, 'updates could not start');
          return null;
        });
      }
      registerInvokeHandlers(
        ipcMain,
        createInvokeHandlers({
          appInfo: () => ({
            host: 'electron',
            appVersion: app.getVersion(),
            platform: process.platform,
            chromeVersion: process.versions.chrome ?? null,
          }),
          defaultRelayUrl: relayDefault,
          discoverRelays: () => discovery.discover(),
          settings: settingsStore,
          onSettingsSaved: (settings: Settings) => {
            savedRelayUrl = settings.relayUrl;
            savedDisplayName = settings.displayName;
            updates?.setFeed(updateFeed(settings.relayUrl, process.env.CLINIC_RELAY_URL));
            // Let the save's reply reach the page before a reload replaces it.
            setImmediate(reloadIfRelaysChanged);
          },
          mediaAccess: {
            read: () => readMediaAccess(process.platform, system),
            request: () => requestMediaAccess(process.platform, system),
          },
          openExternal,
          takePendingJoinLinks: () => inbox.take(),
          relayTrust,
          hostedRelay,
          chooseDiagnosticsPath: (suggestedName) => chooseDiagnosticsPath(mainWindow, suggestedName),
          updates: updates ?? undefined,
          arrivals,
          screenPicks,
        }),
      );
      mainWindow = createMainWindow(PRELOAD_PATH);
      mainWindow.on('closed', () => {
        mainWindow = null;
      });
      // Windows/Linux: a link that started the app is in its own argv.
      const startLink = deepLinksInArgv(process.argv).at(-1);
      if (startLink !== undefined) acceptDeepLink(startLink);
    },
    (err: unknown) => {
      log.fatal({ err }, 'startup failed');
      app.exit(1);
    },
  );

  app.on('activate', () => {
    if (app.isReady() && BrowserWindow.getAllWindows().length === 0) mainWindow = createMainWindow(PRELOAD_PATH);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // The hosted relay closes its sockets (patients see "relay shutting down") before the process exits.
  let relayStopped = false;
  app.on('before-quit', (event) => {
    discovery.stop();
    updates?.stop();
    if (relayStopped) return;
    event.preventDefault();
    hostedRelay
      .stop()
      .catch((err: unknown) => log.error({ err }, 'hosted relay did not stop cleanly'))
      .finally(() => {
        relayStopped = true;
        app.quit();
      });
  });
}

function focus(window: BrowserWindow | null): void {
  if (!window || window.isDestroyed()) return;
  if (window.isMinimized()) window.restore();
  window.focus();
}

async function showLinkRefusal(window: BrowserWindow | null, detail: string): Promise<void> {
  const options = { type: 'warning' as const, message: 'This consultation link cannot be opened.', detail, buttons: ['OK'] };
  if (window && !window.isDestroyed()) await dialog.showMessageBox(window, options);
  else await dialog.showMessageBox(options);
}

async function chooseDiagnosticsPath(window: BrowserWindow | null, suggestedName: string): Promise<string | null> {
  const options = {
    title: 'Save diagnostics',
    defaultPath: join(app.getPath('documents'), suggestedName),
    filters: [{ name: 'Diagnostics report (JSON)', extensions: ['json'] }],
  };
  const result = window && !window.isDestroyed() ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
  return result.canceled || !result.filePath ? null : result.filePath;
}
