/**
 * Arrival notifications and the waiting count on the app's icon, for the desktop app. The page decides when
 * and words the notice (renderer/features/clinician/arrivals-policy.ts); this shows it. No Electron import:
 * index.ts hands in Electron's Notification and app, tests hand in fakes.
 *
 * Per OS: the notification is Electron's (Notification Center on macOS, the Action Center toast on Windows,
 * libnotify on Linux). The badge is `app.setBadgeCount`: the Dock icon on macOS, launchers that speak the
 * LauncherEntry D-Bus API on Linux; Windows has no count badge there (an overlay icon would need drawn images),
 * so on Windows the count is in the window's title, "(2) Clinic Consult", which the page sets and the taskbar
 * shows on every OS.
 */
import type { ArrivalNotice, NotificationPermissionState } from '../contract/bridge';

/**
 * Windows shows an app's toasts only under its Application User Model ID, the one its installed shortcut
 * carries: electron-builder's `appId` (a test holds the two equal).
 */
export const WINDOWS_APP_USER_MODEL_ID = 'org.clinicconsult.desktop';

/** The part of Electron's Notification that is used. */
export interface NotificationLike {
  show(): void;
  close(): void;
  on(event: 'click', listener: () => void): unknown;
}

export interface ArrivalNotifierOptions {
  isSupported(): boolean;
  /** `silent`: the page plays its own chime (when the clinician wants one), so the OS adds no second sound. */
  create(options: { title: string; body: string; silent: boolean }): NotificationLike;
  /** Electron's app.setBadgeCount: false where the OS shows no badge. */
  setBadgeCount(count: number): boolean;
  /** Brings the app's window to the front (a click on the notification). */
  focusWindow(): void;
}

export class ArrivalNotifier {
  /**
   * The notification on screen. Kept referenced: Electron drops a collected notification's click handler, and
   * a new one replaces it, so the clinician sees one notice with the latest count, not a pile.
   */
  private current: NotificationLike | null = null;

  constructor(private readonly options: ArrivalNotifierOptions) {}

  /** No prompt in the desktop app: the OS asks (macOS) or lets the person turn them off (all). */
  permission(): NotificationPermissionState {
    return this.options.isSupported() ? 'granted' : 'unsupported';
  }

  notify(notice: ArrivalNotice): boolean {
    if (!this.options.isSupported()) return false;
    this.current?.close();
    const notification = this.options.create({ title: notice.title, body: notice.body, silent: true });
    notification.on('click', () => {
      this.options.focusWindow();
      if (this.current === notification) this.current = null;
    });
    notification.show();
    this.current = notification;
    return true;
  }

  /** The count on the icon; nobody waiting also takes the notification away (it would be stale). */
  badge(count: number): void {
    this.options.setBadgeCount(count);
    if (count === 0) {
      this.current?.close();
      this.current = null;
    }
  }
}
