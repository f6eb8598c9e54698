/**
 * Cameras and microphones in real Chromium with fake cameras: switching mid-call while the other side keeps
 * decoding, remembered choices, and the device errors people meet (camera busy, none at all).
 * Chromium's second fake camera (fake_device_1) simulates a depth camera (Y16 frames) that WebRTC cannot
 * encode, so the switch goes to the third one (fake_device_2, MJPEG like most webcams).
 */
import { describe, expect, it } from 'vitest';
import type { AppWindow, TestRelay } from '../harness/browser';
import { browserSuite } from '../harness/suite';

const suite = browserSuite(['--use-fake-device-for-media-stream=device-count=3']);
let relay: TestRelay;

function open(label: string, init?: () => void): Promise<AppWindow> {
  return suite.open(relay, label, init);
}

function localCameraLabel(window: AppWindow): Promise<string | undefined> {
  return window.page
    .getByTestId('local-video')
    .first()
    .evaluate((el) => ((el as HTMLVideoElement).srcObject as MediaStream | null)?.getVideoTracks()[0]?.label);
}

describe('devices', () => {
  it('switching camera mid-call keeps the other side decoding, and the choice is remembered', async () => {
    relay = await suite.relay();
    const clinician = await open('clinician');
    await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
    const { shortCode } = await clinician.invitePatient('Jo Park');
    const patient = await open('patient');
    await patient.joinConsultation(shortCode, 'Jo Park');
    await clinician.admit('Jo Park');
    await clinician.waitForState('connected');
    await patient.waitForFirstRemoteFrame();
    expect(await localCameraLabel(clinician)).toBe('fake_device_0');

    await clinician.page.getByRole('button', { name: 'Devices' }).click();
    const camera = clinician.page.locator('select[name="camera"]');
    const second = await camera.locator('option', { hasText: 'fake_device_2' }).getAttribute('value');
    const before = (await patient.media())?.framesDecoded ?? 0;
    await camera.selectOption(second ?? '');
    await expect.poll(() => localCameraLabel(clinician)).toBe('fake_device_2');

    // The patient keeps decoding across the switch: no renegotiation, no new call.
    const proof = await patient.mediaProof(2000);
    expect(proof.framesAfter - proof.framesBefore).toBeGreaterThan(10);
    expect(proof.framesAfter).toBeGreaterThan(before);
    expect(proof.width).toBeGreaterThan(0);
    expect(await clinician.state()).toBe('connected');
    const calls = (await clinician.timeline()).filter((e) => e.event === 'call-start');
    expect(calls).toHaveLength(1);
    const saved = await clinician.page.evaluate(
      () => JSON.parse(localStorage.getItem('clinic-consult.settings') ?? '{}') as { cameraId?: string },
    );
    expect(saved.cameraId).toBe(second);
  });

  it('a camera busy in another app says so, and Try again works once it is free', async () => {
    relay = await suite.relay();
    const clinician = await open('clinician', () => {
      const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      let refusals = 1;
      navigator.mediaDevices.getUserMedia = async (constraints) => {
        if (refusals-- > 0) throw new DOMException('Could not start video source', 'NotReadableError');
        return getUserMedia(constraints);
      };
    });
    await clinician.page.getByRole('button', { name: /I am a clinician/ }).click();
    const problem = clinician.page.getByTestId('media-error');
    await expect.poll(() => problem.getAttribute('data-kind')).toBe('device-in-use');
    expect(await problem.textContent()).toContain('being used by another app');
    await clinician.page.getByRole('button', { name: 'Try again' }).click();
    await clinician.waitForState('previewing');
    expect(await problem.count()).toBe(0);
  });

  it('with no camera at all, the patient can continue with audio only and still be admitted', async () => {
    relay = await suite.relay();
    const clinician = await open('clinician');
    await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
    const { shortCode } = await clinician.invitePatient('Lee Audio');
    const patient = await open('patient', () => {
      const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
      navigator.mediaDevices.getUserMedia = async (constraints) => {
        if (constraints?.video) throw new DOMException('Requested device not found', 'NotFoundError');
        return getUserMedia(constraints);
      };
    });
    await patient.page.getByRole('button', { name: /I am a patient/ }).click();
    const problem = patient.page.getByTestId('media-error');
    await expect.poll(() => problem.getAttribute('data-kind')).toBe('no-device');
    await patient.page.getByRole('button', { name: 'Continue with audio only' }).click();
    await patient.waitForState('previewing');
    await patient.page.getByLabel('Invite code', { exact: true }).fill(shortCode);
    await patient.page.getByLabel('Your name').fill('Lee Audio');
    await patient.page.getByRole('button', { name: 'Join', exact: true }).click();
    await patient.waitForState('waiting');
    await clinician.admit('Lee Audio');
    await clinician.waitForState('connected');
    await patient.waitForState('connected');
    // The patient still sees the clinician; the clinician hears the patient.
    await patient.waitForFirstRemoteFrame();
    await expect.poll(async () => (await clinician.media())?.audioPacketsReceived ?? 0).toBeGreaterThan(0);
  });
});
