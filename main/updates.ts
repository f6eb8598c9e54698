/**
 * The desktop app updating itself from the clinic's relay: electron-updater driven by the decisions of
 * update-policy.ts. Electron glue, kept thin: the updater and the session come in from index.ts (tests
 * hand in fakes), and every decision (when to check, when to download, whether a restart may happen) is
 * the policy's.
 *
 * Trust: electron-updater makes its requests with Electron's `net` in a session of its own, the partition
 * "electron-updater" (its ElectronHttpExecutor: `session.fromPartition('electron-updater', { cache: false })`),
 * not the default session whose certificate verification pins the relays (session-policy.ts). So the same
 * verification (certificate-pins.ts: a certificate pinned for the host presenting it, else Chromium's own
 * verdict) is installed on that partition too, once, before any request: the feed on a relay with a
 * self-signed certificate is trusted exactly when the page's connections to it are.
 */
import type { Session } from 'electron';
import type { AppUpdater, CancellationToken, ProgressInfo } from 'electron-updater';
import type { UpdateStatus } from '../contract/bridge';
import {
  type GenericFeed,
  INITIAL_SCHEDULE,
  mayRestart,
  SCHEDULE_TIMES,
  type ScheduleAction,
  type ScheduleEvent,
  type ScheduleState,
  type ScheduleTimes,
  schedule,
  updateStatus,
} from './update-policy';

/** electron-updater's own session partition (electron-updater/out/electronHttpExecutor.js NET_SESSION_NAME). */
export const UPDATER_SESSION_PARTITION = 'electron-updater';

/** How often the schedule is asked whether a desk left open should look again. */
export const TICK_MS = 15 * 60_000;

/** The part of electron-updater's AppUpdater used here. */
export type Updater = Pick<
  AppUpdater,
  | 'autoDownload'
  | 'autoInstallOnAppQuit'
  | 'allowDowngrade'
  | 'disableDifferentialDownload'
  | 'logger'
  | 'setFeedURL'
  | 'checkForUpdates'
  | 'downloadUpdate'
  | 'quitAndInstall'
> & {
  on(event: 'download-progress', listener: (progress: ProgressInfo) => void): unknown;
};

type CertificateVerifyProc = NonNullable<Parameters<Session['setCertificateVerifyProc']>[0]>;

export interface UpdatesLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface UpdatesOptions {
  updater: Updater;
  /** electron-updater's CancellationToken (a download running when a call begins is cancelled). */
  newCancellationToken: () => CancellationToken;
  /** The session electron-updater's requests go through (UPDATER_SESSION_PARTITION). */
  updaterSession: Pick<Session, 'setCertificateVerifyProc'>;
  /** The app's verdict for the certificate (PEM) a host presents: certificate-pins.ts `verify`. */
  verifyCertificate: (hostname: string, pem: string) => number;
  log: UpdatesLog;
  now?: () => number;
  times?: ScheduleTimes;
}

export class Updates {
  private state: ScheduleState = INITIAL_SCHEDULE;
  private download: CancellationToken | null = null;
  private feedUrl: string | null = null;
  private started = false;
  private timer: ReturnType<typeof setInterval> | null = null;
  private readonly listeners = new Set<(status: UpdateStatus) => void>();
  private readonly now: () => number;

  constructor(private readonly options: UpdatesOptions) {
    this.now = options.now ?? Date.now;
    const { updater, log } = options;
    // Downloads only when the schedule says so (never during a call); installs when the app quits.
    updater.autoDownload = false;
    updater.autoInstallOnAppQuit = true;
    // The feed's version is the most recent a desk moves to, never back (holding a version: update-policy.ts).
    updater.allowDowngrade = false;
    // The relay serves whole files (no HTTP ranges): a differential download would only fail over to a full one.
    updater.disableDifferentialDownload = true;
    // Its failures reach this log through its own 'error' listener; the rejected promises below only move the schedule on.
    updater.logger = {
      info: (message) => log.info(String(message)),
      warn: (message) => log.warn(String(message)),
      error: (message) => log.error(String(message)),
    };
    updater.on('download-progress', (progress: ProgressInfo) => this.dispatch({ type: 'progress', percent: progress.percent }));
    // Set once, at startup (index.ts: before the window exists): setting a verify proc can cancel requests under
    // way, even in other sessions (electron/electron#25338).
    const verifyProc: CertificateVerifyProc = (request, callback) =>
      callback(options.verifyCertificate(request.hostname, request.certificate.data));
    // Pinning only (eng-disable below): unpinned certificates get Chromium's own verdict, as in session-policy.ts.
    options.updaterSession.setCertificateVerifyProc(verifyProc); // eng-disable CERTIFICATE_VERIFY_PROC_JS_CHECK
  }

  /** Follows `feed` (null: the build's own), looks at once, and again on the schedule. */
  start(feed: GenericFeed | null, tickMs: number = TICK_MS): void {
    if (this.started) return;
    this.setFeed(feed);
    this.started = true;
    this.timer = setInterval(() => this.dispatch({ type: 'tick', at: this.now() }), tickMs);
    this.dispatch({ type: 'started', at: this.now() });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * The relay to follow changed (settings saved): a new feed is looked at at once. Null keeps the feed in
   * use (the build's own until a relay feed was set; a relay feed until the app restarts).
   */
  setFeed(feed: GenericFeed | null): void {
    if (!feed || feed.url === this.feedUrl) return;
    this.options.updater.setFeedURL(feed);
    this.feedUrl = feed.url;
    this.options.log.info(`update feed: ${feed.url}`);
    if (this.started) this.dispatch({ type: 'feed-changed', at: this.now() });
  }

  setInCall(inCall: boolean): void {
    this.dispatch({ type: 'call', inCall, at: this.now() });
  }

  /** Quits and installs the downloaded update, silently, and starts the new version. False when it may not. */
  restart(): boolean {
    if (!mayRestart(this.state)) return false;
    this.options.updater.quitAndInstall(true, true);
    return true;
  }

  status(): UpdateStatus {
    return updateStatus(this.state, true);
  }

  onStatus(listener: (status: UpdateStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private dispatch(event: ScheduleEvent): void {
    const before = this.status();
    const step = schedule(this.state, event, this.options.times ?? SCHEDULE_TIMES);
    this.state = step.state;
    for (const action of step.actions) this.run(action);
    const after = this.status();
    if (JSON.stringify(after) !== JSON.stringify(before)) for (const listener of this.listeners) listener(after);
  }

  private run(action: ScheduleAction): void {
    const { updater, log } = this.options;
    switch (action) {
      case 'check':
        updater.checkForUpdates().then(
          // Null: electron-updater is not active in this build (e.g. not installed as an AppImage).
          (result) => this.dispatch({ type: 'checked', version: result?.isUpdateAvailable ? result.updateInfo.version : null }),
          () => this.dispatch({ type: 'failed' }),
        );
        return;
      case 'download': {
        const token = this.options.newCancellationToken();
        this.download = token;
        updater.downloadUpdate(token).then(
          () => {
            log.info(`update ${this.state.version ?? ''} downloaded: it installs when the app quits`);
            this.dispatch({ type: 'downloaded' });
          },
          () => this.dispatch(token.cancelled ? { type: 'cancelled', at: this.now() } : { type: 'failed' }),
        );
        return;
      }
      case 'cancel-download':
        log.info('update download stopped for a call');
        this.download?.cancel();
        return;
    }
  }
}
