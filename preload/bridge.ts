/**
 * The `window.clinic` bridge: the only API the renderer gets from the desktop host. Every method maps to one
 * contract channel; the renderer never sees `ipcRenderer` or an IPC event. No Electron import here (the
 * caller hands in `ipcRenderer`), so the bridge is tested with a fake.
 */
import type { ClinicBridge, JoinLink, RelayTrustRequest, ScreenPickRequest, Unsubscribe, UpdateStatus } from '../contract/bridge';
import {
  type InvokeChannel,
  type InvokeRequest,
  type InvokeResponse,
  IpcChannel,
  IpcEvent,
  isJoinLink,
  isRelayTrustRequest,
  isScreenPickRequest,
  isUpdateStatus,
} from '../contract/ipc';

/** The global name the renderer reads (`window.clinic`). */
export const BRIDGE_GLOBAL_NAME = 'clinic';

/** The part of Electron's `ipcRenderer` the bridge uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function createClinicBridge(ipc: IpcRendererLike) {
  function call<C extends InvokeChannel>(channel: C, ...args: InvokeRequest<C>): Promise<InvokeResponse<C>> {
    // The main process answers each channel with its contract type (see contract/ipc.ts).
    return ipc.invoke(channel, ...args) as Promise<InvokeResponse<C>>;
  }

  // Join links: one IPC listener for the page's lifetime; renderer listeners come and go (React effects
  // subscribe twice in development), so a link that arrives between two subscriptions is held, not lost.
  const listeners = new Set<(link: JoinLink) => void>();
  let held: JoinLink | null = null;
  let askedForPending = false;

  const dispatch = (link: JoinLink): void => {
    if (listeners.size === 0) {
      held = link;
      return;
    }
    for (const listener of listeners) listener(link);
  };

  ipc.on(IpcEvent.joinLink, (_event, payload) => {
    // Only the payload crosses into the page, and only in the contract's shape.
    if (isJoinLink(payload)) dispatch({ relayUrl: payload.relayUrl, invite: payload.invite });
  });

  const onJoinLink = (listener: (link: JoinLink) => void): Unsubscribe => {
    listeners.add(listener);
    if (held) {
      const link = held;
      held = null;
      queueMicrotask(() => dispatch(link));
    }
    if (!askedForPending) {
      askedForPending = true;
      call(IpcChannel.takePendingJoinLinks).then(
        (links) => links.forEach(dispatch),
        () => {
          askedForPending = false; // a refused take leaves the link in main; the next subscriber asks again
        },
      );
    }
    return () => {
      listeners.delete(listener);
    };
  };

  // Relay trust requests stay in main until answered, so nothing is held here: each subscriber asks main for
  // the unanswered ones, and pushes reach whoever listens. A request may arrive twice (same id).
  const trustListeners = new Set<(request: RelayTrustRequest) => void>();
  const trustRequest = (payload: RelayTrustRequest): RelayTrustRequest => ({
    id: payload.id,
    host: payload.host,
    port: payload.port,
    fingerprint: payload.fingerprint,
  });
  ipc.on(IpcEvent.relayTrustRequest, (_event, payload) => {
    if (!isRelayTrustRequest(payload)) return;
    for (const listener of trustListeners) listener(trustRequest(payload));
  });
  const onRelayTrustRequest = (listener: (request: RelayTrustRequest) => void): Unsubscribe => {
    trustListeners.add(listener);
    call(IpcChannel.pendingRelayTrust).then(
      (requests) => {
        for (const request of requests) if (trustListeners.has(listener) && isRelayTrustRequest(request)) listener(trustRequest(request));
      },
      () => {}, // refused: the next subscriber asks again
    );
    return () => {
      trustListeners.delete(listener);
    };
  };

  // Update statuses: each subscriber asks main for the current one, unless a push overtook that answer.
  const updateListeners = new Set<(status: UpdateStatus) => void>();
  let updatePushes = 0;
  const updateStatus = (payload: UpdateStatus): UpdateStatus => ({
    state: payload.state,
    version: payload.version,
    percent: payload.percent,
    waitingForCall: payload.waitingForCall,
  });
  ipc.on(IpcEvent.updateStatus, (_event, payload) => {
    if (!isUpdateStatus(payload)) return;
    updatePushes += 1;
    for (const listener of updateListeners) listener(updateStatus(payload));
  });
  const onUpdateStatus = (listener: (status: UpdateStatus) => void): Unsubscribe => {
    updateListeners.add(listener);
    const pushesBefore = updatePushes;
    call(IpcChannel.updateStatus).then(
      (status) => {
        if (updateListeners.has(listener) && updatePushes === pushesBefore && isUpdateStatus(status)) listener(updateStatus(status));
      },
      () => {}, // refused: the next push brings the status
    );
    return () => {
      updateListeners.delete(listener);
    };
  };

  // Screen pick requests stay in main until answered (like trust requests): each subscriber asks for the pending one.
  const pickListeners = new Set<(request: ScreenPickRequest) => void>();
  const pickRequest = (payload: ScreenPickRequest): ScreenPickRequest => ({
    id: payload.id,
    sources: payload.sources.map(({ id, name, kind, thumbnail }) => ({ id, name, kind, thumbnail })),
    blocked: payload.blocked,
  });
  ipc.on(IpcEvent.screenPickRequest, (_event, payload) => {
    if (!isScreenPickRequest(payload)) return;
    for (const listener of pickListeners) listener(pickRequest(payload));
  });
  const onPickRequest = (listener: (request: ScreenPickRequest) => void): Unsubscribe => {
    pickListeners.add(listener);
    call(IpcChannel.pendingScreenPicks).then(
      (requests) => {
        if (!Array.isArray(requests)) return; // only the contract's shape crosses into the page
        for (const request of requests) if (pickListeners.has(listener) && isScreenPickRequest(request)) listener(pickRequest(request));
      },
      () => {}, // refused: the next push brings it
    );
    return () => {
      pickListeners.delete(listener);
    };
  };

  return {
    getAppInfo: () => call(IpcChannel.getAppInfo),
    getDefaultRelayUrl: () => call(IpcChannel.getDefaultRelayUrl),
    discoverRelays: () => call(IpcChannel.discoverRelays),
    loadSettings: () => call(IpcChannel.loadSettings),
    saveSettings: (settings) => call(IpcChannel.saveSettings, settings),
    getMediaAccess: () => call(IpcChannel.getMediaAccess),
    requestMediaAccess: () => call(IpcChannel.requestMediaAccess),
    openExternal: (url) => call(IpcChannel.openExternal, url),
    saveDiagnostics: (json) => call(IpcChannel.saveDiagnostics, json),
    onJoinLink,
    onRelayTrustRequest,
    answerRelayTrust: (id, trust) => call(IpcChannel.answerRelayTrust, id, trust),
    hostedRelay: {
      supported: true,
      start: (port) => call(IpcChannel.hostedRelayStart, port),
      stop: () => call(IpcChannel.hostedRelayStop),
      status: () => call(IpcChannel.hostedRelayStatus),
      hostEnrollment: () => call(IpcChannel.hostedRelayHostEnrollment),
    },
    arrivals: {
      permission: () => call(IpcChannel.arrivalsPermission),
      // No prompt in the desktop app: the OS decides, so asking is reading.
      requestPermission: () => call(IpcChannel.arrivalsPermission),
      notify: (notice) => call(IpcChannel.arrivalsNotify, { title: notice.title, body: notice.body }),
      setBadge: (count) => call(IpcChannel.arrivalsBadge, count),
    },
    updates: {
      onStatus: onUpdateStatus,
      setInCall: (inCall) => call(IpcChannel.updateInCall, inCall),
      restart: () => call(IpcChannel.updateRestart),
    },
    screenShare: {
      onPickRequest,
      answerPick: (id, sourceId) => call(IpcChannel.answerScreenPick, id, sourceId),
    },
  } satisfies ClinicBridge;
}

/** The exposed object's type; the renderer may import this type (never the module). */
export type ClinicPreloadBridge = ReturnType<typeof createClinicBridge>;
