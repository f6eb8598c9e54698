/**
 * Calls that break mid-way must heal without anyone clicking anything, in the hard topology (two symmetric
 * NATs, media only through TURN). (e) The patient's link goes down for 5 s, then comes back: media returns.
 * (f) The relay process is killed and started again: media never stops (it flows through TURN, not the
 * relay), the windows reconnect to the new relay, and the next call through it works.
 */
import { describe, expect, it } from 'vitest';
import { connectCall } from './consult';
import { frameTimes, longestFreeze, watchFrames } from './frame-watch';
import type { LabSpec } from './lab';
import { expectMediaBothWays } from './media-proof';
import { linkOutage, sleep } from './outage';
import { announceSkipIfNotRoot, IS_ROOT } from './preflight';
import { describePair, selectedPath } from './selected-path';
import { report, useLab } from './suite';

announceSkipIfNotRoot();

const TURN_ONLY_PATH: LabSpec = { lans: [{ nat: 'symmetric' }, { nat: 'symmetric' }], homes: [1, 2], isolateWans: true, ice: 'turn' };
const OUTAGE_MS = 5000;

describe.skipIf(!IS_ROOT)('network: recovery mid-call', () => {
  const lab = useLab();

  it('(e) patient link down 5 s, then up: media back without user action', async () => {
    await lab.start(TURN_ONLY_PATH);
    const call = await connectCall(lab.current(), { opened: lab.watch });
    const windows = [call.clinician, call.patient];
    await Promise.all(windows.map((window) => watchFrames(window.page)));
    await expectMediaBothWays(...windows);
    const outage = await linkOutage(lab.current(), call, OUTAGE_MS);
    await Promise.all(windows.map((window) => window.waitForState('connected', 30_000)));
    await expectMediaBothWays(...windows);

    const paths = await Promise.all(windows.map((window) => selectedPath(window.page)));
    report('link-down-5s', {
      clinician_media_back_after_up_ms: outage.clinicianBackMs,
      patient_media_back_after_up_ms: outage.patientBackMs,
      clinician_ice_connected_after_up_ms: outage.clinicianIceBackMs,
      patient_ice_connected_after_up_ms: outage.patientIceBackMs,
      clinician_restarts: outage.clinicianRestarts.join('; ') || 'none',
      patient_restarts: outage.patientRestarts.join('; ') || 'none',
      pairs_after: paths.map(describePair).join(' | '),
    });
  });

  it('(f) relay killed and restarted mid-call: media never stops, signaling resumes', async () => {
    const { relay } = await lab.start(TURN_ONLY_PATH);
    const call = await connectCall(lab.current(), { opened: lab.watch });
    const windows = [call.clinician, call.patient];
    await Promise.all(windows.map((window) => watchFrames(window.page)));
    await expectMediaBothWays(...windows);

    const killedAt = Date.now();
    await relay.kill();
    await sleep(2000);
    await relay.restart();
    const restartedAt = Date.now();

    // Both windows find the new relay by themselves (their reconnect backoff), and keep their places.
    const reopenedAt: number[] = [];
    for (const side of windows) {
      await side.page.waitForFunction(
        (after) => (window.clinicDiagnostics?.timeline() ?? []).some((e) => e.event === 'relay-open' && e.t >= after),
        restartedAt,
        { timeout: 30_000, polling: 100 },
      );
      reopenedAt.push((await side.timeline()).find((e) => e.event === 'relay-open' && e.t >= restartedAt)?.t ?? Number.NaN);
    }
    await sleep(2000);
    const settledAt = Date.now();
    const freezes = await Promise.all(windows.map(async (window) => longestFreeze(await frameTimes(window.page), killedAt, settledAt)));
    for (const [i, window] of windows.entries()) {
      // The fake camera sends ~20 fps (a frame every ~50 ms); a one-second hole would be a visible stop.
      expect(freezes[i], `${window.label} longest freeze while the relay was down (ms)`).toBeLessThan(1000);
      expect(await window.state(), `${window.label} still in the call`).toBe('connected');
    }

    // Signaling through the new relay: hang up reaches the patient, and the next call connects.
    await call.clinician.hangUp();
    await call.patient.waitForState('ended', 15_000);
    await call.clinician.admit('Patient 0');
    await Promise.all(windows.map((window) => window.waitForState('connected', 30_000)));
    await expectMediaBothWays(...windows);

    report('relay-restart', {
      clinician_longest_freeze_ms: freezes[0] ?? null,
      patient_longest_freeze_ms: freezes[1] ?? null,
      clinician_relay_back_after_restart_ms: (reopenedAt[0] ?? Number.NaN) - restartedAt,
      patient_relay_back_after_restart_ms: (reopenedAt[1] ?? Number.NaN) - restartedAt,
    });
  });
});
