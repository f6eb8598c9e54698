/**
 * The call verification code in real Chromium: both people see the same code, it is the one derived (here, in
 * Node) from the call's own SDP, whose fingerprints are the certificates DTLS actually used; the next call
 * gets a new code.
 */
import { describe, expect, it } from 'vitest';
import { extractFingerprint, verificationCode } from '../../renderer/engine/verification-code';
import type { AppWindow, TestRelay } from '../harness/browser';
import { browserSuite } from '../harness/suite';
import { recordPeerConnections } from './call-media';

const suite = browserSuite();
let relay: TestRelay;

function open(label: string): Promise<AppWindow> {
  return suite.open(relay, label, `(${recordPeerConnections})();`);
}

/** The code a window shows once "Verify call" is clicked (in the call's details). */
async function shownCode(side: AppWindow): Promise<string> {
  await side.page.getByTestId('diagnostics-toggle').click();
  await side.page.getByTestId('verify-call').click();
  const code = side.page.getByTestId('verification-code');
  await code.waitFor();
  const text = ((await code.textContent()) ?? '').trim();
  await side.page.getByTestId('verify-call').click(); // hides it again
  await side.page.getByTestId('diagnostics-toggle').click();
  return text;
}

interface CallDescriptions {
  local: string;
  remote: string;
  /** The certificates the DTLS handshake used, from getStats, as "sha-256 AB:CD:…". */
  dtlsLocal: string | null;
  dtlsRemote: string | null;
}

/** The call's descriptions in effect and its DTLS certificates, read from the page's own RTCPeerConnection. */
async function callDescriptions(side: AppWindow): Promise<CallDescriptions> {
  const read = await side.page.evaluate(async () => {
    const made = (globalThis as { __e2ePeerConnections?: RTCPeerConnection[] }).__e2ePeerConnections ?? [];
    const pc = made.findLast((connection) => connection.getTransceivers().length > 0 && connection.connectionState === 'connected');
    if (!pc) return null;
    const certificates = new Map<string, string>();
    let transport: { localCertificateId?: string; remoteCertificateId?: string } | null = null;
    (await pc.getStats()).forEach((stat: Record<string, unknown>) => {
      if (stat.type === 'certificate') certificates.set(String(stat.id), `${stat.fingerprintAlgorithm} ${stat.fingerprint}`);
      if (stat.type === 'transport' && stat.dtlsState === 'connected') transport = stat;
    });
    const used = transport as { localCertificateId?: string; remoteCertificateId?: string } | null;
    return {
      local: pc.currentLocalDescription?.sdp ?? '',
      remote: pc.currentRemoteDescription?.sdp ?? '',
      dtlsLocal: certificates.get(used?.localCertificateId ?? '') ?? null,
      dtlsRemote: certificates.get(used?.remoteCertificateId ?? '') ?? null,
    };
  });
  if (!read) throw new Error(`${side.label}: no connected call`);
  return read;
}

/**
 * The descriptions once getStats lists the DTLS transport with both certificates: the stats can lag the
 * connection state by a moment (seen once on this loaded machine: no remote certificate yet).
 */
async function settledDescriptions(side: AppWindow): Promise<CallDescriptions> {
  let read = await callDescriptions(side);
  for (const deadline = Date.now() + 5000; (read.dtlsLocal === null || read.dtlsRemote === null) && Date.now() < deadline; ) {
    await side.page.waitForTimeout(100);
    read = await callDescriptions(side);
  }
  return read;
}

function fingerprintOf(sdp: string): string {
  const extracted = extractFingerprint(sdp);
  if (!extracted.ok) throw new Error(`no fingerprint: ${extracted.message}`);
  return extracted.fingerprint;
}

describe('call verification code', () => {
  it('both sides show the same code, derived from the call’s own SDP; the next call gets another', async () => {
    relay = await suite.relay();
    const clinician = await open('clinician');
    await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
    const { shortCode } = await clinician.invitePatient('Anna Berg');
    const patient = await open('patient');
    await patient.joinConsultation(shortCode, 'Anna Berg');

    const codes: string[] = [];
    for (let call = 1; call <= 2; call += 1) {
      await clinician.admit('Anna Berg');
      await clinician.waitForState('connected');
      await patient.waitForState('connected');

      const clinicianCode = await shownCode(clinician);
      const patientCode = await shownCode(patient);
      expect(clinicianCode).toMatch(/^\d{4} \d{4} \d{4}$/);
      expect(patientCode).toBe(clinicianCode);

      // What the pages show is the derivation of their actual descriptions, computed here in Node.
      const [atClinician, atPatient] = await Promise.all([settledDescriptions(clinician), settledDescriptions(patient)]);
      expect((await verificationCode(atClinician.local, atClinician.remote)).code).toBe(clinicianCode);
      expect((await verificationCode(atPatient.local, atPatient.remote)).code).toBe(patientCode);
      // Each side's remote fingerprint is the other's own, and those are the certificates DTLS used.
      expect(fingerprintOf(atClinician.remote)).toBe(fingerprintOf(atPatient.local));
      expect(fingerprintOf(atPatient.remote)).toBe(fingerprintOf(atClinician.local));
      expect(atClinician.dtlsLocal).toBe(fingerprintOf(atClinician.local));
      expect(atClinician.dtlsRemote).toBe(fingerprintOf(atClinician.remote));
      expect(atPatient.dtlsLocal).toBe(fingerprintOf(atPatient.local));
      expect(atPatient.dtlsRemote).toBe(fingerprintOf(atPatient.remote));
      codes.push(clinicianCode);

      await clinician.hangUp();
      await clinician.waitForState('ended');
      await patient.waitForState('ended');
    }
    // Each call has fresh certificates, so its own code.
    expect(codes[1]).not.toBe(codes[0]);
  });
});
