/**
 * Patients come in on invites of their own (protocol 3), in real Chromium against the real relay: the clinician
 * (enrolled through the start screen) invites a patient by name, the patient opens the link in their own
 * browser, and the first device to redeem the invite owns it. Every other browser context here is another
 * device: its own storage, so its own device key.
 */
import { describe, expect, it } from 'vitest';
import type { AppWindow, TestRelay } from '../harness/browser';
import { browserSuite } from '../harness/suite';
import { callStarts, expectConnected, recordPeerConnections } from './call-media';

const suite = browserSuite();
let relay: TestRelay;

function open(label: string, url?: string): Promise<AppWindow> {
  return suite.open(relay, label, `(${recordPeerConnections})();`, url);
}

async function clinicianWithConsultation(): Promise<AppWindow> {
  const clinician = await open('clinician');
  await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
  return clinician;
}

/** The invite page's link carries the secret in its fragment (never sent to a server). */
function secretOf(link: string | null): string {
  const secret = new URL(link ?? '').hash.slice(1);
  expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return secret;
}

/** The one row of the clinician's waiting list (there must be exactly one). */
async function onlyWaitingRow(clinician: AppWindow) {
  const rows = clinician.page.getByTestId('waiting-patient');
  await expect.poll(() => rows.count()).toBe(1);
  return rows.first();
}

describe('invites', () => {
  it('a patient opens their invite link and types another name: the clinician sees whom it was for, flagged, and admits them', async () => {
    relay = await suite.relay();
    const clinician = await clinicianWithConsultation();
    const invite = await clinician.invitePatient('Sam Lee');
    expect(invite.shortCode).toMatch(/^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/);
    expect(invite.link?.startsWith(`${relay.url}/invite#`)).toBe(true);
    expect(invite.desktopLink).toBe(
      `clinic-consult://join?relay=${encodeURIComponent(relay.url.replace(/^http/, 'ws'))}&invite=${secretOf(invite.link)}`,
    );
    expect(await clinician.page.getByTestId('invite-expiry').first().textContent()).toMatch(/^valid until /);

    const patient = await open('patient', invite.link ?? '');
    expect(await patient.page.getByLabel('Invite code', { exact: true }).count()).toBe(0); // nothing to type but a name
    await patient.joinViaLink('Sam');

    const row = await onlyWaitingRow(clinician);
    expect(await row.locator('.waiting-list__name').textContent()).toBe('Sam');
    expect(await row.getByTestId('invited-as').textContent()).toContain('invited as Sam Lee');
    // Flagged in words, for eyes and for screen readers alike.
    const mismatch = row.getByTestId('name-mismatch');
    expect(await mismatch.isVisible()).toBe(true);
    expect(await mismatch.textContent()).toContain('name differs: the patient typed “Sam”, the invite was for “Sam Lee”');

    await clinician.admit('Sam');
    await expectConnected(clinician, patient);
  });

  it('the same link on another device is refused in words (INVITE_USED), a tampered one too; the patient keeps their seat', async () => {
    relay = await suite.relay();
    const clinician = await clinicianWithConsultation();
    const invite = await clinician.invitePatient('Sam Lee');
    const patient = await open('patient', invite.link ?? '');
    await patient.joinViaLink('Sam');
    await onlyWaitingRow(clinician);

    // Another browser (another device key) opens the very same link.
    const other = await open('second device', invite.link ?? '');
    await other.submitJoinViaLink('Sam');
    const used = await other.joinError();
    expect(used).toMatchObject({ code: 'INVITE_USED', role: 'alert' });
    expect(used.text).toBe('This invite was already used on another device. Ask the clinic for a new invite for this device.');
    expect(await other.state()).toBe('previewing');
    await other.close(); // its preview lets the camera go

    // One character changed in the link: no invite has it.
    const secret = secretOf(invite.link);
    const changed = secret[10] === 'x' ? 'y' : 'x';
    const tampered = await open('tampered link', `${relay.url}/?invite=${secret.slice(0, 10)}${changed}${secret.slice(11)}`);
    await tampered.submitJoinViaLink('Sam');
    const invalid = await tampered.joinError();
    expect(invalid.code).toBe('INVITE_INVALID');
    expect(invalid.text).toContain('This invite is not valid');
    await tampered.close();

    // A link cut short in the message: the app says so without asking the relay.
    const cut = await open('cut link', `${relay.url}/?invite=${secret.slice(0, 30)}`);
    await cut.submitJoinViaLink('Sam');
    expect(await cut.joinError()).toMatchObject({ code: 'INVITE_INVALID', text: expect.stringContaining('damaged') });
    await cut.close();

    expect(await patient.state()).toBe('waiting');
    expect(await clinician.page.getByTestId('waiting-patient').count()).toBe(1);
    expect(await clinician.page.getByTestId('waiting-patient').getAttribute('data-present')).toBe('true');
  });

  it('a patient who reloads mid-call keeps their seat (their device signs the resume) and the call comes back', async () => {
    relay = await suite.relay();
    const clinician = await clinicianWithConsultation();
    const invite = await clinician.invitePatient('Noor Aziz');
    const patient = await open('patient', invite.link ?? '');
    await patient.joinViaLink('Noor Aziz');
    await clinician.admit('Noor Aziz');
    await expectConnected(clinician, patient);

    await patient.page.reload();
    await expectConnected(clinician, patient);
    const calls = callStarts(await clinician.timeline());
    expect(calls).toHaveLength(2);
    expect(callStarts(await patient.timeline())).toEqual([calls[1]]);
    // The same seat, taken back (not a new join): one patient, and the relay never refused the page.
    const events = (await patient.timeline()).map((e) => e.event);
    expect(events).toContain('restoring');
    expect(events).not.toContain('relay-error');
    await onlyWaitingRow(clinician);
  });

  it('the device that redeemed an invite may open it again (a new tab, no session) and gets its own seat back', async () => {
    relay = await suite.relay();
    const clinician = await clinicianWithConsultation();
    const invite = await clinician.invitePatient('Ana Ruiz');
    const patient = await open('patient', invite.link ?? '');
    await patient.joinViaLink('Ana Ruiz');
    await onlyWaitingRow(clinician);

    // Same browser profile (same device key), a fresh tab: sessionStorage is per tab, so it has no resume token.
    await patient.page.close();
    const tab = await patient.context.newPage();
    await tab.goto(invite.link ?? '');
    await tab.getByTestId('offer-browser').click(); // the invite page, then the app in this browser
    await tab.getByTestId('invite-in-hand').waitFor();
    await tab.getByLabel('Your name').fill('Ana Ruiz');
    await tab.getByRole('button', { name: 'Join', exact: true }).click();
    await tab.locator('[data-testid="call-state"][data-state="waiting"]').waitFor();
    expect(await tab.getByTestId('join-error').count()).toBe(0);
    await onlyWaitingRow(clinician);
    await clinician.admit('Ana Ruiz');
    await tab.locator('[data-testid="call-state"][data-state="connected"]').waitFor({ timeout: 30_000 });
    await clinician.waitForState('connected');
  });

  it('joins with the short code read out on the phone; a name typed as invited is not flagged', async () => {
    relay = await suite.relay();
    const clinician = await clinicianWithConsultation();
    const invite = await clinician.invitePatient('Kim Ode');
    const patient = await open('patient');
    // Typed the way people type a code they heard: lower case, a space for the dash.
    await patient.joinConsultation(invite.shortCode.toLowerCase().replace('-', ' '), 'kim ode');
    const row = await onlyWaitingRow(clinician);
    expect(await row.getByTestId('invited-as').textContent()).toBe('invited as Kim Ode');
    expect(await row.getByTestId('name-mismatch').count()).toBe(0);
    await clinician.admit('kim ode');
    await expectConnected(clinician, patient);
  });

  it("the clinician's note reaches the waiting patient's screen, announced; a patient gone offline is offered none", async () => {
    relay = await suite.relay();
    const clinician = await clinicianWithConsultation();
    const invite = await clinician.invitePatient('Sam Lee');
    const patient = await open('patient', invite.link ?? '');
    await patient.joinViaLink('Sam Lee');
    const row = await onlyWaitingRow(clinician);

    await row.getByRole('button', { name: 'Message Sam Lee' }).click();
    await row.getByTestId('note-input').fill("  I'm running   5 minutes late ");
    await row.getByTestId('note-send').click();
    await expect.poll(() => row.getByTestId('note-status').getAttribute('data-status')).toBe('sent');
    const note = patient.page.getByTestId('waiting-note');
    await expect.poll(() => note.textContent()).toMatch(/^Message from Dr\. Rivera \(.+\): I'm running 5 minutes late$/);
    expect(await note.getAttribute('role')).toBe('status'); // read out by screen readers as it appears

    // The patient's window goes away: a patient offline is offered no note (the relay would refuse it,
    // PATIENT_OFFLINE: nothing is kept for later).
    await patient.close();
    await expect.poll(() => row.getAttribute('data-present')).toBe('false');
    expect(await row.getByTestId('note-toggle').count()).toBe(0);
  });
});
