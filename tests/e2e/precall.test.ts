/** The pre-call check in real Chromium: fake camera and microphone, a real relay, ICE gathering for real. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Relay } from '../../signaling/server';
import { AppWindow, launchChromium, startTestRelay, type LaunchedBrowser } from '../harness/browser';

let chromium: LaunchedBrowser;
let relay: Relay;
const windows: AppWindow[] = [];

beforeAll(async () => {
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium.close();
});
afterEach(async () => {
  for (const window of windows.splice(0)) await window.close();
  await relay.close();
});

async function patientWaiting(): Promise<AppWindow> {
  const clinician = await AppWindow.open(chromium.browser, `${relay.url}/`, 'clinician');
  windows.push(clinician);
  const code = await clinician.openConsultation('Dr. Rivera');
  const patient = await AppWindow.open(chromium.browser, `${relay.url}/`, 'patient');
  windows.push(patient);
  await patient.joinConsultation(code, 'Mia Chen');
  return patient;
}

function status(window: AppWindow, line: string) {
  return window.page.getByTestId(`precall-${line}`).getAttribute('data-status');
}

describe('pre-call check', () => {
  it('reports camera size, hears the microphone, times the relay, and warns that no TURN is configured', async () => {
    relay = await startTestRelay();
    const patient = await patientWaiting();
    // The meter moves with the fake microphone's beeps.
    await expect.poll(() => patient.page.getByTestId('mic-level').evaluate((el) => (el as HTMLMeterElement).value), { timeout: 10_000 }).toBeGreaterThan(0.2);

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
    relay = await startTestRelay({
      ice: { stunUrls: [], turnUrls: ['turn:127.0.0.1:9?transport=udp'], turnSecret: 'precall-test-secret-0123', turnTtlSeconds: 600, relayOnly: false },
    });
    const patient = await patientWaiting();
    await patient.page.getByRole('button', { name: 'Check camera, microphone and connection' }).click();
    await expect.poll(() => status(patient, 'ice'), { timeout: 20_000 }).toBe('fail');
    expect(await patient.page.getByTestId('precall-ice').textContent()).toContain('cannot be reached');
  });
});
