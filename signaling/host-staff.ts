/**
 * A relay with no IT behind it (the desktop app's bundled relay, `npm start`'s browser mode) still only lets
 * staff open consultations: the person running it is its staff member, and gets a one-time enrollment code
 * for their own device, exactly as IT would hand one out.
 */
import { checkedName } from './names';
import type { RelayStore } from './store/store';

/** How long the host's code lasts: it is redeemed at once by the app that asked for it. */
const HOST_ENROLLMENT_TTL_MS = 15 * 60 * 1000;

/**
 * A fresh one-time code for the host: the relay's first staff member, created under `name` when there is none
 * yet. Each call issues a new code (a reinstalled app, another browser); unused ones expire on their own.
 */
export async function hostEnrollmentCode(store: RelayStore, name: string, now: number): Promise<string | null> {
  const [host] = await store.listStaff();
  if (!host) {
    // A login name or a settings name may not be fit to show patients: fall back to a plain title.
    const checked = checkedName(name);
    return (await store.addStaff(checked.ok ? checked.name : 'Clinician', now, HOST_ENROLLMENT_TTL_MS)).enrollmentCode;
  }
  // Revoked on purpose (staff revoke on this data folder): the host stays out.
  if (host.revokedAt !== null) return null;
  const issued = await store.issueEnrollmentCode(host.id, now, HOST_ENROLLMENT_TTL_MS);
  return issued.ok ? issued.value : null;
}
