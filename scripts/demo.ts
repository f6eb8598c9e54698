/**
 * npm run demo — a whole consultation between two headless Chromium windows on this machine: prints the
 * timeline and a media summary; the last line is one JSON object with the outcome. Exits 1 on failure.
 */
import { launchChromium, startTestRelay } from '../tests/harness/browser';
import { type ConsultationRun, runConsultation } from '../tests/harness/timing';

/**
 * The patient waits this long before being admitted, as a real patient does. Chromium's fake camera
 * delivers no frames to WebRTC for its first ~3 s, which would otherwise dominate the timing.
 */
const WAITING_ROOM_MS = 3000;
const OBSERVE_MS = 3000;

function line(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function main(): Promise<number> {
  const relay = await startTestRelay();
  const chromium = await launchChromium();
  let run: ConsultationRun | null = null;
  try {
    line(`relay: ${relay.url}  (browser mode: the same page a person would open)`);
    run = await runConsultation(chromium.browser, relay.url, 1, WAITING_ROOM_MS);
    const start = run.marks.opened;
    const rel = (t: number) => `+${(t - start).toFixed(0).padStart(5)} ms`;
    line('\ntimeline');
    line(`  ${rel(run.marks.opened)}  clinician opened consultation ${run.code}`);
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
    line(
      `  clinician receives ${sizes[0]?.width}x${sizes[0]?.height}, ${fps(clinicianBefore.framesDecoded, clinicianAfter.framesDecoded)} fps, ${kbps(clinicianBefore.bytesReceived, clinicianAfter.bytesReceived)} kbit/s, ${clinicianAfter.audioPacketsReceived} audio packets`,
    );
    line(
      `  patient   receives ${sizes[1]?.width}x${sizes[1]?.height}, ${fps(patientBefore.framesDecoded, patientAfter.framesDecoded)} fps, ${kbps(patientBefore.bytesReceived, patientAfter.bytesReceived)} kbit/s, ${patientAfter.audioPacketsReceived} audio packets`,
    );

    await run.clinician.hangUp();
    await run.patient.waitForState('ended');
    line(`  ${rel(Date.now())}  clinician hung up; patient sees the call ended`);

    const ok =
      clinicianAfter.framesDecoded > clinicianBefore.framesDecoded &&
      patientAfter.framesDecoded > patientBefore.framesDecoded &&
      clinicianAfter.audioPacketsReceived > 0 &&
      patientAfter.audioPacketsReceived > 0;
    line(
      JSON.stringify({
        demo: ok ? 'ok' : 'failed',
        code: run.code,
        admit_to_first_frames_ms: Math.round(run.admitToMediaMs),
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
