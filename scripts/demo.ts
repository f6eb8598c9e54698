/**
 * npm run demo — a whole consultation between two headless Chromium windows on this machine: prints the
 * timeline and a media summary, and the bare-WebRTC floor measured in the same run; the last line is one JSON
 * object with the outcome. Exits 1 on failure.
 *   npm run demo [-- --waiting-ms 3000]
 */
import { parseArgs } from 'node:util';
import { type AppWindow, launchChromium, startTestRelay } from '../tests/harness/browser';
import { type ConsultationRun, runBarePeerConnectionPair, runConsultation } from '../tests/harness/timing';

const { values } = parseArgs({
  // 0: the clinician admits as soon as the patient is listed; other values are for comparison.
  options: { 'waiting-ms': { type: 'string', default: '0' } },
});
const waitingMs = Number(values['waiting-ms']);
if (!Number.isInteger(waitingMs) || waitingMs < 0) throw new Error('--waiting-ms must be a whole number of ms');
const OBSERVE_MS = 3000;

type MediaSample = NonNullable<Awaited<ReturnType<AppWindow['media']>>>;

function line(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function main(): Promise<number> {
  const relay = await startTestRelay();
  const chromium = await launchChromium();
  let run: ConsultationRun | null = null;
  try {
    line(`relay: ${relay.url}  (browser mode: the same page a person would open)`);
    run = await runConsultation(chromium.browser, relay, 1, waitingMs);
    const start = run.marks.opened;
    const rel = (t: number) => `+${(t - start).toFixed(0).padStart(5)} ms`;
    line('\ntimeline');
    line(`  ${rel(run.marks.opened)}  clinician opened the consultation (the patient's invite code: ${run.inviteCode})`);
    line(`  ${rel(run.marks.joined)}  patient joined the waiting room`);
    line(`  ${rel(run.marks.admitted)}  clinician admitted the patient`);
    line(`  ${rel(run.marks.patientConnected)}  patient connected`);
    line(`  ${rel(run.marks.clinicianConnected)}  clinician connected`);
    line(`  ${rel(run.marks.patientFirstFrame)}  patient sees the clinician (first frame)`);
    line(`  ${rel(run.marks.clinicianFirstFrame)}  clinician sees the patient (first frame)`);

    const before = await Promise.all([run.clinician.media(), run.patient.media()]);
    await run.clinician.page.waitForTimeout(OBSERVE_MS);
    const after = await Promise.all([run.clinician.media(), run.patient.media()]);
    const sizes = await Promise.all([run.clinician.remoteVideoSize(), run.patient.remoteVideoSize()]);
    const [clinicianBefore, patientBefore] = before;
    const [clinicianAfter, patientAfter] = after;
    if (!clinicianBefore || !patientBefore || !clinicianAfter || !patientAfter) throw new Error('no peer connection to read stats from');
    const fps = (a: number, b: number) => ((b - a) / (OBSERVE_MS / 1000)).toFixed(1);
    const kbps = (a: number, b: number) => (((b - a) * 8) / OBSERVE_MS).toFixed(0);

    line(`\nmedia over ${OBSERVE_MS / 1000} s`);
    const received = (who: string, size: (typeof sizes)[number], a: MediaSample, b: MediaSample) =>
      `  ${who} receives ${size?.width}x${size?.height}, ${fps(a.framesDecoded, b.framesDecoded)} fps, ` +
      `${kbps(a.bytesReceived, b.bytesReceived)} kbit/s, ${b.audioPacketsReceived} audio packets`;
    line(received('clinician', sizes[0], clinicianBefore, clinicianAfter));
    line(received('patient  ', sizes[1], patientBefore, patientAfter));

    await run.clinician.hangUp();
    await run.patient.waitForState('ended');
    line(`  ${rel(Date.now())}  clinician hung up; patient sees the call ended`);

    // The floor, right after the call on the same browser: two bare RTCPeerConnections in one page.
    const floorMs = await runBarePeerConnectionPair(chromium.browser, `${relay.url}/healthz`);
    const ratio = Number((run.admitToMediaMs / floorMs).toFixed(2));
    line(`\nadmit -> first frames ${run.admitToMediaMs.toFixed(0)} ms; a bare WebRTC pair ${floorMs.toFixed(0)} ms (ratio ${ratio})`);

    const ok =
      clinicianAfter.framesDecoded > clinicianBefore.framesDecoded &&
      patientAfter.framesDecoded > patientBefore.framesDecoded &&
      clinicianAfter.audioPacketsReceived > 0 &&
      patientAfter.audioPacketsReceived > 0;
    line(
      JSON.stringify({
        demo: ok ? 'ok' : 'failed',
        invite_code: run.inviteCode,
        waiting_ms: waitingMs,
        admit_to_first_frames_ms: Math.round(run.admitToMediaMs),
        floor_ms: Math.round(floorMs),
        ratio,
        frames_decoded: { clinician: clinicianAfter.framesDecoded, patient: patientAfter.framesDecoded },
        resolution: { clinician: `${sizes[0]?.width}x${sizes[0]?.height}`, patient: `${sizes[1]?.width}x${sizes[1]?.height}` },
        audio_packets: { clinician: clinicianAfter.audioPacketsReceived, patient: patientAfter.audioPacketsReceived },
      }),
    );
    return ok ? 0 : 1;
  } finally {
    await chromium.close();
    await relay.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    line(JSON.stringify({ demo: 'failed', error: err instanceof Error ? err.message : String(err) }));
    process.exit(1);
  },
);
