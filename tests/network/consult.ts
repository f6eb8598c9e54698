/** A consultation between the lab's two home hosts: clinician on home 1, patient on home 2. */

import { AppWindow } from '../harness/browser';
import { type ConsultationRun, runConsultation } from '../harness/timing';
import type { Lab } from './lab';
import { RECORD_PEER_CONNECTIONS } from './selected-path';

function homeBrowsers(lab: Lab) {
  const [clinician, patient] = lab.browsers;
  if (!clinician || !patient) throw new Error('the lab needs two home hosts');
  return { clinician: clinician.browser, patient: patient.browser };
}

export interface CallOptions {
  /** Distinguishes consultations in one lab (names, codes). */
  index?: number;
  /** How long the patient sits in the waiting room before the admit click. */
  waitingMs?: number;
  opened?: (clinician: AppWindow, patient: AppWindow) => void;
}

/** Admit and wait for video both ways (throws if it never comes). */
export async function connectCall(lab: Lab, options: CallOptions = {}): Promise<ConsultationRun> {
  const browsers = homeBrowsers(lab);
  return runConsultation(browsers.clinician, lab.relay, options.index ?? 0, options.waitingMs ?? 0, {
    patientBrowser: browsers.patient,
    init: RECORD_PEER_CONNECTIONS,
    opened: options.opened,
  });
}

/** Up to the admit click, for calls expected not to connect. */
export async function admitOnly(lab: Lab): Promise<{ clinician: AppWindow; patient: AppWindow; admittedAt: number }> {
  const browsers = homeBrowsers(lab);
  const clinician = await AppWindow.open(browsers.clinician, `${lab.relay.url}/`, 'clinician', RECORD_PEER_CONNECTIONS);
  const patient = await AppWindow.open(browsers.patient, `${lab.relay.url}/`, 'patient', RECORD_PEER_CONNECTIONS);
  await clinician.openConsultation(await lab.relay.staffCode('Dr. Reach'));
  const { shortCode } = await clinician.invitePatient('Pat Remote');
  await patient.joinConsultation(shortCode, 'Pat Remote');
  const admittedAt = Date.now();
  await clinician.admit('Pat Remote');
  return { clinician, patient, admittedAt };
}
