/**
 * The diagnostics panel and its export in real Chromium during a real call (fake camera/microphone,
 * loopback): what the panel shows comes from the engine-side collector's getStats, the export is the file
 * the browser actually downloads.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { diagnosticsReportSchema } from '../../renderer/features/diagnostics/stats/report-schema';
import type { AppWindow, InviteShown, TestRelay } from '../harness/browser';
import { browserSuite } from '../harness/suite';

const CLINICIAN = 'Dr. Quillon Vance';
const PATIENT = 'Imogen Farraday';
/** The name the clinician typed on the invite: a different spelling, to be scrubbed as well. */
const INVITED_AS = 'Imogen Faraday-Quist';

const suite = browserSuite();

async function startCall(): Promise<{ relay: TestRelay; clinician: AppWindow; patient: AppWindow; invite: InviteShown }> {
  const relay = await suite.relay();
  const clinician = await suite.open(relay, 'clinician');
  const patient = await suite.open(relay, 'patient');
  await clinician.openConsultation(await relay.staffCode(CLINICIAN));
  const invite = await clinician.invitePatient(INVITED_AS);
  await patient.joinConsultation(invite.shortCode, PATIENT);
  await clinician.admit(PATIENT);
  await Promise.all([clinician.waitForState('connected'), patient.waitForState('connected')]);
  await clinician.waitForFirstRemoteFrame();
  return { relay, clinician, patient, invite };
}

async function openPanel(window: AppWindow) {
  const toggle = window.page.getByRole('button', { name: 'Connection details' });
  await toggle.click();
  expect(await toggle.getAttribute('aria-expanded')).toBe('true');
  const panel = window.page.getByTestId('diagnostics');
  await panel.waitFor();
  return panel;
}

const numberAttr = (locator: ReturnType<AppWindow['page']['getByTestId']>, name: string) => async () =>
  Number((await locator.getAttribute(name)) || 0);

describe('diagnostics during a call', () => {
  it('shows the quality, the states, a host pair, non-zero frame rate and bitrate, graphs and the timeline', async () => {
    const { clinician } = await startCall();
    const page = clinician.page;
    // The indicator is on screen without opening anything.
    await expect.poll(() => page.getByTestId('quality-indicator').getAttribute('data-level'), { timeout: 15_000 }).toBe('good');

    const panel = await openPanel(clinician);
    expect(await panel.getByRole('heading', { name: 'Connection details' }).isVisible()).toBe(true);

    const pair = page.getByTestId('selected-pair');
    await expect.poll(() => pair.getAttribute('data-local-type'), { timeout: 10_000 }).toBe('host');
    expect(await pair.getAttribute('data-remote-type')).toBe('host');
    expect(await pair.getAttribute('data-protocol')).toBe('udp');

    const received = page.getByTestId('stream-inbound-video');
    await expect.poll(numberAttr(received, 'data-fps'), { timeout: 10_000 }).toBeGreaterThan(5);
    await expect.poll(numberAttr(received, 'data-bitrate')).toBeGreaterThan(50_000);
    await expect.poll(numberAttr(page.getByTestId('stream-outbound-video'), 'data-bitrate')).toBeGreaterThan(50_000);
    expect(await received.getByRole('cell', { name: 'VP8', exact: true }).count()).toBe(1);

    const states = page.getByTestId('connection-states');
    expect(await states.locator('[data-state-of="relay"] td').textContent()).toBe('open');
    expect(await states.locator('[data-state-of="signaling"] td').textContent()).toBe('stable');
    expect(await states.locator('[data-state-of="connection"] td').textContent()).toBe('connected');
    expect(['connected', 'completed']).toContain(await states.locator('[data-state-of="ice-connection"] td').textContent());

    expect(await page.locator('[data-testid="candidates"] tr[data-side="local"][data-type="host"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="candidates"] tr[data-side="remote"]').count()).toBeGreaterThan(0);
    // Two ticks with rates make a line in the bitrate graph.
    await expect
      .poll(() => page.locator('[data-testid="graph-bitrate"] path.sparkline__line--1').getAttribute('d'), { timeout: 10_000 })
      .toMatch(/^M.+L/);
    expect(await page.getByTestId('diagnostics-timeline').getByRole('cell', { name: 'call-start', exact: true }).count()).toBe(1);

    await page.getByRole('button', { name: 'Hide connection details' }).click();
    expect(await page.getByTestId('diagnostics').count()).toBe(0);
  });

  it('exports a schema-valid report as a download, with no names, invite code or invite link in it', async () => {
    const { relay, clinician, invite } = await startCall();
    const page = clinician.page;
    await openPanel(clinician);
    // Wait for two collections, so the report has rates.
    await expect.poll(numberAttr(page.getByTestId('stream-inbound-video'), 'data-bitrate'), { timeout: 10_000 }).toBeGreaterThan(0);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export diagnostics' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^clinic-consult-diagnostics-[\dT-]+Z\.json$/);
    const text = await readFile(await download.path(), 'utf8');
    const report = diagnosticsReportSchema.parse(JSON.parse(text));
    await expect.poll(() => page.getByTestId('export-status').textContent()).toBe('Diagnostics downloaded.');

    const inviteSecret = new URL(invite.link ?? '').hash.slice(1);
    expect(inviteSecret).toHaveLength(43);
    const secrets = [CLINICIAN, PATIENT, INVITED_AS, 'Quillon', 'Farraday', 'Quist', invite.shortCode, invite.shortCode.replace('-', '')];
    for (const secret of [...secrets, inviteSecret]) expect(text).not.toContain(secret);
    expect(report.app).toMatchObject({ host: 'browser', chromeVersion: expect.stringMatching(/^\d+\./) });
    expect(report.relay).toMatchObject({ url: `${relay.url.replace(/^http/, 'ws')}/ws`, status: 'open' });
    expect(report.call).toMatchObject({ role: 'clinician', phase: 'connected' });
    expect(report.devices.videoinput).toBeGreaterThan(0);
    expect(report.devices.audioinput).toBeGreaterThan(0);
    expect(report.connection?.connection).toBe('connected');
    expect(report.ice).toEqual({ iceServers: [], iceTransportPolicy: 'all' });
    expect(report.samples.length).toBeGreaterThanOrEqual(2);
    expect(report.samples.at(-1)?.pair?.local?.candidateType).toBe('host');
    expect(report.lastReport.some((s) => s.type === 'inbound-rtp')).toBe(true);
    // The whole timeline is there (names, had there been any, replaced), not an empty stand-in.
    const events = (await clinician.timeline()).map((e) => e.event);
    expect(report.timeline.map((e) => e.event)).toEqual(events.slice(0, report.timeline.length));
    expect(report.timeline.map((e) => e.event)).toContain('call-start');
  });
});
