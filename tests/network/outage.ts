/**
 * A link outage in the middle of a call, measured: the patient's host loses its link for `outageMs`, and we
 * time, on each side, the first remote video frame after the link is back. Shared by the recovery test and
 * `npm run bench:reach`.
 */
import type { AppWindow } from '../harness/browser';
import type { ConsultationRun } from '../harness/timing';
import { firstFrameAfter, frameTimes, watchFrames } from './frame-watch';
import type { Lab } from './lab';

export interface OutageResult {
  downAt: number;
  upAt: number;
  /** First frame after the link came back, ms after it did; per side. */
  clinicianBackMs: number;
  patientBackMs: number;
  /** The later of the two: when the call was whole again. */
  mediaBackMs: number;
  /** ICE reported connected again (from each side's timeline), ms after the link came back; null if never logged. */
  clinicianIceBackMs: number | null;
  patientIceBackMs: number | null;
  /** `call-restart` details each side logged during and after the outage (empty: ICE healed by itself). */
  clinicianRestarts: string[];
  patientRestarts: string[];
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the time of the first frame at or after `t` in `window`, polling its frame log. */
export async function frameAfter(window: AppWindow, t: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = firstFrameAfter(await frameTimes(window.page), t);
    if (found !== null) return found;
    if (Date.now() > deadline) throw new Error(`${window.label}: no remote video frame within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** First timeline entry of `name` with `detail` at or after `t`, as ms after `t`. */
async function msUntilEvent(window: AppWindow, name: string, detail: string, t: number): Promise<number | null> {
  const entry = (await window.timeline()).find((e) => e.event === name && e.detail === detail && e.t >= t);
  return entry ? entry.t - t : null;
}

export async function eventsSince(window: AppWindow, name: string, after: number): Promise<string[]> {
  return (await window.timeline()).filter((e) => e.event === name && e.t >= after).map((e) => e.detail ?? '');
}

export async function linkOutage(lab: Lab, call: ConsultationRun, outageMs: number): Promise<OutageResult> {
  const home = lab.topology.homes[1];
  if (!home) throw new Error('the lab has no patient home');
  await Promise.all([call.clinician, call.patient].map((window) => watchFrames(window.page)));
  const downAt = Date.now();
  lab.topology.linkDown(home);
  try {
    await sleep(outageMs);
  } finally {
    lab.topology.linkUp(home);
  }
  const upAt = Date.now();
  // Room for the engine's own timers: the ICE "disconnected" grace, then restart attempts of ~10 s each.
  const [clinicianBack, patientBack] = await Promise.all([
    frameAfter(call.clinician, upAt, 60_000),
    frameAfter(call.patient, upAt, 60_000),
  ]);
  const clinicianBackMs = clinicianBack - upAt;
  const patientBackMs = patientBack - upAt;
  return {
    downAt,
    upAt,
    clinicianBackMs,
    patientBackMs,
    mediaBackMs: Math.max(clinicianBackMs, patientBackMs),
    clinicianIceBackMs: await msUntilEvent(call.clinician, 'ice-state', 'connected', upAt),
    patientIceBackMs: await msUntilEvent(call.patient, 'ice-state', 'connected', upAt),
    clinicianRestarts: await eventsSince(call.clinician, 'call-restart', downAt),
    patientRestarts: await eventsSince(call.patient, 'call-restart', downAt),
  };
}
