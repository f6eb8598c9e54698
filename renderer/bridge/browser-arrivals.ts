/**
 * Arrival alerts in a browser tab (browser mode): the web Notification API, and the Badging API where the page
 * is installed as an app; the page's title carries the count everywhere else (renderer/features/clinician/arrivals.tsx).
 */
import type { ArrivalsBridge, NotificationPermissionState } from '../../contract/bridge';

/** Each arrival notification replaces the one before: one notice with the latest count. */
const ARRIVAL_TAG = 'clinic-consult-arrivals';

export function browserArrivals(win: Window): ArrivalsBridge {
  const api = (): typeof Notification | null => (win as Window & { Notification?: typeof Notification }).Notification ?? null;
  let current: Notification | null = null;
  const permission = (): NotificationPermissionState => api()?.permission ?? 'unsupported';
  return {
    permission: async () => permission(),
    // The browser's own prompt: only ever called when the clinician turns notifications on.
    requestPermission: async () => {
      const notifications = api();
      if (!notifications) return 'unsupported';
      if (notifications.permission !== 'default') return notifications.permission;
      return notifications.requestPermission();
    },
    notify: async (notice) => {
      const notifications = api();
      if (notifications?.permission !== 'granted') return false;
      current?.close();
      try {
        // Silent: the page plays its own chime when the clinician wants one.
        const shown = new notifications(notice.title, { body: notice.body, tag: ARRIVAL_TAG, silent: true });
        shown.onclick = () => {
          win.focus();
          shown.close();
        };
        current = shown;
        return true;
      } catch {
        return false; // Android's Chrome shows notifications only through a service worker
      }
    },
    setBadge: async (count) => {
      const badging = win.navigator as Navigator & { setAppBadge?: (count: number) => Promise<void>; clearAppBadge?: () => Promise<void> };
      try {
        if (count > 0) await badging.setAppBadge?.(count);
        else await badging.clearAppBadge?.();
      } catch {
        // Not an installed web app: the page's title carries the count.
      }
      if (count === 0) {
        current?.close(); // nobody waits: the notice is stale
        current = null;
      }
    },
  };
}
