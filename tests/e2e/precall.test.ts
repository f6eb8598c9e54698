/** The pre-call check in real Chromium: fake camera and microphone, a real relay, ICE gathering for real. */
import { describe, expect, it } from 'vitest';
import type { AppWindow, TestRelay } from '../harness/browser';
import { browserSuite } from '../harness/suite';

const suite = browserSuite();
let relay: TestRelay;

async function patientWaiting(): Promise<AppWindow> {
  const clinician = await suite.open(relay, 'clinician');
  await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
  const { shortCode } = await clinician.invitePatient('Mia Chen');
  const patient = await suite.open(relay, 'patient');
  await patient.joinConsultation(shortCode, 'Mia Chen');
  return patient;
}

function status(window: AppWindow, line: string) {
  return window.page.getByTestId(`precall-${line}`).getAttribute('data-status');
}

describe('pre-call check', () => {
  it('reports camera size, hears the microphone, times the relay, and warns that no TURN is configured', async () => {
    relay = await suite.relay();
    const patient = await patientWaiting();
    // The meter moves with the fake microphone's beeps.
    await expect
      .poll(() => patient.page.getByTestId('mic-level').evaluate((el) => (el as HTMLMeterElement).value), { timeout: 10_000 })
      .toBeGreaterThan(0.2);

    await patient.page.getByRole('button', { name: 'Check camera, microphone and connection' }).click();
    await expect.poll(() => status(patient, 'camera'), { timeout: 15_000 }).toBe('pass');
    expect(await patient.page.getByTestId('precall-camera').textContent()).toContain('640x480');
    expect(await status(patient, 'microphone')).toBe('pass');
    expect(await status(patient, 'relay')).toBe('pass');
    expect(await patient.page.getByTestId('precall-relay').textContent()).toMatch(/Reachable \(\d+ ms round trip\)/);
    expect(await status(patient, 'ice')).toBe('warn');

    await patient.page.getByRole('button', { name: 'Play test sound' }).click();
    await patient.page.getByRole('group', { name: 'Did you hear the test sound?' }).getByRole('button', { name: 'No' }).click();
    expect(await status(patient, 'speaker')).toBe('fail');
  });

  it('says the TURN server cannot be reached when the one configured does not answer', async () => {
    // Port 9 (discard) on loopback: nothing listens, so TURN allocation fails at once.
    relay = await suite.relay({
      ice: {
        stunUrls: [],
        turnUrls: ['turn:127.0.0.1:9?transport=udp'],
        turnSecret: 'precall-test-secret-0123',
        turnTtlSeconds: 600,
        relayOnly: false,
      },
    });
    const patient = await patientWaiting();
    await patient.page.getByRole('button', { name: 'Check camera, microphone and connection' }).click();
    await expect.poll(() => status(patient, 'ice'), { timeout: 20_000 }).toBe('fail');
    expect(await patient.page.getByTestId('precall-ice').textContent()).toContain('cannot be reached');
  });
});
