/**
 * The IPC contract between the Electron main process and the preload bridge.
 *
 * Each invoke channel is named once here, with its argument tuple and its response type. Main registers a
 * handler for every channel (and validates arguments at runtime, main/ipc-schemas.ts); the preload calls
 * channels through `IpcChannel`. No channel name is written as a bare string anywhere else. Type-only
 * imports: the sandboxed preload bundles this file and stays free of zod.
 */
import type {
  AppInfo,
  ArrivalNotice,
  DiagnosticsSaveResult,
  DiscoveredRelay,
  HostedRelayStatus,
  JoinLink,
  MediaAccessStatus,
  NotificationPermissionState,
  RelayTrustRequest,
  ScreenPickRequest,
  Settings,
  SettingsLoadResult,
  UpdateStatus,
} from './bridge';

/** Renderer -> main request/response channels (`ipcRenderer.invoke` / `ipcMain.handle`). */
export const IpcChannel = {
  getAppInfo: 'clinic:app:get-info',
  getDefaultRelayUrl: 'clinic:relay:get-default-url',
  discoverRelays: 'clinic:relay:discover',
  loadSettings: 'clinic:settings:load',
  saveSettings: 'clinic:settings:save',
  getMediaAccess: 'clinic:media:get-access',
  requestMediaAccess: 'clinic:media:request-access',
  openExternal: 'clinic:shell:open-external',
  takePendingJoinLinks: 'clinic:join-link:take-pending',
  hostedRelayStart: 'clinic:hosted-relay:start',
  hostedRelayStop: 'clinic:hosted-relay:stop',
  hostedRelayStatus: 'clinic:hosted-relay:status',
  hostedRelayHostEnrollment: 'clinic:hosted-relay:host-enrollment',
  saveDiagnostics: 'clinic:diagnostics:save',
  pendingRelayTrust: 'clinic:relay-trust:pending',
  answerRelayTrust: 'clinic:relay-trust:answer',
  updateStatus: 'clinic:updates:status',
  updateInCall: 'clinic:updates:in-call',
  updateRestart: 'clinic:updates:restart',
  arrivalsPermission: 'clinic:arrivals:permission',
  arrivalsNotify: 'clinic:arrivals:notify',
  arrivalsBadge: 'clinic:arrivals:badge',
  pendingScreenPicks: 'clinic:screen-share:pending',
  answerScreenPick: 'clinic:screen-share:answer',
} as const;
export type InvokeChannel = (typeof IpcChannel)[keyof typeof IpcChannel];

/** Main -> renderer pushes (`webContents.send` / `ipcRenderer.on`). */
export const IpcEvent = {
  joinLink: 'clinic:join-link:arrived',
  relayTrustRequest: 'clinic:relay-trust:request',
  updateStatus: 'clinic:updates:changed',
  screenPickRequest: 'clinic:screen-share:pick',
} as const;
export type EventChannel = (typeof IpcEvent)[keyof typeof IpcEvent];

/** What each channel takes. Main validates every call against `main/ipc-schemas.ts`, which is type-checked
 * against this map, so the runtime check and these types cannot drift apart. */
export interface InvokeRequests {
  [IpcChannel.getAppInfo]: [];
  [IpcChannel.getDefaultRelayUrl]: [];
  [IpcChannel.discoverRelays]: [];
  [IpcChannel.loadSettings]: [];
  [IpcChannel.saveSettings]: [settings: Settings];
  [IpcChannel.getMediaAccess]: [];
  [IpcChannel.requestMediaAccess]: [];
  [IpcChannel.openExternal]: [url: string];
  [IpcChannel.takePendingJoinLinks]: [];
  /** 0 lets the OS choose a free port (reported back in the status). */
  [IpcChannel.hostedRelayStart]: [port: number];
  [IpcChannel.hostedRelayStop]: [];
  [IpcChannel.hostedRelayStatus]: [];
  [IpcChannel.hostedRelayHostEnrollment]: [];
  /** The report as JSON text; main asks the person where to save it. */
  [IpcChannel.saveDiagnostics]: [json: string];
  [IpcChannel.pendingRelayTrust]: [];
  /** A pending request's id and the person's answer (true: Trust). */
  [IpcChannel.answerRelayTrust]: [id: string, trust: boolean];
  [IpcChannel.updateStatus]: [];
  /** True while a consultation is under way (no update check or download then). */
  [IpcChannel.updateInCall]: [inCall: boolean];
  [IpcChannel.updateRestart]: [];
  [IpcChannel.arrivalsPermission]: [];
  [IpcChannel.arrivalsNotify]: [notice: ArrivalNotice];
  /** Patients waiting (0 clears the badge). */
  [IpcChannel.arrivalsBadge]: [count: number];
  [IpcChannel.pendingScreenPicks]: [];
  /** A pending pick's id and the chosen source's id, or null: cancelled. */
  [IpcChannel.answerScreenPick]: [id: string, sourceId: string | null];
}

/** What each channel resolves to. */
export interface InvokeResponses {
  [IpcChannel.getAppInfo]: AppInfo;
  [IpcChannel.getDefaultRelayUrl]: string;
  [IpcChannel.discoverRelays]: DiscoveredRelay[];
  [IpcChannel.loadSettings]: SettingsLoadResult;
  [IpcChannel.saveSettings]: undefined;
  [IpcChannel.getMediaAccess]: MediaAccessStatus;
  [IpcChannel.requestMediaAccess]: MediaAccessStatus;
  [IpcChannel.openExternal]: undefined;
  [IpcChannel.takePendingJoinLinks]: JoinLink[];
  [IpcChannel.hostedRelayStart]: HostedRelayStatus;
  [IpcChannel.hostedRelayStop]: HostedRelayStatus;
  [IpcChannel.hostedRelayStatus]: HostedRelayStatus;
  [IpcChannel.hostedRelayHostEnrollment]: string | null;
  [IpcChannel.saveDiagnostics]: DiagnosticsSaveResult;
  [IpcChannel.pendingRelayTrust]: RelayTrustRequest[];
  /** False when main was not waiting on that id (unknown, or answered already). */
  [IpcChannel.answerRelayTrust]: boolean;
  [IpcChannel.updateStatus]: UpdateStatus;
  [IpcChannel.updateInCall]: undefined;
  /** False when no update is downloaded, or a consultation is under way: nothing happens then. */
  [IpcChannel.updateRestart]: boolean;
  [IpcChannel.arrivalsPermission]: NotificationPermissionState;
  /** False when the OS has no notifications to show it with. */
  [IpcChannel.arrivalsNotify]: boolean;
  [IpcChannel.arrivalsBadge]: undefined;
  [IpcChannel.pendingScreenPicks]: ScreenPickRequest[];
  /** False when main was not waiting on that id, or the source is not one it offered. */
  [IpcChannel.answerScreenPick]: boolean;
}

export type InvokeRequest<C extends InvokeChannel> = InvokeRequests[C];
export type InvokeResponse<C extends InvokeChannel> = InvokeResponses[C];

/** Runtime shape check for pushed join links (the preload checks what it forwards to the page). */
export function isJoinLink(value: unknown): value is JoinLink {
  if (typeof value !== 'object' || value === null) return false;
  const { relayUrl, invite } = value as Record<string, unknown>;
  // An invite is its link's secret: 43 base64url characters (signaling/protocol.ts inviteSecret).
  return typeof relayUrl === 'string' && relayUrl.length <= 2048 && typeof invite === 'string' && /^[A-Za-z0-9_-]{43}$/.test(invite);
}

/** Runtime shape check for relay trust requests (the preload passes on only these fields). */
export function isRelayTrustRequest(value: unknown): value is RelayTrustRequest {
  if (typeof value !== 'object' || value === null) return false;
  const { id, host, port, fingerprint } = value as Record<string, unknown>;
  return (
    typeof id === 'string' &&
    id.length <= 64 &&
    typeof host === 'string' &&
    host.length <= 255 &&
    typeof port === 'number' &&
    Number.isInteger(port) &&
    port >= 1 &&
    port <= 65535 &&
    typeof fingerprint === 'string' &&
    /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(fingerprint)
  );
}

/** Runtime shape check for update statuses (the preload passes on only these fields). */
/** Bounds of a screen pick request (main/display-media.ts keeps to them; the preload checks them). */
export const MAX_SCREEN_SOURCES = 64;
export const MAX_SCREEN_SOURCE_NAME_LENGTH = 256;
/** A 320×180 JPEG is ~10–30 KB; anything far bigger is not one of main's thumbnails. */
export const MAX_SCREEN_THUMBNAIL_LENGTH = 400_000;

/** Runtime shape check for screen pick requests (the preload passes on only these fields). */
export function isScreenPickRequest(value: unknown): value is ScreenPickRequest {
  if (typeof value !== 'object' || value === null) return false;
  const { id, sources, blocked } = value as Record<string, unknown>;
  return (
    typeof id === 'string' &&
    id.length <= 64 &&
    (blocked === null || (typeof blocked === 'string' && blocked.length <= 1000)) &&
    Array.isArray(sources) &&
    sources.length <= MAX_SCREEN_SOURCES &&
    sources.every((source: unknown) => {
      if (typeof source !== 'object' || source === null) return false;
      const { id: sourceId, name, kind, thumbnail } = source as Record<string, unknown>;
      return (
        typeof sourceId === 'string' &&
        /^(screen|window):[\w:-]{1,64}$/.test(sourceId) &&
        typeof name === 'string' &&
        name.length <= MAX_SCREEN_SOURCE_NAME_LENGTH &&
        (kind === 'screen' || kind === 'window') &&
        typeof thumbnail === 'string' &&
        thumbnail.length <= MAX_SCREEN_THUMBNAIL_LENGTH &&
        (thumbnail === '' || thumbnail.startsWith('data:image/jpeg;base64,'))
      );
    })
  );
}

export function isUpdateStatus(value: unknown): value is UpdateStatus {
  if (typeof value !== 'object' || value === null) return false;
  const { state, version, percent, waitingForCall } = value as Record<string, unknown>;
  return (
    typeof state === 'string' &&
    ['off', 'idle', 'checking', 'downloading', 'downloaded'].includes(state) &&
    (version === null || (typeof version === 'string' && version.length <= 64)) &&
    (percent === null || (typeof percent === 'number' && percent >= 0 && percent <= 100)) &&
    typeof waitingForCall === 'boolean'
  );
}

/** Payload of each main -> renderer event. */
export interface EventPayloads {
  [IpcEvent.joinLink]: JoinLink;
  [IpcEvent.relayTrustRequest]: RelayTrustRequest;
  [IpcEvent.updateStatus]: UpdateStatus;
  [IpcEvent.screenPickRequest]: ScreenPickRequest;
}

/** The implementation main supplies for every invoke channel (arguments already validated). */
export type InvokeHandlers = {
  [C in InvokeChannel]: (...args: InvokeRequest<C>) => Promise<InvokeResponse<C>> | InvokeResponse<C>;
};

/** Stable codes of IPC refusals; they appear in the rejected promise's message as `[CODE]`. */
export const IpcErrorCode = {
  UNTRUSTED_SENDER: 'IPC_UNTRUSTED_SENDER',
  BAD_ARGUMENTS: 'IPC_BAD_ARGUMENTS',
} as const;
export type IpcErrorCode = (typeof IpcErrorCode)[keyof typeof IpcErrorCode];

export const INVOKE_CHANNELS: readonly InvokeChannel[] = Object.values(IpcChannel);
export const EVENT_CHANNELS: readonly EventChannel[] = Object.values(IpcEvent);
