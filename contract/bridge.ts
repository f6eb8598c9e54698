/**
 * The one interface between the renderer and its host.
 *
 * The renderer talks to the outside world only through `ClinicBridge`. Two implementations satisfy it:
 * the Electron preload (`window.clinic`, backed by IPC channels in `ipc.ts`) and the browser bridge
 * (`renderer/bridge/browser-bridge.ts`, backed by the page's origin and localStorage).
 */
import { z } from 'zod';

/** How the clinician hears of patients arriving (renderer/features/clinician/arrivals*). */
export const arrivalSettingsSchema = z.object({
  /** A short chime when a patient arrives. */
  sound: z.boolean(),
  /** An OS notification when a patient arrives while the app is not in front (asked for only when turned on). */
  notifications: z.boolean(),
  /** Patients' names in those notifications, which show on lock screens: only when the clinician allows it. */
  showNames: z.boolean(),
});
export type ArrivalSettings = z.infer<typeof arrivalSettingsSchema>;
export const DEFAULT_ARRIVAL_SETTINGS: ArrivalSettings = { sound: true, notifications: false, showNames: false };

export const settingsSchema = z.object({
  /** ws:// or wss:// address of the signaling relay; null = the host's default. */
  relayUrl: z
    .string()
    .url()
    .refine((u) => /^wss?:\/\//.test(u), 'relay address must start with ws:// or wss://')
    .nullable(),
  displayName: z.string().trim().max(60),
  cameraId: z.string().max(256).nullable(),
  microphoneId: z.string().max(256).nullable(),
  speakerId: z.string().max(256).nullable(),
  /** Absent in files and pages saved before it existed: DEFAULT_ARRIVAL_SETTINGS then. */
  arrivals: arrivalSettingsSchema.optional(),
});
export type Settings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = {
  relayUrl: null,
  displayName: '',
  cameraId: null,
  microphoneId: null,
  speakerId: null,
};

export interface SettingsLoadResult {
  settings: Settings;
  /** Set when the stored settings were unreadable and defaults were used instead. */
  warning: string | null;
}

export interface AppInfo {
  host: 'electron' | 'browser';
  appVersion: string;
  platform: string;
  /** Chromium version of the renderer, for diagnostics exports. */
  chromeVersion: string | null;
}

/** OS-level camera/microphone permission, as reported by the host (Electron on macOS/Windows). */
export type MediaAccessState = 'granted' | 'denied' | 'not-determined' | 'restricted' | 'unknown';
export interface MediaAccessStatus {
  camera: MediaAccessState;
  microphone: MediaAccessState;
  /** Where the user can change a denial, in words for people (e.g. "System Settings > Privacy & Security > Camera"). */
  fixHint: string | null;
}

/** A consultation link opened from outside the app (clinic-consult://join?relay=…&code=…). */
export interface JoinLink {
  relayUrl: string;
  /** The invite's secret: the patient's own single-use way in (signaling/protocol.ts `join`). */
  invite: string;
  /** SHA-256 fingerprint of a relay's self-signed certificate (a clinician's bundled relay), pinned for its host once confirmed. */
  certificateFingerprint?: string | null;
}

/**
 * Main asks the person before trusting a consultation link's self-signed relay certificate for the first
 * time (desktop only). The certificate is trusted for this host only, and only after Trust.
 */
export interface RelayTrustRequest {
  /** Made by main; an answer counts only for a request main is still waiting on. */
  id: string;
  /** Lowercase host name or address (IPv6 in brackets). */
  host: string;
  port: number;
  /** SHA-256 of the certificate, "AB:CD:…". */
  fingerprint: string;
}

export interface HostedRelayStatus {
  running: boolean;
  port: number | null;
  /** ws:// addresses on the computer's LAN interfaces that patients' apps can use. */
  lanUrls: string[];
  /** SHA-256 fingerprint of the bundled relay's certificate, for consultation links (`fp=`). */
  certificateFingerprint: string | null;
  error: string | null;
}

/** A relay announcing itself on the local network (mDNS `_clinic-consult._tcp`), as the desktop app found it. */
export interface DiscoveredRelay {
  /** What the relay calls itself, e.g. "Clinic Consult relay on relay-01". */
  name: string;
  /** Its wss:// address, for the connection settings. */
  url: string;
}

export type Unsubscribe = () => void;

/** Where an exported diagnostics report went. The browser downloads it: saved, but no path is known. */
export interface DiagnosticsSaveResult {
  saved: boolean;
  path: string | null;
}

/** Reports are a few hundred KB; anything near this is not one of ours. */
export const MAX_DIAGNOSTICS_JSON_LENGTH = 5_000_000;

/** A file name that sorts by time and says nothing about who was in the call. */
export function diagnosticsFileName(at: Date): string {
  return `clinic-consult-diagnostics-${at.toISOString().replace(/[:.]/g, '-')}.json`;
}

/**
 * The desktop app's update from the clinic's relay (main/updates.ts), as the page shows it. `off`: this app
 * does not update itself (not an installed build); `idle`: nothing to show.
 */
export interface UpdateStatus {
  state: 'off' | 'idle' | 'checking' | 'downloading' | 'downloaded';
  /** The version being downloaded, or downloaded and waiting to be installed. */
  version: string | null;
  /** Download progress, 0 to 100 (while downloading). */
  percent: number | null;
  /** A check or a download waits for the consultation to end (never during one). */
  waitingForCall: boolean;
}

/** Updates of the desktop app (main/updates.ts). Absent where the host does not update itself (a browser). */
export interface UpdatesBridge {
  /** The current status at once, then each change. */
  onStatus(listener: (status: UpdateStatus) => void): Unsubscribe;
  /** Whether a call is under way (connecting, connected, restarting): main neither checks nor downloads during one. */
  setInCall(inCall: boolean): Promise<void>;
  /** Quits and installs a downloaded update. False (and nothing happens) without one, or during a call. */
  restart(): Promise<boolean>;
}

/** Whether the host may show OS notifications: 'default' means not asked yet (a browser asks the person). */
export type NotificationPermissionState = 'granted' | 'denied' | 'default' | 'unsupported';

/** One OS notification about the waiting room. The page words it: names only when the clinician allows them. */
export interface ArrivalNotice {
  title: string;
  body: string;
}
export const MAX_NOTICE_TITLE_LENGTH = 120;
export const MAX_NOTICE_BODY_LENGTH = 400;
export const MAX_BADGE_COUNT = 9999;

/** Telling the clinician of arrivals outside the page: OS notifications and the app icon's badge. */
export interface ArrivalsBridge {
  permission(): Promise<NotificationPermissionState>;
  /** Asks the person where the host has such a prompt (a browser); only when the clinician turns notifications on. */
  requestPermission(): Promise<NotificationPermissionState>;
  /** Shows one notification in place of the previous one; a click brings the app to the front. False: not shown. */
  notify(notice: ArrivalNotice): Promise<boolean>;
  /** How many patients wait, on the app's icon where the OS has a badge (0 clears it). */
  setBadge(count: number): Promise<void>;
}

/** One screen or window the desktop app can share (main/display-media.ts), as its in-app picker shows it. */
export interface ScreenSource {
  /** desktopCapturer's id: `screen:…` or `window:…`. */
  id: string;
  /** "Entire screen", "Screen 2", or the window's title. */
  name: string;
  kind: 'screen' | 'window';
  /** A small picture of it (a data:image/jpeg URL), or '' when the OS gave none. */
  thumbnail: string;
}

/**
 * Main asks the page which screen or window to share: the page's getDisplayMedia is waiting on the answer. Main
 * makes every request and keeps its id; an answer counts only for a pending request and one of its sources.
 */
export interface ScreenPickRequest {
  id: string;
  sources: ScreenSource[];
  /** The OS does not let the app record the screen (macOS): what to do, in words for people; no sources then. */
  blocked: string | null;
}

/** The desktop app's screen picker (a browser has its own). */
export interface ScreenShareBridge {
  /** Pick requests: every unanswered one when the listener subscribes, then each new one. */
  onPickRequest(listener: (request: ScreenPickRequest) => void): Unsubscribe;
  /** The person's choice (one of the request's source ids), or null: cancelled. False when main was not waiting on it. */
  answerPick(id: string, sourceId: string | null): Promise<boolean>;
}

export interface ClinicBridge {
  getAppInfo(): Promise<AppInfo>;
  /** The relay this host points at when settings name none (browser: the page's own origin). */
  getDefaultRelayUrl(): Promise<string>;
  loadSettings(): Promise<SettingsLoadResult>;
  saveSettings(settings: Settings): Promise<void>;
  getMediaAccess(): Promise<MediaAccessStatus>;
  /** Asks the OS for camera/microphone access where the OS has such a prompt (macOS). */
  requestMediaAccess(): Promise<MediaAccessStatus>;
  /** Relays announcing themselves on this network; always empty in a browser (it cannot listen for them). */
  discoverRelays(): Promise<DiscoveredRelay[]>;
  /** Opens an https link in the user's browser; other schemes are refused. */
  openExternal(url: string): Promise<void>;
  /**
   * Saves an exported diagnostics report (JSON text): the desktop app asks where with a save dialog; the
   * browser downloads it. Resolves `saved: false` when the person cancelled.
   */
  saveDiagnostics(json: string): Promise<DiagnosticsSaveResult>;
  /** Join links delivered to the running app. The browser host delivers the page's own `?code=` once. */
  onJoinLink(listener: (link: JoinLink) => void): Unsubscribe;
  /**
   * Requests to trust a link's relay (see RelayTrustRequest). The listener gets every unanswered request
   * when it subscribes and each new one as it comes; the same request (same id) may come more than once.
   * The browser host never asks: a browser does its own certificate checks and the page cannot pin.
   */
  onRelayTrustRequest(listener: (request: RelayTrustRequest) => void): Unsubscribe;
  /**
   * The person's answer: Trust (true) or Cancel (false). Resolves true when main was waiting on that
   * request, false otherwise (unknown or already answered id; always false in the browser).
   */
  answerRelayTrust(id: string, trust: boolean): Promise<boolean>;
  /** The relay bundled in the desktop app ("Host a relay on this computer"); the browser host cannot. */
  hostedRelay: {
    supported: boolean;
    start(port: number): Promise<HostedRelayStatus>;
    stop(): Promise<HostedRelayStatus>;
    status(): Promise<HostedRelayStatus>;
    /**
     * A one-time enrollment code that makes this computer's user staff of the relay it hosts (there is no IT
     * to enroll them): the app redeems it at once with a device key of its own. Null while no relay runs.
     */
    hostEnrollment(): Promise<string | null>;
  };
  /** The desktop app's own updates; absent in a browser, which has nothing to update. */
  updates?: UpdatesBridge;
  /** OS notifications and badge for arrivals; a host without them leaves the page's own chime and title. */
  arrivals?: ArrivalsBridge;
  /** The desktop app's screen picker; absent in a browser, whose getDisplayMedia shows its own. */
  screenShare?: ScreenShareBridge;
}
