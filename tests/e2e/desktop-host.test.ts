/**
 * The renderer on the desktop host's bridge. The Electron binary cannot run here, so the page gets a
 * `window.clinic` object that plays the preload's part through the same `ClinicBridge` interface (the real
 * preload is tested in tests/preload): settings, the hosted relay, deep links and OS media status.
 */
import { describe, expect, it } from 'vitest';
import type {
  ClinicBridge,
  DiscoveredRelay,
  HostedRelayStatus,
  JoinLink,
  MediaAccessStatus,
  RelayTrustRequest,
  Settings,
} from '../../contract/bridge';
import type { AppWindow, TestRelay } from '../harness/browser';
import { browserSuite } from '../harness/suite';

interface FakeDesktopConfig {
  defaultRelayUrl: string;
  hosted: HostedRelayStatus;
  mediaAccess: MediaAccessStatus;
  denyCamera: boolean;
  discovered: DiscoveredRelay[];
  /** Main's unanswered requests to trust a link's relay when the page starts. */
  pendingTrust: RelayTrustRequest[];
  /** What main's hosted relay hands out as the host's own enrollment code while it runs. */
  hostEnrollmentCode: string | null;
}

declare global {
  interface Window {
    clinic?: ClinicBridge;
    fakeDesktop: FakeDesktopConfig & {
      saved: Settings[];
      deliverJoinLink(link: JoinLink): void;
      requestTrust(request: RelayTrustRequest): void;
      trustAnswers: [id: string, trust: boolean][];
      /** How many times the page asked main for the host's enrollment code. */
      hostEnrollments: number;
    };
  }
}

/** Runs in the page: the desktop bridge as the preload would expose it. */
function installFakeDesktop(config: FakeDesktopConfig): void {
  const listeners = new Set<(link: JoinLink) => void>();
  const trustListeners = new Set<(request: RelayTrustRequest) => void>();
  // Main's side of relay trust: requests wait until answered, and only a waiting id is taken, once.
  const state = {
    ...config,
    saved: [] as Settings[],
    deliverJoinLink: (link: JoinLink) => {
      for (const listener of listeners) listener(link);
    },
    requestTrust: (request: RelayTrustRequest) => {
      state.pendingTrust.push(request);
      for (const listener of trustListeners) listener(request);
    },
    trustAnswers: [] as [string, boolean][],
    hostEnrollments: 0,
  };
  window.fakeDesktop = state;
  let settings: Settings = { relayUrl: null, displayName: 'Dr. Desk', cameraId: null, microphoneId: null, speakerId: null };
  let hosted: HostedRelayStatus = { running: false, port: null, lanUrls: [], certificateFingerprint: null, error: null };
  const bridge: ClinicBridge = {
    getAppInfo: async () => ({ host: 'electron', appVersion: 'test', platform: 'linux', chromeVersion: null }),
    getDefaultRelayUrl: async () => state.defaultRelayUrl,
    discoverRelays: async () => state.discovered,
    loadSettings: async () => ({ settings, warning: null }),
    saveSettings: async (next) => {
      settings = next;
      state.saved.push(next);
    },
    getMediaAccess: async () => state.mediaAccess,
    requestMediaAccess: async () => state.mediaAccess,
    openExternal: async () => {},
    saveDiagnostics: async () => ({ saved: true, path: null }),
    onJoinLink: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onRelayTrustRequest: (listener) => {
      trustListeners.add(listener);
      queueMicrotask(() => {
        for (const request of state.pendingTrust) listener(request);
      });
      return () => trustListeners.delete(listener);
    },
    answerRelayTrust: async (id, trust) => {
      const waiting = state.pendingTrust.some((request) => request.id === id);
      state.pendingTrust = state.pendingTrust.filter((request) => request.id !== id);
      if (waiting) state.trustAnswers.push([id, trust]);
      return waiting;
    },
    hostedRelay: {
      supported: true,
      start: async () => (hosted = state.hosted),
      stop: async () => (hosted = { running: false, port: null, lanUrls: [], certificateFingerprint: null, error: null }),
      status: async () => hosted,
      hostEnrollment: async () => {
        state.hostEnrollments += 1;
        return hosted.running ? state.hostEnrollmentCode : null;
      },
    },
  };
  window.clinic = bridge;
  // Simulates the OS refusing the camera until the person changes the setting.
  const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = async (constraints) => {
    if (state.denyCamera) throw new DOMException('Permission denied by system', 'NotAllowedError');
    return getUserMedia(constraints);
  };
}

function desktopScript(config: FakeDesktopConfig): string {
  return `(${installFakeDesktop.toString()})(${JSON.stringify(config)});`;
}

const suite = browserSuite();
let pageRelay: TestRelay;
let clinicRelay: TestRelay;

function wsUrl(relay: TestRelay): string {
  return `${relay.url.replace(/^http/, 'ws')}/ws`;
}

async function openDesktop(label: string, overrides: Partial<FakeDesktopConfig> = {}): Promise<AppWindow> {
  const config: FakeDesktopConfig = {
    defaultRelayUrl: wsUrl(pageRelay),
    // The "hosted" relay is a second real relay; its LAN address is from the benchmarking range, never dialled.
    hosted: {
      running: true,
      port: clinicRelay.port,
      lanUrls: [`ws://198.18.0.10:${clinicRelay.port}/ws`],
      certificateFingerprint: null,
      error: null,
    },
    mediaAccess: { camera: 'granted', microphone: 'granted', fixHint: null },
    denyCamera: false,
    discovered: [],
    pendingTrust: [],
    hostEnrollmentCode: null,
    ...overrides,
  };
  return suite.open(pageRelay, label, desktopScript(config));
}

describe('renderer on the desktop bridge', () => {
  it('hosts a relay, shares a desktop link, and a patient who opens it is switched to that relay and admitted', async () => {
    pageRelay = await suite.relay();
    clinicRelay = await suite.relay({ staticDir: null });
    const clinician = await openDesktop('clinician', { hostEnrollmentCode: await clinicRelay.staffCode('Dr. Desk') });
    await clinician.page.getByRole('button', { name: /I am a clinician/ }).click();
    // Not signed in to the page's relay: the start screen asks for an enrollment code.
    await clinician.page.getByLabel('Enrollment code').waitFor();
    await clinician.page.getByRole('button', { name: 'Host a relay on this computer' }).click();
    await expect.poll(() => clinician.page.getByTestId('host-relay-addresses').textContent()).toContain(`198.18.0.10:${clinicRelay.port}`);
    // There is no IT for a relay on this computer: the app enrolled its user with the code main handed out.
    await expect.poll(() => clinician.page.getByTestId('signed-in-as').textContent()).toBe('Signed in as Dr. Desk');
    expect(await clinician.page.evaluate(() => window.fakeDesktop.hostEnrollments)).toBe(1);
    await clinician.page.getByRole('button', { name: 'Open consultation' }).click();
    await clinician.page.getByTestId('consultation-card').waitFor();
    expect(clinicRelay.stats().consultations).toBe(1); // opened on the hosted relay, not the page's
    expect(pageRelay.stats().consultations).toBe(0);
    const invite = await clinician.invitePatient('Ida Lund');
    expect(invite.link).toBeNull(); // the hosted relay serves no web page
    const secret = new URL(invite.desktopLink).searchParams.get('invite') ?? '';
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(invite.desktopLink).toBe(
      `clinic-consult://join?relay=${encodeURIComponent(`ws://198.18.0.10:${clinicRelay.port}`)}&invite=${secret}`,
    );

    // The patient's app receives the deep link (main parsed it; relay names this computer by loopback here).
    const patient = await openDesktop('patient');
    await patient.page.evaluate(
      ([relayUrl, linkInvite]) => window.fakeDesktop.deliverJoinLink({ relayUrl: relayUrl ?? '', invite: linkInvite ?? '' }),
      [wsUrl(clinicRelay), secret],
    );
    await patient.joinViaLink('Ida Lund');
    await clinician.admit('Ida Lund');
    await clinician.waitForState('connected');
    await patient.waitForState('connected');
    const proof = await patient.mediaProof(1000);
    expect(proof.framesAfter).toBeGreaterThan(proof.framesBefore);
  });

  it('the host enrolls once: after the app restarts it is still staff of its relay, without a new code', async () => {
    pageRelay = await suite.relay();
    clinicRelay = await suite.relay({ staticDir: null });
    const clinician = await openDesktop('clinician', { hostEnrollmentCode: await clinicRelay.staffCode('Dr. Desk') });
    const host = async () => {
      await clinician.page.getByRole('button', { name: /I am a clinician/ }).click();
      await clinician.page.getByRole('button', { name: 'Host a relay on this computer' }).click();
      await expect.poll(() => clinician.page.getByTestId('signed-in-as').textContent()).toBe('Signed in as Dr. Desk');
    };
    await host();
    await clinician.page.reload();
    await host();
    expect(await clinician.page.evaluate(() => window.fakeDesktop.hostEnrollments)).toBe(0); // the stored sign-in did
    await clinician.page.getByRole('button', { name: 'Open consultation' }).click();
    await clinician.page.getByTestId('consultation-card').waitFor();
    expect(clinicRelay.stats().consultations).toBe(1);
  });

  it('a camera refused by the OS says where to fix it, and Try again works once allowed', async () => {
    pageRelay = await suite.relay();
    clinicRelay = await suite.relay({ staticDir: null });
    const hint = 'System Settings > Privacy & Security > Camera: turn on Clinic Consult.';
    const clinician = await openDesktop('clinician', {
      denyCamera: true,
      mediaAccess: { camera: 'denied', microphone: 'granted', fixHint: hint },
    });
    await clinician.page.getByRole('button', { name: /I am a clinician/ }).click();
    const problem = clinician.page.getByTestId('media-error');
    await expect.poll(() => problem.getAttribute('data-kind')).toBe('permission-denied');
    await expect.poll(() => clinician.page.getByTestId('media-fix-hint').textContent()).toContain(hint);
    expect(await clinician.page.getByTestId('media-fix-hint').textContent()).toContain('camera: denied');

    await clinician.page.evaluate(() => {
      window.fakeDesktop.denyCamera = false;
    });
    await clinician.page.getByRole('button', { name: 'Try again' }).click();
    await expect.poll(() => problem.count()).toBe(0);
    await clinician.waitForState('previewing');
  });

  it('connection settings refuse a bad relay address and save a good one through the bridge', async () => {
    pageRelay = await suite.relay();
    clinicRelay = await suite.relay({ staticDir: null });
    // What main found announced on the LAN: offered, and only filled in when the person picks it.
    const desk = await openDesktop('clinician', {
      discovered: [{ name: 'Clinic Consult relay on relay-01', url: 'wss://relay-01.clinic.example:8787/ws' }],
    });
    await desk.page.getByText('Connection settings').click();
    const address = desk.page.getByLabel('Clinic server address (leave empty for the default)');
    await desk.page.getByTestId('discovered-relays').waitFor();
    await desk.page.getByRole('button', { name: 'Use Clinic Consult relay on relay-01' }).click();
    expect(await address.inputValue()).toBe('wss://relay-01.clinic.example:8787/ws');
    expect(await desk.page.evaluate(() => window.fakeDesktop.saved.length)).toBe(0);
    await address.fill('http://relay.example');
    await desk.page.getByRole('button', { name: 'Save settings' }).click();
    await expect
      .poll(() => desk.page.getByRole('status').filter({ hasText: 'ws://' }).textContent())
      .toContain('must start with ws:// or wss://');
    expect(await desk.page.evaluate(() => window.fakeDesktop.saved.length)).toBe(0);

    await address.fill(wsUrl(clinicRelay));
    await desk.page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => desk.page.getByTestId('relay-url').textContent()).toBe(wsUrl(clinicRelay));
    expect(await desk.page.evaluate(() => window.fakeDesktop.saved.map((s) => s.relayUrl))).toEqual([wsUrl(clinicRelay)]);
  });

  it("asks before trusting a link's relay: Trust answers main; Cancel says plainly that the link was not opened", async () => {
    pageRelay = await suite.relay();
    clinicRelay = await suite.relay({ staticDir: null });
    const fingerprint = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase()).join(':');
    // The link arrived before the page was up: main holds the request, and the page shows it when it starts.
    const patient = await openDesktop('patient', { pendingTrust: [{ id: 'first', host: '192.168.1.5', port: 8787, fingerprint }] });
    const page = patient.page;
    const confirm = page.getByRole('dialog', { name: "Trust the clinic's relay at 192.168.1.5:8787?" });
    await confirm.waitFor();
    expect(await confirm.getAttribute('data-testid')).toBe('pin-confirm');
    expect(await page.getByTestId('pin-confirm-fingerprint').textContent()).toBe('00:01:02:03:04:05:06:07…');
    expect(await confirm.textContent()).toContain('Its certificate fingerprint is 00:01:02:03:04:05:06:07…');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('pin-confirm-cancel'); // the safe default
    await page.getByRole('button', { name: 'Trust' }).click();
    await expect.poll(() => page.getByTestId('pin-confirm').count()).toBe(0);
    expect(await page.evaluate(() => window.fakeDesktop.trustAnswers)).toEqual([['first', true]]);
    expect(await page.getByTestId('pin-confirm-declined').count()).toBe(0);

    // A link opened while the app runs: pushed, and cancelled (Escape would do the same).
    await page.evaluate(
      (fp) => window.fakeDesktop.requestTrust({ id: 'second', host: '[2001:db8::1]', port: 443, fingerprint: fp }),
      fingerprint,
    );
    await page.getByRole('dialog', { name: "Trust the clinic's relay at [2001:db8::1]:443?" }).waitFor();
    await page.getByTestId('pin-confirm-cancel').click();
    await expect.poll(() => page.getByTestId('pin-confirm').count()).toBe(0);
    expect(await page.evaluate(() => window.fakeDesktop.trustAnswers)).toEqual([
      ['first', true],
      ['second', false],
    ]);
    const declined = page.getByRole('alert').filter({ hasText: 'not opened' });
    expect(await declined.textContent()).toContain(
      'The consultation link was not opened: you did not trust the relay at [2001:db8::1]:443.',
    );
    await page.getByRole('button', { name: 'Dismiss' }).click();
    expect(await page.getByTestId('pin-confirm-declined').count()).toBe(0);

    await page.evaluate(
      (fp) => window.fakeDesktop.requestTrust({ id: 'third', host: '10.0.0.9', port: 8787, fingerprint: fp }),
      fingerprint,
    );
    await page.getByTestId('pin-confirm').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('pin-confirm').count()).toBe(0);
    expect(await page.evaluate(() => window.fakeDesktop.trustAnswers.at(-1))).toEqual(['third', false]);
  });
});
