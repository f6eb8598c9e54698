/**
 * Timing of whole consultations and of the bare-WebRTC floor, from the timelines the app itself records.
 * Used by `npm run demo` and `npm run bench:call`.
 */
import type { Browser } from 'playwright-core';
import type { TimelineEntry } from '../../renderer/engine/timeline';
import { AppWindow, lastEvent, newMediaContext, type StaffingRelay } from './browser';

export interface ConsultationRun {
  /** The invite code the patient typed. */
  inviteCode: string;
  clinician: AppWindow;
  patient: AppWindow;
  /** Epoch ms of each milestone. */
  marks: {
    opened: number;
    joined: number;
    admitted: number;
    clinicianConnected: number;
    patientConnected: number;
    clinicianFirstFrame: number;
    patientFirstFrame: number;
  };
  /** Admit click to the first remote frame on both sides, ms. */
  admitToMediaMs: number;
  clinicianTimeline: TimelineEntry[];
  patientTimeline: TimelineEntry[];
}

function at(timeline: TimelineEntry[], event: string, who: string): number {
  const entry = lastEvent(timeline, event);
  if (!entry) throw new Error(`${who} never recorded "${event}"`);
  return entry.t;
}

export interface ConsultationOptions {
  /** The patient's browser when it is not the clinician's (e.g. another host on another network). */
  patientBrowser?: Browser;
  /** Page init script for both windows (see AppWindow.open). */
  init?: string;
  /** Called as soon as both windows exist, e.g. so a failing test can print what they show. */
  opened?: (clinician: AppWindow, patient: AppWindow) => void;
}

/**
 * Enrolls a clinician (a new staff member of `relay`), opens a consultation, invites a patient who joins with
 * the invite's code, lets them in, and waits for video both ways. Windows stay open.
 */
export async function runConsultation(
  browser: Browser,
  relay: StaffingRelay,
  index = 0,
  waitingMs = 0,
  options: ConsultationOptions = {},
): Promise<ConsultationRun> {
  const clinician = await AppWindow.open(browser, `${relay.url}/`, 'clinician', options.init);
  const patient = await AppWindow.open(options.patientBrowser ?? browser, `${relay.url}/`, 'patient', options.init);
  options.opened?.(clinician, patient);
  await clinician.openConsultation(await relay.staffCode(`Dr. Demo ${index}`));
  const patientName = `Patient ${index}`;
  const { shortCode } = await clinician.invitePatient(patientName);
  await patient.joinConsultation(shortCode, patientName);
  // Time the patient spends in the waiting room before the clinician admits them.
  if (waitingMs > 0) await patient.page.waitForTimeout(waitingMs);
  const admit = clinician.admitButton(patientName);
  await admit.waitFor();
  await clinician.admit(patientName);
  await Promise.all([clinician.waitForFirstRemoteFrame(), patient.waitForFirstRemoteFrame()]);
  await Promise.all([clinician.waitForState('connected'), patient.waitForState('connected')]);
  // The first-frame callback lands a moment after the frame is painted: wait for it in the timeline.
  await Promise.all([clinician.waitForEvent('first-remote-frame'), patient.waitForEvent('first-remote-frame')]);
  const clinicianTimeline = await clinician.timeline();
  const patientTimeline = await patient.timeline();
  const marks = {
    opened: at(clinicianTimeline, 'welcome', 'clinician'),
    joined: at(patientTimeline, 'welcome', 'patient'),
    admitted: at(clinicianTimeline, 'admit', 'clinician'),
    clinicianConnected: at(clinicianTimeline, 'connected', 'clinician'),
    patientConnected: at(patientTimeline, 'connected', 'patient'),
    clinicianFirstFrame: at(clinicianTimeline, 'first-remote-frame', 'clinician'),
    patientFirstFrame: at(patientTimeline, 'first-remote-frame', 'patient'),
  };
  return {
    inviteCode: shortCode,
    clinician,
    patient,
    marks,
    admitToMediaMs: Math.max(marks.clinicianFirstFrame, marks.patientFirstFrame) - marks.admitted,
    clinicianTimeline,
    patientTimeline,
  };
}

/**
 * The floor: two RTCPeerConnections in one page, media already captured, offer/answer and candidates
 * handed over directly in memory. Returns ms from createOffer to the first frame on both sides.
 */
export async function runBarePeerConnectionPair(browser: Browser, pageUrl: string): Promise<number> {
  const context = await newMediaContext(browser);
  try {
    const page = await context.newPage();
    await page.goto(pageUrl);
    return await page.evaluate(async () => {
      const constraints = { audio: true, video: { width: { ideal: 640 }, height: { ideal: 480 }, frameRate: { ideal: 30 } } };
      const [streamA, streamB] = await Promise.all([
        navigator.mediaDevices.getUserMedia(constraints),
        navigator.mediaDevices.getUserMedia(constraints),
      ]);
      const a = new RTCPeerConnection({ iceServers: [] });
      const b = new RTCPeerConnection({ iceServers: [] });
      a.onicecandidate = (e) => e.candidate && void b.addIceCandidate(e.candidate);
      b.onicecandidate = (e) => e.candidate && void a.addIceCandidate(e.candidate);
      const firstFrame = (pc: RTCPeerConnection) =>
        new Promise<number>((resolve) => {
          pc.ontrack = (e) => {
            if (e.track.kind !== 'video') return;
            const video = document.createElement('video');
            video.muted = true;
            video.autoplay = true;
            video.srcObject = e.streams[0] ?? new MediaStream([e.track]);
            document.body.append(video);
            video.requestVideoFrameCallback(() => resolve(performance.now()));
          };
        });
      const framesAtA = firstFrame(a);
      const framesAtB = firstFrame(b);
      const start = performance.now();
      for (const track of streamA.getTracks()) a.addTrack(track, streamA);
      for (const track of streamB.getTracks()) b.addTrack(track, streamB);
      await a.setLocalDescription(await a.createOffer());
      await b.setRemoteDescription(a.localDescription as RTCSessionDescriptionInit);
      await b.setLocalDescription(await b.createAnswer());
      await a.setRemoteDescription(b.localDescription as RTCSessionDescriptionInit);
      const both = Math.max(await framesAtA, await framesAtB);
      a.close();
      b.close();
      for (const track of [...streamA.getTracks(), ...streamB.getTracks()]) track.stop();
      return both - start;
    });
  } finally {
    await context.close();
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** Where the time between admit and first frame goes, from the clinician's (initiator's) timeline. */
export function phaseBreakdown(run: ConsultationRun): Record<string, number> {
  const c = run.clinicianTimeline;
  const first = (event: string, after: number): number => c.find((e) => e.event === event && e.t >= after)?.t ?? Number.NaN;
  const admitted = run.marks.admitted;
  const callStart = first('call-start', admitted);
  const offer = c.find((e) => e.event === 'signal-out' && e.detail === 'offer' && e.t >= admitted)?.t ?? Number.NaN;
  const answer = c.find((e) => e.event === 'signal-in' && e.detail?.startsWith('answer') && e.t >= admitted)?.t ?? Number.NaN;
  const connected = first('connected', admitted);
  const lastFrame = Math.max(run.marks.clinicianFirstFrame, run.marks.patientFirstFrame);
  return {
    admit_to_call_start: callStart - admitted,
    call_start_to_offer: offer - callStart,
    offer_to_answer: answer - offer,
    answer_to_connected: connected - answer,
    connected_to_first_frames: lastFrame - connected,
  };
}
