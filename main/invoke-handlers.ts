/**
 * What each IPC channel does, built from the main process's services. Kept apart from Electron so the
 * handlers are tested with fakes; index.ts hands in the real services.
 */
import {
  type AppInfo,
  type DiscoveredRelay,
  diagnosticsFileName,
  type JoinLink,
  type MediaAccessStatus,
  type Settings,
  type SettingsLoadResult,
  type UpdateStatus,
} from '../contract/bridge';
import { type InvokeHandlers, IpcChannel } from '../contract/ipc';
import { checkDiagnosticsJson, writeDiagnosticsFile } from './diagnostics-file';
import type { ScreenPicks } from './display-media';
import type { HostedRelay } from './hosted-relay';
import { isSafeExternalUrl } from './navigation';
import type { ArrivalNotifier } from './notifications';
import type { RelayTrustRequests } from './relay-trust';

export interface MainServices {
  appInfo: () => AppInfo;
  defaultRelayUrl: () => string;
  /** Relays announcing themselves on the LAN (main/relay-discovery.ts). */
  discoverRelays: () => Promise<DiscoveredRelay[]>;
  settings: { load(): Promise<SettingsLoadResult>; save(settings: Settings): Promise<void> };
  /** Called after settings are saved (the CSP may need the new relay). */
  onSettingsSaved: (settings: Settings) => void;
  mediaAccess: { read(): MediaAccessStatus; request(): Promise<MediaAccessStatus> };
  /** Electron's shell.openExternal; only ever given vetted https URLs. */
  openExternal: (url: string) => Promise<void>;
  takePendingJoinLinks: () => JoinLink[];
  /** Main's requests to trust a link's relay (main/relay-trust.ts): the page only answers them. */
  relayTrust: Pick<RelayTrustRequests, 'pending' | 'answer'>;
  hostedRelay: Pick<HostedRelay, 'start' | 'stop' | 'status' | 'hostEnrollment'>;
  /** Electron's save dialog: the path the person chose for `suggestedName`, or null when they cancelled. */
  chooseDiagnosticsPath: (suggestedName: string) => Promise<string | null>;
  /** The app's own updates (main/updates.ts); absent where it does not update itself (not an installed build). */
  updates?: { status(): UpdateStatus; setInCall(inCall: boolean): void; restart(): boolean };
  /** Arrival notifications and the icon's badge (main/notifications.ts); absent: none (the page still chimes). */
  arrivals?: Pick<ArrivalNotifier, 'permission' | 'notify' | 'badge'>;
  /** Main's screen pick requests (main/display-media.ts): the page only answers them. Absent: none are made. */
  screenPicks?: Pick<ScreenPicks, 'pending' | 'answer'>;
  now?: () => Date;
}

const UPDATES_OFF: UpdateStatus = { state: 'off', version: null, percent: null, waitingForCall: false };

export class ExternalLinkRefused extends Error {
  readonly code = 'EXTERNAL_LINK_REFUSED';
  constructor() {
    super('[EXTERNAL_LINK_REFUSED] only https links without credentials can be opened');
    this.name = 'ExternalLinkRefused';
  }
}

export function createInvokeHandlers(services: MainServices): InvokeHandlers {
  return {
    [IpcChannel.getAppInfo]: () => services.appInfo(),
    [IpcChannel.getDefaultRelayUrl]: () => services.defaultRelayUrl(),
    [IpcChannel.discoverRelays]: () => services.discoverRelays(),
    [IpcChannel.loadSettings]: () => services.settings.load(),
    [IpcChannel.saveSettings]: async (settings) => {
      await services.settings.save(settings);
      services.onSettingsSaved(settings);
    },
    [IpcChannel.getMediaAccess]: () => services.mediaAccess.read(),
    [IpcChannel.requestMediaAccess]: () => services.mediaAccess.request(),
    [IpcChannel.openExternal]: async (url) => {
      if (!isSafeExternalUrl(url)) throw new ExternalLinkRefused();
      // Allowed (eng-disable below): the url passed isSafeExternalUrl just above, so it is https with no credentials.
      await services.openExternal(url); // eng-disable OPEN_EXTERNAL_JS_CHECK
    },
    [IpcChannel.takePendingJoinLinks]: () => services.takePendingJoinLinks(),
    [IpcChannel.pendingRelayTrust]: () => services.relayTrust.pending(),
    [IpcChannel.answerRelayTrust]: (id, trust) => services.relayTrust.answer(id, trust),
    // The hosted relay is reached on loopback, which the CSP always allows: starting it needs no reload.
    [IpcChannel.hostedRelayStart]: (port) => services.hostedRelay.start(port),
    [IpcChannel.hostedRelayStop]: () => services.hostedRelay.stop(),
    [IpcChannel.hostedRelayStatus]: () => services.hostedRelay.status(),
    [IpcChannel.hostedRelayHostEnrollment]: () => services.hostedRelay.hostEnrollment(),
    [IpcChannel.saveDiagnostics]: async (json) => {
      checkDiagnosticsJson(json); // refuse before asking the person anything
      const chosen = await services.chooseDiagnosticsPath(diagnosticsFileName(services.now?.() ?? new Date()));
      if (chosen === null) return { saved: false, path: null };
      return { saved: true, path: await writeDiagnosticsFile(chosen, json) };
    },
    [IpcChannel.updateStatus]: () => services.updates?.status() ?? UPDATES_OFF,
    [IpcChannel.updateInCall]: (inCall) => {
      services.updates?.setInCall(inCall);
      return undefined;
    },
    [IpcChannel.updateRestart]: () => services.updates?.restart() ?? false,
    [IpcChannel.arrivalsPermission]: () => services.arrivals?.permission() ?? 'unsupported',
    [IpcChannel.arrivalsNotify]: (notice) => services.arrivals?.notify(notice) ?? false,
    [IpcChannel.arrivalsBadge]: (count) => {
      services.arrivals?.badge(count);
      return undefined;
    },
    [IpcChannel.pendingScreenPicks]: () => services.screenPicks?.pending() ?? [],
    [IpcChannel.answerScreenPick]: (id, sourceId) => services.screenPicks?.answer(id, sourceId) ?? false,
  };
}
