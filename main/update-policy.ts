/**
 * When and where the desktop app looks for an update of itself. Pure: main/updates.ts feeds it events and
 * carries out the actions it returns with electron-updater.
 *
 * Where: the clinic's relay serves electron-builder's update feed (latest*.yml and the installers) from its
 * downloads folder at /downloads/, over the same TLS the app already trusts for that relay. The feed is the
 * relay named in the connection settings, else the one IT set machine-wide (CLINIC_RELAY_URL); never the
 * relay this computer hosts itself (it has no downloads folder), never a relay over plain ws:// (an update
 * must not ride an unauthenticated connection). With none of these, electron-updater keeps the feed the
 * installer was built with (electron-builder.yml `publish`, CLINIC_UPDATE_URL at build time).
 *
 * When: at start, when the feed changes, every few hours, and when a call ends; never while one is under
 * way. A check wanted during a call waits for its end; a download running when one begins is cancelled (the
 * call needs the bandwidth) and starts over after it. Once an update is downloaded nothing more is checked:
 * it installs when the app quits, or when the person restarts for it (the page offers that only when no
 * consultation is open: renderer/features/updates/update-notice.ts).
 *
 * Holding a version is the feed's business, not the app's: desks move to the version the relay's
 * latest*.yml names when it is newer than theirs, and never go back (no downgrade). IT holds every desk at
 * a version by leaving that version's latest*.yml in the downloads folder (README, "Releases for IT").
 */

import type { UpdateStatus } from '../contract/bridge';

/** electron-updater's generic provider, as `setFeedURL` takes it. */
export interface GenericFeed {
  provider: 'generic';
  url: string;
}

/** The relay's update feed: https://host[:port]/downloads/ for a wss:// relay address; null for anything else. */
export function feedFromRelay(relayUrl: string): GenericFeed | null {
  let url: URL;
  try {
    url = new URL(relayUrl);
  } catch {
    return null;
  }
  if (url.protocol !== 'wss:' || url.hostname === '' || url.username !== '' || url.password !== '') return null;
  return { provider: 'generic', url: `https://${url.host}/downloads/` };
}

/** The feed this app follows (see above); null leaves electron-updater on the feed the build names. */
export function updateFeed(settingsRelayUrl: string | null, machineRelayUrl: string | undefined): GenericFeed | null {
  if (settingsRelayUrl) return feedFromRelay(settingsRelayUrl);
  return machineRelayUrl ? feedFromRelay(machineRelayUrl) : null;
}

export interface ScheduleTimes {
  /** A desk left open looks again after this long. */
  intervalMs: number;
  /** A call's end looks again, but not sooner than this after the last look (calls back to back). */
  afterCallMs: number;
}

export const SCHEDULE_TIMES: ScheduleTimes = { intervalMs: 4 * 3600_000, afterCallMs: 10 * 60_000 };

export type UpdateWork = 'idle' | 'checking' | 'downloading' | 'downloaded';

export interface ScheduleState {
  work: UpdateWork;
  inCall: boolean;
  /** A check was wanted (or a download cancelled) during a call: it happens when the call ends. */
  owed: boolean;
  /** When the last check began (ms); null before the first. */
  lastCheckAt: number | null;
  /** The update's version, from the check that found it. */
  version: string | null;
  /** Download progress, 0 to 100. */
  percent: number | null;
}

export const INITIAL_SCHEDULE: ScheduleState = {
  work: 'idle',
  inCall: false,
  owed: false,
  lastCheckAt: null,
  version: null,
  percent: null,
};

export type ScheduleEvent =
  | { type: 'started'; at: number }
  | { type: 'tick'; at: number }
  | { type: 'feed-changed'; at: number }
  | { type: 'call'; inCall: boolean; at: number }
  | { type: 'checked'; version: string | null }
  | { type: 'progress'; percent: number }
  | { type: 'downloaded' }
  | { type: 'cancelled'; at: number }
  | { type: 'failed' };

export type ScheduleAction = 'check' | 'download' | 'cancel-download';

export interface ScheduleStep {
  state: ScheduleState;
  actions: ScheduleAction[];
}

/** The next state and what to do, for one event. */
export function schedule(state: ScheduleState, event: ScheduleEvent, times: ScheduleTimes = SCHEDULE_TIMES): ScheduleStep {
  switch (event.type) {
    case 'started':
    case 'feed-changed':
      return wantCheck(state, event.at, 0);
    case 'tick':
      return wantCheck(state, event.at, times.intervalMs);
    case 'call': {
      if (event.inCall === state.inCall) return { state, actions: [] };
      if (event.inCall) {
        // The download stops for the call; its cancellation (below) owes a new look after it.
        return { state: { ...state, inCall: true }, actions: state.work === 'downloading' ? ['cancel-download'] : [] };
      }
      const ended = { ...state, inCall: false, owed: false };
      return wantCheck(ended, event.at, state.owed ? 0 : times.afterCallMs);
    }
    case 'checked':
      if (state.work !== 'checking') return { state, actions: [] };
      if (event.version === null) return { state: { ...state, work: 'idle' }, actions: [] };
      // Found during a call (the check began just before it): fetched after the call instead.
      if (state.inCall) return { state: { ...state, work: 'idle', owed: true }, actions: [] };
      return { state: { ...state, work: 'downloading', version: event.version, percent: 0 }, actions: ['download'] };
    case 'progress':
      if (state.work !== 'downloading') return { state, actions: [] };
      return { state: { ...state, percent: Math.min(100, Math.max(0, event.percent)) }, actions: [] };
    case 'downloaded':
      if (state.work !== 'downloading') return { state, actions: [] };
      return { state: { ...state, work: 'downloaded', percent: 100 }, actions: [] };
    case 'cancelled': {
      if (state.work !== 'downloading') return { state, actions: [] };
      // Owed after the call; or, when the call was over before the download stopped, looked for again now.
      return wantCheck({ ...state, work: 'idle', percent: null }, event.at, 0);
    }
    case 'failed':
      if (state.work !== 'checking' && state.work !== 'downloading') return { state, actions: [] };
      return { state: { ...state, work: 'idle', percent: null }, actions: [] };
  }
}

/** A check, unless one is under way, an update already waits, a call is on, or the last was too recent. */
function wantCheck(state: ScheduleState, at: number, minGapMs: number): ScheduleStep {
  if (state.work !== 'idle') return { state, actions: [] };
  if (state.inCall) return { state: { ...state, owed: true }, actions: [] };
  if (minGapMs > 0 && state.lastCheckAt !== null && at - state.lastCheckAt < minGapMs) return { state, actions: [] };
  return { state: { ...state, work: 'checking', lastCheckAt: at }, actions: ['check'] };
}

/** Restarting into the update: only with one downloaded, and never during a call. */
export function mayRestart(state: ScheduleState): boolean {
  return state.work === 'downloaded' && !state.inCall;
}

/** What the page shows; `enabled` false: this app does not update itself. */
export function updateStatus(state: ScheduleState, enabled: boolean): UpdateStatus {
  if (!enabled) return { state: 'off', version: null, percent: null, waitingForCall: false };
  const showsVersion = state.work === 'downloading' || state.work === 'downloaded';
  return {
    state: state.work,
    version: showsVersion ? state.version : null,
    percent: state.work === 'downloading' ? Math.floor(state.percent ?? 0) : null,
    waitingForCall: state.owed,
  };
}
