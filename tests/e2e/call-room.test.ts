/**
 * Mute and camera off in real Chromium during a real call (issue 11, item 1): what the other side hears and
 * sees, from its own getStats and its own screen; the camera's light (every camera track this page opened is
 * ended); the "You are muted" hint, which Chromium's fake microphone (a beep every 500 ms) sets off; and that the
 * choices survive a device switch and a call restart. Chromium's second fake camera is a depth camera WebRTC
 * cannot encode, so camera switches go to the third (as in devices.test.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AppWindow, ROOT, type TestRelay } from '../harness/browser';
import { browserSuite } from '../harness/suite';
import { callMedia, recordPeerConnections } from './call-media';

const suite = browserSuite(['--use-fake-device-for-media-stream=device-count=3']);
/** What each side showed at the moments that matter, kept for people to look at. */
const SHOTS = join(ROOT, 'test-results/call-room');
beforeAll(() => mkdirSync(SHOTS, { recursive: true }));

/**
 * Inbound audio energy a second of a muted sender may still add: measured 4e-9 to 5e-7 (the decoder's tail as
 * muting starts). One of the fake microphone's beeps adds ~1e-3 to 1e-2: a hundred times more.
 */
const SILENCE = 1e-5;
/** Energy that counts as sound again (a tenth of one beep). */
const SOUND = 1e-4;
/** 1 s of 20 ms audio packets. */
const STRETCH_PACKETS = 50;

/** Keeps every track getUserMedia hands the page, so a test can see whether a camera still runs. */
function recordMediaTracks(): void {
  const devices = navigator.mediaDevices;
  const getUserMedia = devices.getUserMedia.bind(devices);
  const tracks: MediaStreamTrack[] = [];
  Object.defineProperty(window, '__e2eTracks', { value: tracks });
  devices.getUserMedia = async (constraints) => {
    const stream = await getUserMedia(constraints);
    tracks.push(...stream.getTracks());
    return stream;
  };
}

/** When each test id appeared on the page (epoch ms), every time it appeared. */
function recordAppearances(): void {
  const appeared: { id: string; at: number }[] = [];
  Object.defineProperty(window, '__e2eAppeared', { value: appeared });
  let present = new Set<string>();
  new MutationObserver(() => {
    const now = new Set([...document.querySelectorAll('[data-testid]')].map((element) => element.getAttribute('data-testid') ?? ''));
    for (const id of now) if (!present.has(id)) appeared.push({ id, at: Date.now() });
    present = now;
  }).observe(document, { subtree: true, childList: true });
}

const INIT = `(${recordPeerConnections})();(${recordMediaTracks})();(${recordAppearances})();`;

interface Call {
  relay: TestRelay;
  clinician: AppWindow;
  patient: AppWindow;
}

async function startCall(patientName = 'Anna Berg'): Promise<Call> {
  const relay = await suite.relay();
  const clinician = await suite.open(relay, 'clinician', INIT);
  await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
  const { shortCode } = await clinician.invitePatient(patientName);
  const patient = await suite.open(relay, 'patient', INIT);
  await patient.joinConsultation(shortCode, patientName);
  await clinician.admit(patientName);
  await Promise.all([clinician.waitForState('connected'), patient.waitForState('connected')]);
  await Promise.all([clinician.waitForFirstRemoteFrame(), patient.waitForFirstRemoteFrame()]);
  return { relay, clinician, patient };
}

/** The call's inbound audio on `side`, from its own getStats. */
async function inboundAudio(side: AppWindow): Promise<{ energy: number; packets: number; connection: number }> {
  return side.page.evaluate(async () => {
    const made = (globalThis as { __e2ePeerConnections?: RTCPeerConnection[] }).__e2ePeerConnections ?? [];
    const connection = made.findLastIndex((pc) => pc.getTransceivers().length > 0);
    const found = { energy: 0, packets: 0, connection };
    const pc = made[connection];
    if (!pc) return found;
    (await pc.getStats()).forEach((stat: Record<string, unknown>) => {
      if (stat.type !== 'inbound-rtp' || stat.kind !== 'audio') return;
      found.energy += Number(stat.totalAudioEnergy ?? 0);
      found.packets += Number(stat.packetsReceived ?? 0);
    });
    return found;
  });
}

/**
 * Waits for a stretch of STRETCH_PACKETS audio packets that brought no sound: what muting means to the other
 * side. Unmuted, the fake microphone beeps every 500 ms, so no such stretch ever comes and this fails.
 */
async function silentStretch(side: AppWindow): Promise<{ packets: number; energy: number }> {
  let base = await inboundAudio(side);
  let stretch = { packets: 0, energy: 0 };
  await expect
    .poll(
      async () => {
        const now = await inboundAudio(side);
        if (now.connection !== base.connection || now.energy - base.energy > SILENCE) base = now;
        stretch = { packets: now.packets - base.packets, energy: now.energy - base.energy };
        return stretch.packets >= STRETCH_PACKETS;
      },
      { timeout: 20_000, interval: 200, message: `${side.label}: a second of silence` },
    )
    .toBe(true);
  return stretch;
}

/** Waits until the audio `side` receives has brought sound again since `from`. */
async function soundAgain(side: AppWindow, from: number): Promise<number> {
  await expect
    .poll(async () => (await inboundAudio(side)).energy - from, { timeout: 20_000, interval: 200, message: `${side.label}: sound again` })
    .toBeGreaterThan(SOUND);
  return (await inboundAudio(side)).energy - from;
}

/** Clicks a control and returns when (epoch ms, the page's clock: the same machine's as the other page's). */
function clickAt(side: AppWindow, testId: string): Promise<number> {
  return side.page.evaluate((id) => {
    const button = document.querySelector<HTMLButtonElement>(`[data-testid="${id}"]`);
    if (!button) throw new Error(`no ${id}`);
    const at = Date.now();
    button.click();
    return at;
  }, testId);
}

/** How long after `since` the test id `id` appeared on `side` (ms), waiting for it. */
async function appearedAfter(side: AppWindow, id: string, since: number): Promise<number> {
  const first = () =>
    side.page.evaluate(
      ({ id, since }) =>
        (globalThis as { __e2eAppeared?: { id: string; at: number }[] }).__e2eAppeared?.find((e) => e.id === id && e.at >= since)?.at ??
        null,
      { id, since },
    );
  await expect.poll(first, { timeout: 10_000, message: `${side.label}: ${id} appears` }).not.toBeNull();
  return ((await first()) ?? 0) - since;
}

/** The camera tracks this page ever opened that still run (the camera's light is on while any does). */
function liveCameraTracks(side: AppWindow): Promise<string[]> {
  return side.page.evaluate(() =>
    ((globalThis as { __e2eTracks?: MediaStreamTrack[] }).__e2eTracks ?? [])
      .filter((track) => track.kind === 'video' && track.readyState === 'live')
      .map((track) => track.label),
  );
}

/** What the call's video sender sends: its track's state, or null when it sends nothing. */
function sentVideo(side: AppWindow): Promise<{ label: string; readyState: string } | null> {
  return side.page.evaluate(() => {
    const made = (globalThis as { __e2ePeerConnections?: RTCPeerConnection[] }).__e2ePeerConnections ?? [];
    const pc = made.findLast((candidate) => candidate.getTransceivers().length > 0);
    const transceiver = pc?.getTransceivers().find((t) => t.receiver.track.kind === 'video');
    const track = transceiver?.sender.track ?? null;
    return track ? { label: track.label, readyState: track.readyState } : null;
  });
}

function sentAudioEnabled(side: AppWindow): Promise<boolean | null> {
  return side.page.evaluate(() => {
    const made = (globalThis as { __e2ePeerConnections?: RTCPeerConnection[] }).__e2ePeerConnections ?? [];
    const pc = made.findLast((candidate) => candidate.getTransceivers().length > 0);
    const track = pc?.getTransceivers().find((t) => t.receiver.track.kind === 'audio')?.sender.track ?? null;
    return track ? track.enabled : null;
  });
}

async function framesGained(side: AppWindow, frames: number): Promise<void> {
  const before = (await callMedia(side))?.framesDecoded ?? 0;
  await expect
    .poll(async () => ((await callMedia(side))?.framesDecoded ?? 0) - before, { timeout: 20_000, message: `${side.label}: new frames` })
    .toBeGreaterThanOrEqual(frames);
}

const pressed = (side: AppWindow, testId: string) => side.page.getByTestId(testId).getAttribute('aria-pressed');

describe('mute and camera off', () => {
  it('mute: the other side hears silence and shows "muted"; speaking muted shows the hint; unmute: sound again', async () => {
    const { clinician, patient } = await startCall();
    const start = await inboundAudio(clinician);
    const heard = await soundAgain(clinician, start.energy);

    const mutedAt = await clickAt(patient, 'toggle-mic');
    await expect.poll(() => pressed(patient, 'toggle-mic')).toBe('true');
    const indicatorMs = await appearedAfter(clinician, 'remote-muted', mutedAt);
    expect(await clinician.page.getByTestId('remote-name').textContent()).toMatch(/^Anna Berg\s*muted$/);
    const silence = await silentStretch(clinician);
    expect(await sentAudioEnabled(patient)).toBe(false); // the same sender, its track disabled: nothing renegotiated
    // The fake microphone keeps beeping: the patient is told they are muted.
    await patient.page.getByTestId('muted-hint').waitFor();
    expect(await patient.page.getByTestId('muted-hint').textContent()).toContain('You are muted');
    await patient.page.screenshot({ path: join(SHOTS, 'patient-muted-hint.png') });
    await clinician.page.screenshot({ path: join(SHOTS, 'clinician-sees-muted.png') });

    const unmutedAt = await clickAt(patient, 'toggle-mic');
    await expect.poll(() => pressed(patient, 'toggle-mic')).toBe('false');
    const mutedEnergy = (await inboundAudio(clinician)).energy;
    const again = await soundAgain(clinician, mutedEnergy);
    await expect.poll(() => clinician.page.getByTestId('remote-muted').count()).toBe(0);
    await expect.poll(() => patient.page.getByTestId('muted-hint').count()).toBe(0);
    const goneMs = (await clinician.page.evaluate(() => Date.now())) - unmutedAt;

    // The keyboard: Ctrl+D mutes and unmutes the clinician, whose tooltip says so.
    expect(await clinician.page.getByTestId('toggle-mic').getAttribute('title')).toBe('Mute (Ctrl+D)');
    await clinician.page.locator('body').click({ position: { x: 2, y: 2 } });
    const keyAt = await clinician.page.evaluate(() => Date.now());
    await clinician.page.keyboard.press('Control+d');
    await expect.poll(() => pressed(clinician, 'toggle-mic')).toBe('true');
    const keyIndicatorMs = await appearedAfter(patient, 'remote-muted', keyAt);
    await clinician.page.keyboard.press('Control+d');
    await expect.poll(() => pressed(clinician, 'toggle-mic')).toBe('false');
    await expect.poll(() => patient.page.getByTestId('remote-muted').count()).toBe(0);
    expect(await clinician.state()).toBe('connected');
    expect((await clinician.timeline()).filter((e) => e.event === 'call-start')).toHaveLength(1);
    process.stdout.write(
      `mute: energy before ${heard.toExponential(2)}, over ${silence.packets} packets muted ${silence.energy.toExponential(2)}, ` +
        `after unmute ${again.toExponential(2)}; indicator after ${indicatorMs} ms (Ctrl+D: ${keyIndicatorMs} ms), ` +
        `unmuted: sound seen again in the stats and the indicator gone ${goneMs} ms after the click (polled every 200 ms)\n`,
    );
  });

  it('camera off: the other side shows the name, not a frozen frame, and the camera stops; on: frames again', async () => {
    const { clinician, patient } = await startCall();
    expect(await liveCameraTracks(patient)).toHaveLength(1);

    const offAt = await clickAt(patient, 'toggle-camera');
    await expect.poll(() => pressed(patient, 'toggle-camera')).toBe('true');
    const cardMs = await appearedAfter(clinician, 'remote-camera-off', offAt);
    const card = clinician.page.getByTestId('remote-camera-off');
    expect(await card.textContent()).toBe('ABAnna BergCamera off');
    expect(await card.isVisible()).toBe(true);
    expect(await clinician.page.getByTestId('remote-camera-off-badge').isVisible()).toBe(true);
    expect(await clinician.page.getByTestId('remote-video').isVisible()).toBe(false); // never a frozen frame
    // The camera's light is off: no camera track of the patient's page runs; the call sends no video.
    await expect.poll(() => liveCameraTracks(patient)).toEqual([]);
    expect(await sentVideo(patient)).toBeNull();
    expect(await patient.page.getByTestId('local-video').getAttribute('data-camera')).toBe('off');
    await clinician.page.screenshot({ path: join(SHOTS, 'clinician-sees-camera-off.png') });

    const onAt = await clickAt(patient, 'toggle-camera');
    await expect.poll(() => pressed(patient, 'toggle-camera')).toBe('false');
    await expect.poll(() => clinician.page.getByTestId('remote-video').isVisible(), { timeout: 10_000 }).toBe(true);
    const videoBackMs = (await clinician.page.evaluate(() => Date.now())) - onAt;
    expect(await card.count()).toBe(0);
    await framesGained(clinician, 30);
    expect(await liveCameraTracks(patient)).toHaveLength(1);
    expect(await sentVideo(patient)).toMatchObject({ readyState: 'live' });
    expect(await patient.page.getByTestId('local-video').evaluate((el) => el.tagName)).toBe('VIDEO');
    expect((await clinician.timeline()).filter((e) => e.event === 'call-start')).toHaveLength(1); // no new call
    process.stdout.write(`camera off: name card after ${cardMs} ms; camera on: video shown again after ${videoBackMs} ms\n`);
  });

  it('the choices survive a device switch and a call restart', async () => {
    const { clinician, patient } = await startCall();
    await clickAt(patient, 'toggle-mic');
    await clickAt(patient, 'toggle-camera');
    await clinician.page.getByTestId('remote-muted').waitFor();
    await clinician.page.getByTestId('remote-camera-off').waitFor();
    await expect.poll(() => liveCameraTracks(patient)).toEqual([]);

    // Another microphone and another camera, chosen while muted and camera off.
    await patient.page.getByRole('button', { name: 'Devices' }).click();
    const microphones = patient.page.locator('select[name="microphone"] option');
    const current = await patient.page.locator('select[name="microphone"]').inputValue();
    const otherMicrophone = (await microphones.evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).find(
      (value) => value !== current && value !== 'default' && value !== 'communications',
    );
    expect(otherMicrophone).toBeTruthy();
    await patient.page.locator('select[name="microphone"]').selectOption(otherMicrophone ?? '');
    await expect.poll(() => patient.page.locator('select[name="microphone"]').inputValue()).toBe(otherMicrophone);
    const camera = patient.page.locator('select[name="camera"]');
    const thirdCamera = await camera.locator('option', { hasText: 'fake_device_2' }).getAttribute('value');
    await camera.selectOption(thirdCamera ?? '');
    await expect.poll(() => pressed(patient, 'toggle-mic')).toBe('true');
    await expect.poll(() => pressed(patient, 'toggle-camera')).toBe('true');
    expect(await sentAudioEnabled(patient)).toBe(false); // the new microphone, muted
    expect(await liveCameraTracks(patient)).toEqual([]); // choosing a camera did not turn it on
    expect(await clinician.page.getByTestId('remote-muted').isVisible()).toBe(true);
    expect(await clinician.page.getByTestId('remote-camera-off').isVisible()).toBe(true);
    await silentStretch(clinician);

    // A call restart (the clinician's window reloads; the relay gives both a new call): the patient's new call
    // starts muted and camera off, and says so to the clinician's fresh page.
    await clinician.page.reload();
    await expect.poll(async () => (await patient.timeline()).filter((e) => e.event === 'call-start').length, { timeout: 30_000 }).toBe(2);
    await Promise.all([clinician.waitForState('connected'), patient.waitForState('connected')]);
    await clinician.page.getByTestId('remote-muted').waitFor();
    await clinician.page.getByTestId('remote-camera-off').waitFor();
    expect(await clinician.page.getByTestId('remote-video').isVisible()).toBe(false);
    await expect.poll(() => pressed(patient, 'toggle-mic')).toBe('true');
    await expect.poll(() => pressed(patient, 'toggle-camera')).toBe('true');
    expect(await sentAudioEnabled(patient)).toBe(false);
    // The new call's peer was made from the stream holding the stopped camera track: its sender sends nothing.
    expect((await sentVideo(patient))?.readyState ?? 'none').toMatch(/^(ended|none)$/);
    expect(await liveCameraTracks(patient)).toEqual([]);
    await silentStretch(clinician);

    // Camera on in the restarted call: the camera chosen while it was off, on the new call's sender.
    await clickAt(patient, 'toggle-camera');
    await expect.poll(() => sentVideo(patient), { timeout: 10_000 }).toMatchObject({ label: 'fake_device_2', readyState: 'live' });
    await expect.poll(() => clinician.page.getByTestId('remote-video').isVisible(), { timeout: 10_000 }).toBe(true);
    await framesGained(clinician, 30);
    await clickAt(patient, 'toggle-mic');
    await soundAgain(clinician, (await inboundAudio(clinician)).energy);
    await expect.poll(() => clinician.page.getByTestId('remote-muted').count()).toBe(0);
  });
});
