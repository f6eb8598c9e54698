/**
 * Screen share in real Chromium during a real call (issue 11, item 3), browser mode: getDisplayMedia from the
 * person's click, answered by Chromium's fake capture (`--use-fake-ui-for-media-stream` picks the fake screen, a
 * 1280×720 test pattern; no flag needed beyond the harness's own). What the other side decodes is read from its own
 * getStats: a second inbound video, on the m-line the share-state named, with frames decoded rising, beside the
 * camera's. Stopping from the app, and as the OS's "stop sharing" does (the track ends: Chromium fires no `ended`
 * on stop(), measured, so the test stops it and dispatches the event as the browser would), takes the other side
 * back to the camera. Both sides share in turn (the clinician offers; the patient's share goes through simple-peer's
 * renegotiate request), a call restart carries a share over, and a staff-only clinic gives patients no button.
 * Screenshots in test-results/screen-share/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AppWindow, ROOT, type TestRelay } from '../harness/browser';
import { browserSuite } from '../harness/suite';
import { callMedia, recordPeerConnections } from './call-media';

const suite = browserSuite();
const SHOTS = join(ROOT, 'test-results/screen-share');
beforeAll(() => mkdirSync(SHOTS, { recursive: true }));

const INIT = `(${recordPeerConnections})();`;

interface Call {
  relay: TestRelay;
  clinician: AppWindow;
  patient: AppWindow;
}

async function startCall(relayOptions: { patientsMayShare?: boolean } = {}): Promise<Call> {
  const relay = await suite.relay(relayOptions);
  const clinician = await suite.open(relay, 'clinician', INIT);
  await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
  const { shortCode } = await clinician.invitePatient('Anna Berg');
  const patient = await suite.open(relay, 'patient', INIT);
  await patient.joinConsultation(shortCode, 'Anna Berg');
  await clinician.admit('Anna Berg');
  await Promise.all([clinician.waitForFirstRemoteFrame(), patient.waitForFirstRemoteFrame()]);
  return { relay, clinician, patient };
}

interface VideoIn {
  mid: string | null;
  framesDecoded: number;
  width: number;
}

/**
 * What `side` receives on its call's connection, from its own getStats: the shared screen (the inbound video on the
 * mid the page shows as remote-screen) and the camera (the inbound video whose track the remote-video shows).
 */
function videoIn(side: AppWindow): Promise<{ screen: VideoIn | null; camera: VideoIn | null; inboundVideos: number }> {
  return side.page.evaluate(async () => {
    const made = (globalThis as { __e2ePeerConnections?: RTCPeerConnection[] }).__e2ePeerConnections ?? [];
    const pc = made.findLast((candidate) => candidate.getTransceivers().length > 0);
    const empty = { screen: null, camera: null, inboundVideos: 0 };
    if (!pc) return empty;
    const screenMid = document.querySelector('[data-testid="remote-screen"]')?.getAttribute('data-mid') ?? null;
    const cameraVideo = document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]');
    const cameraTrack = (cameraVideo?.srcObject as MediaStream | null)?.getVideoTracks()[0] ?? null;
    const cameraMid = pc.getTransceivers().find((t) => cameraTrack !== null && t.receiver.track === cameraTrack)?.mid ?? null;
    const found: { screen: VideoIn | null; camera: VideoIn | null; inboundVideos: number } = empty;
    (await pc.getStats()).forEach((stat: Record<string, unknown>) => {
      if (stat.type !== 'inbound-rtp' || stat.kind !== 'video') return;
      found.inboundVideos += 1;
      const entry = { mid: String(stat.mid), framesDecoded: Number(stat.framesDecoded ?? 0), width: Number(stat.frameWidth ?? 0) };
      if (screenMid !== null && entry.mid === screenMid) found.screen = entry;
      if (cameraMid !== null && entry.mid === cameraMid) found.camera = entry;
    });
    return found;
  });
}

/** Waits until `side` decodes `frames` more frames of the shared screen and of the camera, both. */
async function decodesScreenAndCamera(side: AppWindow, frames = 20): Promise<{ screen: VideoIn; camera: VideoIn }> {
  await side.page.getByTestId('remote-screen').waitFor({ timeout: 20_000 });
  const before = await videoIn(side);
  let now = before;
  await expect
    .poll(
      async () => {
        now = await videoIn(side);
        const screen = (now.screen?.framesDecoded ?? 0) - (before.screen?.framesDecoded ?? 0);
        const camera = (now.camera?.framesDecoded ?? 0) - (before.camera?.framesDecoded ?? 0);
        return Math.min(screen, camera);
      },
      { timeout: 20_000, interval: 250, message: `${side.label}: frames of the screen and of the camera` },
    )
    .toBeGreaterThanOrEqual(frames);
  if (!now.screen || !now.camera) throw new Error(`${side.label}: no screen or no camera`);
  expect(now.screen.mid, 'the screen is not the camera').not.toBe(now.camera.mid);
  return { screen: now.screen, camera: now.camera };
}

/** The receiving layout: the screen fills the stage, the camera is small inside it. */
async function screenLargeCameraSmall(side: AppWindow): Promise<void> {
  const boxes = await side.page.evaluate(() => {
    const box = (id: string) => document.querySelector(`[data-testid="${id}"]`)?.getBoundingClientRect() ?? null;
    const shown = document.querySelector<HTMLVideoElement>('[data-testid="remote-screen"]');
    return {
      screen: box('remote-screen'),
      tile: box('remote-tile'),
      inset: document.querySelector('[data-testid="remote-tile"]')?.classList.contains('tile--inset') ?? false,
      picture: shown ? { width: shown.videoWidth, currentTime: shown.currentTime } : null,
    };
  });
  expect(boxes.inset).toBe(true);
  expect(boxes.picture?.width).toBeGreaterThan(0);
  expect(boxes.picture?.currentTime).toBeGreaterThan(0);
  if (!boxes.screen || !boxes.tile) throw new Error('no screen or no tile');
  expect(boxes.screen.width * boxes.screen.height).toBeGreaterThan(8 * boxes.tile.width * boxes.tile.height);
  expect(boxes.tile.left).toBeGreaterThanOrEqual(boxes.screen.left);
  expect(boxes.tile.right).toBeLessThanOrEqual(boxes.screen.right);
}

/** Back to the camera layout: no screen, the camera fills the stage again (and still decodes). */
async function cameraLayout(side: AppWindow): Promise<void> {
  await side.page.getByTestId('remote-screen').waitFor({ state: 'detached', timeout: 10_000 });
  await expect.poll(() => side.page.getByTestId('remote-tile').getAttribute('class')).not.toContain('tile--inset');
  const before = (await callMedia(side))?.framesDecoded ?? 0;
  await expect.poll(async () => ((await callMedia(side))?.framesDecoded ?? 0) - before, { timeout: 20_000 }).toBeGreaterThan(10);
}

async function share(side: AppWindow): Promise<void> {
  const toggle = side.page.getByTestId('toggle-share');
  await expect.poll(() => toggle.isEnabled(), { message: `${side.label}: share enabled` }).toBe(true);
  await toggle.click();
  await side.page.getByTestId('stop-share').waitFor();
  expect(await toggle.getAttribute('aria-pressed')).toBe('true');
}

/** What the OS's own "Stop sharing" does: the captured track ends (stop() fires no 'ended' in Chromium: measured). */
function endCaptureAsTheOsDoes(side: AppWindow): Promise<boolean> {
  return side.page.evaluate(() => {
    const made = (globalThis as { __e2ePeerConnections?: RTCPeerConnection[] }).__e2ePeerConnections ?? [];
    const pc = made.findLast((candidate) => candidate.getTransceivers().length > 0);
    const track = pc?.getSenders().find((sender) => sender.track?.label.startsWith('screen:'))?.track ?? null;
    if (!track) return false;
    let fired = false;
    track.addEventListener('ended', () => {
      fired = true;
    });
    track.stop();
    const firedOnStop = fired;
    track.dispatchEvent(new Event('ended'));
    return !firedOnStop;
  });
}

describe('screen share (browser mode)', () => {
  it('the clinician shares: the patient decodes a second video, shown large with the camera small; stop from the app', async () => {
    const { clinician, patient } = await startCall();
    expect(await clinician.page.getByTestId('toggle-share').getAttribute('aria-pressed')).toBe('false');
    await share(clinician);
    expect(await clinician.page.getByTestId('share-banner').textContent()).toContain('You are sharing your screen');

    const decoded = await decodesScreenAndCamera(patient);
    expect(decoded.screen.width).toBeGreaterThan(0);
    await screenLargeCameraSmall(patient);
    expect(await patient.page.getByTestId('remote-screen-tile').textContent()).toContain('Dr. Rivera is sharing their screen');
    // The sender's screen track says what it carries: detail, not motion.
    expect(
      await clinician.page.evaluate(() => {
        const made = (globalThis as { __e2ePeerConnections?: RTCPeerConnection[] }).__e2ePeerConnections ?? [];
        return (
          made
            .at(-1)
            ?.getSenders()
            .find((s) => s.track?.label.startsWith('screen:'))?.track?.contentHint ?? null
        );
      }),
    ).toBe('detail');
    await patient.page.screenshot({ path: join(SHOTS, 'patient-sees-clinician-screen.png') });
    await clinician.page.screenshot({ path: join(SHOTS, 'clinician-sharing.png') });

    await clinician.page.getByTestId('stop-share').click();
    await cameraLayout(patient);
    await clinician.page.getByTestId('share-banner').waitFor({ state: 'detached' });
    expect(await clinician.page.getByTestId('toggle-share').getAttribute('aria-pressed')).toBe('false');
    await patient.page.screenshot({ path: join(SHOTS, 'patient-after-stop.png') });
  });

  it('the OS’s own “stop sharing” (the capture ends) takes the other side back to the camera; sharing again works', async () => {
    const { clinician, patient } = await startCall();
    await share(clinician);
    await decodesScreenAndCamera(patient);
    expect(await endCaptureAsTheOsDoes(clinician), 'Chromium fires no ended on stop()').toBe(true);
    await cameraLayout(patient);
    await clinician.page.getByTestId('share-banner').waitFor({ state: 'detached' });

    // Again, on the same call: the sender of the first share gets the new capture (no renegotiation needed).
    await share(clinician);
    await decodesScreenAndCamera(patient);
    await screenLargeCameraSmall(patient);
    expect((await videoIn(patient)).inboundVideos).toBe(2);
  });

  it('both sides share in turn: the patient’s share (simple-peer’s renegotiate request) decodes on the clinician’s side', async () => {
    const { clinician, patient } = await startCall();
    await share(clinician);
    await decodesScreenAndCamera(patient);
    await clinician.page.getByTestId('stop-share').click();
    await cameraLayout(patient);

    await share(patient);
    const decoded = await decodesScreenAndCamera(clinician);
    expect(decoded.screen.width).toBeGreaterThan(0);
    await screenLargeCameraSmall(clinician);
    await clinician.page.screenshot({ path: join(SHOTS, 'clinician-sees-patient-screen.png') });
    const timeline = await patient.timeline();
    expect(timeline.filter((e) => e.event === 'signal-out').map((e) => e.detail)).toContain('renegotiate');

    // And both at once: each decodes the other's screen and camera.
    await share(clinician);
    await Promise.all([decodesScreenAndCamera(patient), decodesScreenAndCamera(clinician)]);
  });

  it('a call restart carries the share over: the new call sends it and the other side shows it again', async () => {
    const { clinician, patient } = await startCall();
    await share(patient);
    await decodesScreenAndCamera(clinician);
    // The clinician's window reloads: the relay gives both sides a new call (new peers).
    await clinician.page.reload();
    await clinician.waitForFirstRemoteFrame();
    expect(await patient.page.getByTestId('toggle-share').getAttribute('aria-pressed')).toBe('true');
    await decodesScreenAndCamera(clinician);
    await screenLargeCameraSmall(clinician);
    await patient.page.getByTestId('stop-share').click();
    await cameraLayout(clinician);
  });

  it('a clinic where only staff share: the patient gets no share button, the clinician does', async () => {
    const { clinician, patient } = await startCall({ patientsMayShare: false });
    await clinician.page.getByTestId('toggle-share').waitFor();
    expect(await patient.page.getByTestId('toggle-share').count()).toBe(0);
    await share(clinician);
    await decodesScreenAndCamera(patient);
  });
});

/**
 * Runs in the page: the desktop host's bridge, playing main's part of screen share (main/display-media.ts, tested
 * with Electron mocked in tests/main): the page's getDisplayMedia waits while a pick request goes to the page's
 * picker, and goes on with the chosen source (Chromium's fake screen stands in for it) or fails as cancelled.
 */
function installDesktopHost(config: { relayUrl: string; blocked: string | null }): void {
  type Request = import('../../contract/bridge').ScreenPickRequest;
  const pickListeners = new Set<(request: Request) => void>();
  const answers: [string, string | null][] = [];
  let waiting: { request: Request; resolve: (sourceId: string | null) => void } | null = null;
  Object.defineProperty(window, '__e2ePickAnswers', { value: answers });
  const canvas = document.createElement('canvas');
  canvas.width = 32;
  canvas.height = 18;
  const context = canvas.getContext('2d');
  if (context) {
    context.fillStyle = '#2d4a66';
    context.fillRect(0, 0, 32, 18);
  }
  const sources = [
    { id: 'screen:0:0', name: 'Entire screen', kind: 'screen' as const, thumbnail: canvas.toDataURL('image/jpeg') },
    { id: 'window:42:0', name: 'Lab results — Viewer', kind: 'window' as const, thumbnail: '' },
  ];
  const getDisplayMedia = navigator.mediaDevices.getDisplayMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getDisplayMedia = async (constraints) => {
    const request: Request = { id: crypto.randomUUID(), sources: config.blocked ? [] : sources, blocked: config.blocked };
    const chosen = await new Promise<string | null>((resolve) => {
      waiting = { request, resolve };
      for (const listener of pickListeners) listener(request);
    });
    if (chosen === null) throw new DOMException('Permission denied', 'NotAllowedError');
    return getDisplayMedia(constraints);
  };
  const settings = { relayUrl: null, displayName: 'Dr. Desk', cameraId: null, microphoneId: null, speakerId: null };
  const bridge: import('../../contract/bridge').ClinicBridge = {
    getAppInfo: async () => ({ host: 'electron', appVersion: 'test', platform: 'linux', chromeVersion: null }),
    getDefaultRelayUrl: async () => config.relayUrl,
    discoverRelays: async () => [],
    loadSettings: async () => ({ settings, warning: null }),
    saveSettings: async () => {},
    getMediaAccess: async () => ({ camera: 'granted', microphone: 'granted', fixHint: null }),
    requestMediaAccess: async () => ({ camera: 'granted', microphone: 'granted', fixHint: null }),
    openExternal: async () => {},
    saveDiagnostics: async () => ({ saved: true, path: null }),
    onJoinLink: () => () => {},
    onRelayTrustRequest: () => () => {},
    answerRelayTrust: async () => false,
    hostedRelay: {
      supported: false,
      start: async () => ({ running: false, port: null, lanUrls: [], certificateFingerprint: null, error: null }),
      stop: async () => ({ running: false, port: null, lanUrls: [], certificateFingerprint: null, error: null }),
      status: async () => ({ running: false, port: null, lanUrls: [], certificateFingerprint: null, error: null }),
      hostEnrollment: async () => null,
    },
    screenShare: {
      onPickRequest: (listener) => {
        pickListeners.add(listener);
        const pending = waiting?.request;
        if (pending) queueMicrotask(() => listener(pending));
        return () => pickListeners.delete(listener);
      },
      // As main: only the waiting request, once, with one of its sources or null.
      answerPick: async (id, sourceId) => {
        const current = waiting;
        if (!current || current.request.id !== id) return false;
        if (sourceId !== null && !current.request.sources.some((source) => source.id === sourceId)) return false;
        waiting = null;
        answers.push([id, sourceId]);
        current.resolve(sourceId);
        return true;
      },
    },
  };
  window.clinic = bridge;
}

async function startDesktopCall(blocked: string | null = null): Promise<Call> {
  const relay = await suite.relay();
  const host = `(${installDesktopHost})(${JSON.stringify({ relayUrl: `${relay.url.replace(/^http/, 'ws')}/ws`, blocked })});`;
  const clinician = await suite.open(relay, 'clinician (desktop)', `${INIT}${host}`);
  await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
  const { shortCode } = await clinician.invitePatient('Anna Berg');
  const patient = await suite.open(relay, 'patient', INIT);
  await patient.joinConsultation(shortCode, 'Anna Berg');
  await clinician.admit('Anna Berg');
  await Promise.all([clinician.waitForFirstRemoteFrame(), patient.waitForFirstRemoteFrame()]);
  return { relay, clinician, patient };
}

const pickAnswers = (side: AppWindow) =>
  side.page.evaluate(() => (globalThis as { __e2ePickAnswers?: [string, string | null][] }).__e2ePickAnswers?.map(([, id]) => id) ?? []);

describe('the desktop app’s picker (main played by a stand-in at the bridge)', () => {
  it('lists screens and windows with thumbnails; chosen by keyboard, the choice is shared; Escape cancels quietly', async () => {
    const { clinician, patient } = await startDesktopCall();
    const toggle = clinician.page.getByTestId('toggle-share');
    await expect.poll(() => toggle.isEnabled()).toBe(true);
    await toggle.click();
    const picker = clinician.page.getByTestId('screen-picker');
    await picker.waitFor();
    expect(await picker.getByTestId('screen-source').allTextContents()).toEqual(['Entire screen', 'Lab results — Viewer']);
    expect(await picker.locator('img').first().getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
    // Keyboard only: focus starts on the first source; Tab to the window, Enter to choose it, then Share.
    expect(await clinician.page.evaluate(() => document.activeElement?.getAttribute('data-source-id'))).toBe('screen:0:0');
    await clinician.page.keyboard.press('Tab');
    await clinician.page.keyboard.press('Enter');
    expect(await picker.locator('[data-source-id="window:42:0"]').getAttribute('aria-pressed')).toBe('true');
    await clinician.page.screenshot({ path: join(SHOTS, 'desktop-picker.png') });
    await picker.getByTestId('screen-picker-share').focus();
    await clinician.page.keyboard.press('Enter');
    await clinician.page.getByTestId('stop-share').waitFor();
    expect(await pickAnswers(clinician)).toEqual(['window:42:0']);
    await decodesScreenAndCamera(patient);
    await clinician.page.getByTestId('stop-share').click();
    await cameraLayout(patient);

    await toggle.click();
    await picker.waitFor();
    await clinician.page.keyboard.press('Escape');
    await picker.waitFor({ state: 'detached' });
    expect(await pickAnswers(clinician)).toEqual(['window:42:0', null]);
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
    expect(await clinician.page.getByTestId('share-refusal').count()).toBe(0); // a cancel is not an error
    expect(await clinician.page.getByTestId('share-banner').count()).toBe(0);
  });

  it('screen recording refused by the OS: the picker says where to turn it on, and nothing is shared', async () => {
    const words = 'Your Mac does not let Clinic Consult record the screen. Turn on Clinic Consult in System Settings.';
    const { clinician } = await startDesktopCall(words);
    const toggle = clinician.page.getByTestId('toggle-share');
    await expect.poll(() => toggle.isEnabled()).toBe(true);
    await toggle.click();
    await clinician.page.getByTestId('screen-picker-blocked').waitFor();
    expect(await clinician.page.getByTestId('screen-picker-blocked').textContent()).toBe(words);
    expect(await clinician.page.getByTestId('screen-source').count()).toBe(0);
    await clinician.page.getByTestId('screen-picker-cancel').click();
    expect(await pickAnswers(clinician)).toEqual([null]);
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
  });
});

describe('on a phone', () => {
  it('the sharer’s banner and Stop, and the receiver’s screen with the camera small, fit 390×844 and 844×390', async () => {
    const { clinician, patient } = await startCall();
    await share(patient);
    await decodesScreenAndCamera(clinician);
    for (const [width, height] of [
      [390, 844],
      [844, 390],
    ] as const) {
      for (const side of [patient, clinician]) await side.page.setViewportSize({ width, height });
      const fits = (side: AppWindow, ids: string[]) =>
        side.page.evaluate((wanted) => {
          const out: Record<string, boolean> = {};
          for (const id of wanted) {
            const element = document.querySelector(`[data-testid="${id}"]`);
            const r = element?.getBoundingClientRect();
            const hit = r ? document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) : null;
            out[id] = Boolean(
              r &&
                element &&
                r.width > 0 &&
                r.left >= 0 &&
                r.top >= 0 &&
                r.right <= innerWidth &&
                r.bottom <= innerHeight &&
                hit &&
                (hit === element || element.contains(hit)),
            );
          }
          return out;
        }, ids);
      await expect.poll(() => fits(patient, ['stop-share', 'toggle-share'])).toEqual({ 'stop-share': true, 'toggle-share': true });
      await expect.poll(() => fits(clinician, ['remote-tile', 'toggle-share'])).toEqual({ 'remote-tile': true, 'toggle-share': true });
      await screenLargeCameraSmall(clinician);
      await patient.page.screenshot({ path: join(SHOTS, `patient-sharing-${width}x${height}.png`) });
      await clinician.page.screenshot({ path: join(SHOTS, `clinician-sees-screen-${width}x${height}.png`) });
    }
  });
});
