import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClinicBridge, JoinLink, RelayTrustRequest, UpdateStatus } from '../../contract/bridge';
import { DEFAULT_SETTINGS } from '../../contract/bridge';
import { INVOKE_CHANNELS, IpcChannel, IpcEvent } from '../../contract/ipc';
import type { ClinicPreloadBridge } from '../../preload/index';

/** A fake ipcRenderer that records invokes and lets the test push events. */
const fake = vi.hoisted(() => {
  const listeners = new Map<string, ((event: unknown, ...args: unknown[]) => void)[]>();
  const pending: { links: unknown[]; trust: unknown[] } = { links: [], trust: [] };
  const ipcRenderer = {
    invoke: vi.fn(async (channel: string, ...args: unknown[]): Promise<unknown> => {
      if (channel === 'clinic:join-link:take-pending') {
        const links = pending.links;
        pending.links = [];
        return links;
      }
      if (channel === 'clinic:relay-trust:pending') return pending.trust; // main keeps them until answered
      return { channel, args };
    }),
    on: vi.fn((channel: string, listener: (event: unknown, ...args: unknown[]) => void) => {
      listeners.set(channel, [...(listeners.get(channel) ?? []), listener]);
      return ipcRenderer;
    }),
    send: vi.fn(),
    sendSync: vi.fn(),
  };
  const exposed = new Map<string, unknown>();
  const contextBridge = { exposeInMainWorld: vi.fn((name: string, api: unknown) => void exposed.set(name, api)) };
  const emit = (channel: string, payload: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener({ sender: ipcRenderer, senderId: 0, ports: [] }, payload);
  };
  return { ipcRenderer, contextBridge, exposed, emit, pending, listeners };
});
vi.mock('electron', () => ({ contextBridge: fake.contextBridge, ipcRenderer: fake.ipcRenderer }));

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// Compile-time: the preload's object has exactly the renderer interface's members, and satisfies it.
const sameKeys: Equal<keyof ClinicPreloadBridge, keyof ClinicBridge> = true;
const sameRelayKeys: Equal<keyof ClinicPreloadBridge['hostedRelay'], keyof ClinicBridge['hostedRelay']> = true;
const assignable: ClinicBridge = {} as ClinicPreloadBridge;

async function loadPreload(): Promise<ClinicBridge> {
  vi.resetModules();
  fake.exposed.clear();
  fake.listeners.clear();
  fake.pending.links = [];
  fake.pending.trust = [];
  vi.clearAllMocks();
  await import('../../preload/index');
  return fake.exposed.get('clinic') as ClinicBridge;
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const link: JoinLink = { relayUrl: 'ws://10.0.0.2:8787/ws', invite: 'k3Q9vX2mP7wR4tY8uB1nC6dF0gH5jL2aS9eW3zV7xQ1' };
const trustRequest: RelayTrustRequest = {
  id: '2f1c9a4e-7b7d-4c1e-9f5a-0d6e2b1a3c4d',
  host: '192.168.1.5',
  port: 8787,
  fingerprint: Array(32).fill('AB').join(':'),
};

describe('preload', () => {
  let bridge: ClinicBridge;
  beforeEach(async () => {
    bridge = await loadPreload();
  });

  it('exposes one object, as window.clinic, and nothing else', () => {
    expect(sameKeys && sameRelayKeys && Boolean(assignable)).toBe(true);
    expect(fake.contextBridge.exposeInMainWorld).toHaveBeenCalledTimes(1);
    expect([...fake.exposed.keys()]).toEqual(['clinic']);
    expect(Object.keys(bridge).sort()).toEqual(
      [
        'getAppInfo',
        'getDefaultRelayUrl',
        'discoverRelays',
        'loadSettings',
        'saveSettings',
        'getMediaAccess',
        'requestMediaAccess',
        'openExternal',
        'saveDiagnostics',
        'onJoinLink',
        'onRelayTrustRequest',
        'answerRelayTrust',
        'hostedRelay',
        'updates',
        'arrivals',
        'screenShare',
      ].sort(),
    );
    expect(Object.keys(bridge.hostedRelay).sort()).toEqual(['hostEnrollment', 'start', 'status', 'stop', 'supported']);
    expect(bridge.hostedRelay.supported).toBe(true);
  });

  it('never hands out ipcRenderer or anything with its methods', () => {
    const values = [...Object.values(bridge), ...Object.values(bridge.hostedRelay)];
    for (const value of values) {
      expect(value).not.toBe(fake.ipcRenderer);
      expect(['function', 'object', 'boolean']).toContain(typeof value);
      if (typeof value === 'object' && value !== null) {
        for (const key of ['invoke', 'send', 'sendSync', 'on', 'postMessage']) expect(key in value).toBe(false);
      }
    }
  });

  it('maps every method to its contract channel, covering every channel exactly', async () => {
    const settings = { ...DEFAULT_SETTINGS, displayName: 'Dr A' };
    const calls: [() => Promise<unknown>, string, unknown[]][] = [
      [() => bridge.getAppInfo(), IpcChannel.getAppInfo, []],
      [() => bridge.getDefaultRelayUrl(), IpcChannel.getDefaultRelayUrl, []],
      [() => bridge.discoverRelays(), IpcChannel.discoverRelays, []],
      [() => bridge.loadSettings(), IpcChannel.loadSettings, []],
      [() => bridge.saveSettings(settings), IpcChannel.saveSettings, [settings]],
      [() => bridge.getMediaAccess(), IpcChannel.getMediaAccess, []],
      [() => bridge.requestMediaAccess(), IpcChannel.requestMediaAccess, []],
      [() => bridge.openExternal('https://clinic.example/'), IpcChannel.openExternal, ['https://clinic.example/']],
      [() => bridge.saveDiagnostics('{"version":1}'), IpcChannel.saveDiagnostics, ['{"version":1}']],
      [() => bridge.hostedRelay.start(8787), IpcChannel.hostedRelayStart, [8787]],
      [() => bridge.hostedRelay.stop(), IpcChannel.hostedRelayStop, []],
      [() => bridge.hostedRelay.status(), IpcChannel.hostedRelayStatus, []],
      [() => bridge.hostedRelay.hostEnrollment(), IpcChannel.hostedRelayHostEnrollment, []],
      [() => bridge.answerRelayTrust(trustRequest.id, true), IpcChannel.answerRelayTrust, [trustRequest.id, true]],
      [async () => bridge.updates?.setInCall(true), IpcChannel.updateInCall, [true]],
      [async () => bridge.updates?.restart(), IpcChannel.updateRestart, []],
      [async () => bridge.arrivals?.permission(), IpcChannel.arrivalsPermission, []],
      [async () => bridge.arrivals?.requestPermission(), IpcChannel.arrivalsPermission, []],
      [
        async () => bridge.arrivals?.notify({ title: 'A patient is waiting', body: '' }),
        IpcChannel.arrivalsNotify,
        [{ title: 'A patient is waiting', body: '' }],
      ],
      [async () => bridge.arrivals?.setBadge(2), IpcChannel.arrivalsBadge, [2]],
      [
        async () => bridge.screenShare?.answerPick(trustRequest.id, 'screen:0:0'),
        IpcChannel.answerScreenPick,
        [trustRequest.id, 'screen:0:0'],
      ],
    ];
    for (const [call, channel, args] of calls) {
      expect(await call()).toEqual({ channel, args });
    }
    bridge.onJoinLink(() => {});
    bridge.onRelayTrustRequest(() => {});
    bridge.updates?.onStatus(() => {});
    bridge.screenShare?.onPickRequest(() => {});
    await tick();
    const invoked = new Set(fake.ipcRenderer.invoke.mock.calls.map(([channel]) => channel));
    expect([...invoked].sort()).toEqual([...INVOKE_CHANNELS].sort());
  });

  it('gives join-link listeners the link only, never the IPC event', async () => {
    const received: unknown[][] = [];
    bridge.onJoinLink((...args: unknown[]) => void received.push(args));
    await tick();
    fake.emit(IpcEvent.joinLink, link);
    expect(received).toEqual([[link]]);
  });

  it('delivers a link main held before the page subscribed', async () => {
    fake.pending.links = [link];
    const received: JoinLink[] = [];
    bridge.onJoinLink((l) => void received.push(l));
    await tick();
    expect(received).toEqual([link]);
    expect(fake.ipcRenderer.invoke).toHaveBeenCalledWith(IpcChannel.takePendingJoinLinks);
  });

  it('stops delivering after unsubscribe, and holds a link for the next subscriber', async () => {
    const first: JoinLink[] = [];
    const unsubscribe = bridge.onJoinLink((l) => void first.push(l));
    await tick();
    unsubscribe();
    fake.emit(IpcEvent.joinLink, link);
    expect(first).toEqual([]);
    const second: JoinLink[] = [];
    bridge.onJoinLink((l) => void second.push(l));
    await tick();
    expect(second).toEqual([link]);
  });

  it('drops pushed payloads that are not join links, and strips extra fields', async () => {
    const received: unknown[] = [];
    bridge.onJoinLink((l) => void received.push(l));
    await tick();
    fake.emit(IpcEvent.joinLink, { relayUrl: 42, code: 'X' });
    fake.emit(IpcEvent.joinLink, null);
    fake.emit(IpcEvent.joinLink, { ...link, extra: () => 'x' });
    expect(received).toEqual([link]);
  });
});

describe('preload relay trust requests', () => {
  let bridge: ClinicBridge;
  beforeEach(async () => {
    bridge = await loadPreload();
  });

  it("gives a new listener main's unanswered requests, then each pushed one: the request only, never the IPC event", async () => {
    fake.pending.trust = [trustRequest];
    const received: unknown[][] = [];
    bridge.onRelayTrustRequest((...args: unknown[]) => void received.push(args));
    await tick();
    expect(fake.ipcRenderer.invoke).toHaveBeenCalledWith(IpcChannel.pendingRelayTrust);
    const next = { ...trustRequest, id: '3e2d1c0b-8a9f-4e7d-8c6b-5a4f3e2d1c0b', host: '[::1]' };
    fake.emit(IpcEvent.relayTrustRequest, next);
    expect(received).toEqual([[trustRequest], [next]]);
  });

  it('asks main again for every subscriber (requests stay in main until answered)', async () => {
    fake.pending.trust = [trustRequest];
    const first: RelayTrustRequest[] = [];
    bridge.onRelayTrustRequest((request) => void first.push(request))();
    const second: RelayTrustRequest[] = [];
    bridge.onRelayTrustRequest((request) => void second.push(request));
    await tick();
    expect(first).toEqual([]); // unsubscribed before the answer came
    expect(second).toEqual([trustRequest]);
  });

  it('drops pushed payloads that are not trust requests, and strips extra fields', async () => {
    const received: unknown[] = [];
    bridge.onRelayTrustRequest((request) => void received.push(request));
    await tick();
    fake.emit(IpcEvent.relayTrustRequest, { ...trustRequest, fingerprint: 'AB' });
    fake.emit(IpcEvent.relayTrustRequest, { ...trustRequest, port: 70000 });
    fake.emit(IpcEvent.relayTrustRequest, 'trust me');
    fake.emit(IpcEvent.relayTrustRequest, { ...trustRequest, trusted: true, extra: () => 'x' });
    expect(received).toEqual([trustRequest]);
  });
});

describe('preload screen pick requests', () => {
  const source = { id: 'window:42:0', name: 'Viewer', kind: 'window', thumbnail: 'data:image/jpeg;base64,AAAA' };
  const pick = { id: '2f1d6c4e-8a4b-4c6e-9a53-2f8f4b9d2e11', sources: [source], blocked: null };

  it('passes on main’s pick requests in the contract’s shape only, and the page’s answer to its channel', async () => {
    const bridge = await loadPreload();
    const received: unknown[] = [];
    bridge.screenShare?.onPickRequest((request) => void received.push(request));
    await tick();
    fake.emit(IpcEvent.screenPickRequest, { ...pick, sources: [{ ...source, extra: () => 'x' }], extra: 1 });
    fake.emit(IpcEvent.screenPickRequest, { ...pick, sources: [{ ...source, id: 'file:///etc/passwd' }] });
    fake.emit(IpcEvent.screenPickRequest, { ...pick, sources: [{ ...source, thumbnail: 'https://evil.example/x.png' }] });
    fake.emit(IpcEvent.screenPickRequest, 'pick me');
    expect(received).toEqual([pick]);
    expect(await bridge.screenShare?.answerPick(pick.id, null)).toEqual({ channel: IpcChannel.answerScreenPick, args: [pick.id, null] });
  });
});

describe('preload update status', () => {
  let bridge: ClinicBridge;
  const downloading: UpdateStatus = { state: 'downloading', version: '1.2.3', percent: 40, waitingForCall: false };
  const downloaded: UpdateStatus = { state: 'downloaded', version: '1.2.3', percent: null, waitingForCall: false };
  beforeEach(async () => {
    bridge = await loadPreload();
    fake.ipcRenderer.invoke.mockImplementation(async (channel: string, ...args: unknown[]) =>
      channel === IpcChannel.updateStatus ? downloading : { channel, args },
    );
  });
  afterEach(() => {
    fake.ipcRenderer.invoke.mockReset();
  });

  it("gives a new listener main's current status, then each pushed one: the status only, never the IPC event", async () => {
    const received: unknown[][] = [];
    bridge.updates?.onStatus((...args: unknown[]) => void received.push(args));
    await tick();
    fake.emit(IpcEvent.updateStatus, downloaded);
    expect(received).toEqual([[downloading], [downloaded]]);
  });

  it('a push that overtakes the answer wins (the answer is older)', async () => {
    const received: UpdateStatus[] = [];
    bridge.updates?.onStatus((status) => void received.push(status));
    fake.emit(IpcEvent.updateStatus, downloaded);
    await tick();
    expect(received).toEqual([downloaded]);
  });

  it('drops pushed payloads that are not update statuses, and strips extra fields', async () => {
    const received: unknown[] = [];
    bridge.updates?.onStatus((status) => void received.push(status));
    await tick();
    fake.emit(IpcEvent.updateStatus, { ...downloaded, state: 'installing' });
    fake.emit(IpcEvent.updateStatus, { ...downloaded, percent: 101 });
    fake.emit(IpcEvent.updateStatus, { ...downloaded, version: 'x'.repeat(65) });
    fake.emit(IpcEvent.updateStatus, { ...downloaded, waitingForCall: 'no' });
    fake.emit(IpcEvent.updateStatus, null);
    fake.emit(IpcEvent.updateStatus, { ...downloaded, extra: () => 'x' });
    expect(received).toEqual([downloading, downloaded]);
  });
});
