/**
 * Arrivals are never missed, in real Chromium against a real relay: the clinician turns notifications on (the
 * browser's permission is asked then, never before), leaves the app for another page, a patient arrives, and
 * one notification with the count is made, the title carries the count and the chime plays. Back in front, the
 * next arrival chimes without a notification; a reload announces nobody again.
 *
 * Stubbed at the browser boundary only: `window.Notification` (a headless browser has no notification centre;
 * the stub records the permission request and each notification made) and a counter on
 * `OscillatorNode.prototype.start` (the real WebAudio still plays; the counter notes each note started and its
 * AudioContext's state).
 *
 * Not in front, measured here: Playwright emulates focus for every page, so `document.hasFocus()` stays true
 * in headless Chromium even with another window in front. Turning that emulation off for the clinician's page
 * (CDP `Emulation.setFocusEmulationEnabled`) and bringing a second tab of the same window to the front makes
 * it false, as a clinician switching to another tab would.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { AppWindow, TestRelay } from '../harness/browser';
import { browserSuite } from '../harness/suite';

const suite = browserSuite();
let relay: TestRelay;

interface ArrivalRecord {
  permissionRequests: number;
  shown: { title: string; body: string; tag: string | null }[];
  /** Each note started: its AudioContext's state, and how many patients the page listed then. */
  notes: { state: string; listed: number }[];
}

function stubNotificationsAndCountNotes(): void {
  const record: ArrivalRecord = { permissionRequests: 0, shown: [], notes: [] };
  Object.defineProperty(window, '__e2eArrivals', { value: record });
  class StubNotification {
    static permission: NotificationPermission = 'default';
    static async requestPermission(): Promise<NotificationPermission> {
      record.permissionRequests += 1;
      StubNotification.permission = 'granted';
      return 'granted';
    }
    onclick: (() => void) | null = null;
    constructor(title: string, options?: NotificationOptions) {
      record.shown.push({ title, body: options?.body ?? '', tag: options?.tag ?? null });
    }
    close(): void {}
  }
  Object.defineProperty(window, 'Notification', { value: StubNotification, configurable: true, writable: true });
  const start = OscillatorNode.prototype.start;
  OscillatorNode.prototype.start = function (this: OscillatorNode, when?: number): void {
    record.notes.push({ state: this.context.state, listed: document.querySelectorAll('[data-testid="waiting-patient"]').length });
    start.call(this, when);
  };
}

function arrivals(page: Page): Promise<ArrivalRecord> {
  return page.evaluate(() => (window as unknown as { __e2eArrivals: ArrivalRecord }).__e2eArrivals);
}

/** A patient joins on an invite the clinician made earlier (making one needs the clinician's page in front). */
async function arrive(shortCode: string, name: string): Promise<AppWindow> {
  const patient = await suite.open(relay, name);
  await patient.joinConsultation(shortCode, name);
  return patient;
}

describe('arrival alerts', () => {
  it('notification with the count when the app is not in front, the title badge and the chime; none on reload', async () => {
    relay = await suite.relay();
    const clinician = await suite.open(relay, 'clinician', `(${stubNotificationsAndCountNotes})();`);
    await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
    const page = clinician.page;

    // Notifications are off by default, and the browser is not asked until the clinician turns them on.
    const toggle = page.getByTestId('arrival-notifications');
    expect(await toggle.isChecked()).toBe(false);
    expect((await arrivals(page)).permissionRequests).toBe(0);
    await toggle.click();
    await expect.poll(() => toggle.isChecked()).toBe(true);
    expect((await arrivals(page)).permissionRequests).toBe(1);
    expect(await page.getByTestId('arrival-sound').isChecked()).toBe(true);
    expect(await page.getByTestId('arrival-names').isChecked()).toBe(false);

    const invites: string[] = [];
    for (const name of ['Anna Berg', 'Ben Okafor', 'Chen Li']) invites.push((await clinician.invitePatient(name)).shortCode);

    // The clinician switches to another tab.
    const elsewhere = await clinician.context.newPage();
    const cdp = await clinician.context.newCDPSession(page);
    await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
    await elsewhere.bringToFront();
    expect(await page.evaluate(() => document.hasFocus())).toBe(false);

    await arrive(invites[0] ?? '', 'Anna Berg');
    expect(await page.evaluate(() => document.hasFocus())).toBe(false);
    await expect
      .poll(async () => (await arrivals(page)).shown)
      .toEqual([{ title: 'A patient is waiting', body: 'Open Clinic Consult to see the waiting room.', tag: 'clinic-consult-arrivals' }]);
    await expect.poll(() => page.title()).toBe('(1) Clinic Consult');
    // The chime's two notes, on a running AudioContext.
    await expect
      .poll(async () => (await arrivals(page)).notes)
      .toEqual([
        { state: 'running', listed: 1 },
        { state: 'running', listed: 1 },
      ]);

    // Back in front: the next arrival chimes and counts, with no notification.
    await page.bringToFront();
    await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
    expect(await page.evaluate(() => document.hasFocus())).toBe(true);
    await arrive(invites[1] ?? '', 'Ben Okafor');
    await expect.poll(() => page.title()).toBe('(2) Clinic Consult');
    await expect.poll(async () => (await arrivals(page)).notes.filter((note) => note.listed === 2)).toHaveLength(2);
    expect((await arrivals(page)).shown).toHaveLength(1);

    // A reload finds both waiting and announces neither; the choices are kept and nothing is asked again. The
    // stub's record starts afresh with the page: a chime for the reloaded list would be notes made while two
    // patients were listed, before the third arrived.
    await page.reload();
    await page.getByTestId('consultation-card').waitFor();
    await expect.poll(() => page.title()).toBe('(2) Clinic Consult');
    expect(await page.getByTestId('arrival-notifications').isChecked()).toBe(true);
    await arrive(invites[2] ?? '', 'Chen Li');
    await expect.poll(() => page.title()).toBe('(3) Clinic Consult');
    await expect.poll(async () => (await arrivals(page)).notes.filter((note) => note.listed === 3)).toHaveLength(2);
    expect((await arrivals(page)).notes).toHaveLength(2);
    expect((await arrivals(page)).permissionRequests).toBe(0);
    expect(await page.getByTestId('waiting-patient').count()).toBe(3);
  });
});
