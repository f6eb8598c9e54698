/**
 * Clinic staff sign-in in real Chromium against the real relay and its store: enrolling with IT's code through
 * the clinician's start screen, the device key kept in IndexedDB across reloads, refusals shown with their
 * code, signing out, and IT revoking a clinician in the middle of a consultation.
 */
import { describe, expect, it } from 'vitest';
import type { AppWindow, TestRelay } from '../harness/browser';
import { browserSuite } from '../harness/suite';

const suite = browserSuite();
let relay: TestRelay;

async function clinicianScreen(window: AppWindow): Promise<void> {
  await window.page.getByRole('button', { name: /I am a clinician/ }).click();
}

function openButton(window: AppWindow) {
  return window.page.getByRole('button', { name: 'Open consultation' });
}

async function signInError(window: AppWindow): Promise<{ code: string | null; text: string | null; role: string | null }> {
  const error = window.page.getByTestId('sign-in-error');
  await error.waitFor();
  return { code: await error.getAttribute('data-code'), text: await error.textContent(), role: await error.getAttribute('role') };
}

/** The relay's record of this staff member's devices. */
async function devicesOf(name: string) {
  const staff = (await relay.store.listStaff()).find((s) => s.displayName === name);
  if (!staff) throw new Error(`no staff member ${name}`);
  return relay.store.deviceCredentials(staff.id);
}

describe('clinic staff sign-in', () => {
  it('enrolls through the start screen, stays signed in across a reload, and opens a consultation under that name', async () => {
    relay = await suite.relay();
    const clinician = await suite.open(relay, 'clinician');
    await clinicianScreen(clinician);
    expect(await openButton(clinician).count()).toBe(0); // nobody opens a consultation before signing in
    await clinician.signIn(await relay.staffCode('Dr. Rivera'));
    expect(await clinician.page.getByTestId('signed-in-as').textContent()).toBe('Signed in as Dr. Rivera');

    await clinician.page.reload();
    await clinicianScreen(clinician);
    await expect.poll(() => clinician.page.getByTestId('signed-in-as').textContent()).toBe('Signed in as Dr. Rivera');
    expect(await clinician.page.getByLabel('Enrollment code').count()).toBe(0);
    await openButton(clinician).click();
    const { shortCode } = await clinician.invitePatient('Anna Berg');

    const patient = await suite.open(relay, 'patient');
    await patient.joinConsultation(shortCode, 'Anna Berg');
    expect(await patient.page.getByText("You are in Dr. Rivera's waiting room.").count()).toBe(1);
    const [device, ...others] = await devicesOf('Dr. Rivera');
    expect(others).toEqual([]); // one device, enrolled once; the reload signed in with the same key
    expect(device?.revokedAt).toBeNull();
    expect(device?.lastUsedAt).not.toBeNull();
  });

  it('a used or an unknown code is refused with its code and its reason, and nothing is signed in', async () => {
    relay = await suite.relay();
    const enrollmentCode = await relay.staffCode('Dr. Rivera');
    const first = await suite.open(relay, 'first device');
    await clinicianScreen(first);
    await first.signIn(enrollmentCode);

    const second = await suite.open(relay, 'second device');
    await clinicianScreen(second);
    await second.page.getByLabel('Enrollment code').fill(enrollmentCode);
    await second.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const used = await signInError(second);
    expect(used).toMatchObject({ code: 'ENROLLMENT_USED', role: 'alert' });
    expect(used.text).toContain('already used');
    expect(await openButton(second).count()).toBe(0);

    await second.page.getByLabel('Enrollment code').fill('ABCD-EFGH-JKMN-PQRS-TUVW');
    await second.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => second.page.getByTestId('sign-in-error').getAttribute('data-code')).toBe('ENROLLMENT_INVALID');
    expect(await second.page.getByTestId('sign-in-error').textContent()).toContain('not known');
    expect(await second.page.getByTestId('signed-in-as').count()).toBe(0);
    expect(await devicesOf('Dr. Rivera')).toHaveLength(1);
  });

  it('sign out: the relay revokes the device, the page forgets it, and Open consultation is gone', async () => {
    relay = await suite.relay();
    const clinician = await suite.open(relay, 'clinician');
    await clinicianScreen(clinician);
    await clinician.signIn(await relay.staffCode('Dr. Rivera'));
    await clinician.page.getByTestId('sign-out').click();
    await clinician.page.getByLabel('Enrollment code').waitFor();
    expect(await openButton(clinician).count()).toBe(0);
    expect(await clinician.page.getByTestId('signed-in-as').count()).toBe(0);
    await expect.poll(async () => (await devicesOf('Dr. Rivera'))[0]?.revokedAt ?? null).not.toBeNull();

    await clinician.page.reload();
    await clinicianScreen(clinician);
    await clinician.page.getByLabel('Enrollment code').waitFor();
    expect(await openButton(clinician).count()).toBe(0);
  });

  it('IT revokes a clinician mid-call: within seconds their screen says so and the patient is told the consultation closed', async () => {
    relay = await suite.relay();
    const { staff, enrollmentCode } = await relay.store.addStaff('Dr. Rivera', Date.now());
    const clinician = await suite.open(relay, 'clinician');
    await clinician.openConsultation(enrollmentCode);
    const { shortCode } = await clinician.invitePatient('Ben Okafor');
    const patient = await suite.open(relay, 'patient');
    await patient.joinConsultation(shortCode, 'Ben Okafor');
    await clinician.admit('Ben Okafor');
    await Promise.all([clinician.waitForState('connected'), patient.waitForState('connected')]);

    const revokedAt = Date.now();
    await relay.store.revokeStaff(staff.id, revokedAt);
    const revoked = await signInError(clinician);
    const noticedMs = Date.now() - revokedAt;
    expect(revoked).toMatchObject({ code: 'STAFF_REVOKED', text: 'IT revoked this sign-in. Ask them for a new enrollment code.' });
    expect(noticedMs).toBeLessThan(2500); // the relay looks at the store every 250 ms
    expect(await clinician.page.getByTestId('consultation-card').count()).toBe(0);
    expect(await openButton(clinician).count()).toBe(0);
    await clinician.page.getByLabel('Enrollment code').waitFor();
    await patient.page.getByRole('heading', { name: 'Consultation over' }).waitFor();
    expect(await patient.page.getByText('The clinician closed the consultation.').count()).toBe(1);

    // The device forgot its key: a reload does not sign it back in.
    await clinician.page.reload();
    await clinicianScreen(clinician);
    await clinician.page.getByLabel('Enrollment code').waitFor();
    expect(await clinician.page.getByTestId('signed-in-as').count()).toBe(0);
  });

  it('an enrollment link (?enroll=, as the CLI prints it) opens the clinician screen, signs in, and leaves the address', async () => {
    relay = await suite.relay();
    const enrollmentCode = await relay.staffCode('Dr. Rivera');
    const clinician = await suite.open(relay, 'clinician', undefined, `${relay.url}/?enroll=${encodeURIComponent(enrollmentCode)}`);
    await expect.poll(() => clinician.page.getByTestId('signed-in-as').textContent()).toBe('Signed in as Dr. Rivera');
    expect(new URL(clinician.page.url()).searchParams.has('enroll')).toBe(false); // a spent secret stays out of history
    await clinician.page.reload();
    await clinicianScreen(clinician);
    await expect.poll(() => clinician.page.getByTestId('signed-in-as').textContent()).toBe('Signed in as Dr. Rivera');
    expect(await clinician.page.getByTestId('sign-in-error').count()).toBe(0);
  });
});
