/**
 * bench:call — admit → first remote frame on both sides, over N consultations, side by side with the floor
 * (a bare RTCPeerConnection pair in one page) measured in the same run, interleaved so noise hits both.
 *   npm run bench:call [-- --n 20]
 */
import { parseArgs } from 'node:util';
import { launchChromium, startTestRelay } from '../tests/harness/browser';
import { percentile, phaseBreakdown, runBarePeerConnectionPair, runConsultation } from '../tests/harness/timing';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: process.env.BENCH_N ?? '20' },
    // How long each patient sits in the waiting room before being admitted. 0: the clinician admits as soon as
    // the patient is listed, which is where a slow first frame would show; other values are for comparison.
    'waiting-ms': { type: 'string', default: '0' },
  },
});
const n = Number(values.n);
const waitingMs = Number(values['waiting-ms']);
if (!Number.isInteger(n) || n < 1) throw new Error('--n must be a positive whole number');
if (!Number.isInteger(waitingMs) || waitingMs < 0) throw new Error('--waiting-ms must be a whole number of ms');

const relay = await startTestRelay();
const chromium = await launchChromium();
const calls: number[] = [];
const floor: number[] = [];
const phases: Record<string, number[]> = {};
try {
  // One warm-up of each, not counted: the first page load parses the bundle and starts Chromium's media stack.
  const warm = await runConsultation(chromium.browser, relay, -1, waitingMs);
  await warm.clinician.close();
  await warm.patient.close();
  await runBarePeerConnectionPair(chromium.browser, `${relay.url}/healthz`);

  for (let i = 0; i < n; i += 1) {
    const run = await runConsultation(chromium.browser, relay, i, waitingMs);
    await run.clinician.close();
    await run.patient.close();
    calls.push(run.admitToMediaMs);
    for (const [phase, ms] of Object.entries(phaseBreakdown(run))) phases[phase] = [...(phases[phase] ?? []), ms];
    floor.push(await runBarePeerConnectionPair(chromium.browser, `${relay.url}/healthz`));
    const consultationMs = run.admitToMediaMs.toFixed(0).padStart(5);
    const floorMs = floor[floor.length - 1]?.toFixed(0).padStart(5);
    process.stdout.write(`  #${String(i + 1).padStart(2)}  consultation ${consultationMs} ms   bare pair ${floorMs} ms\n`);
  }
} finally {
  await chromium.close();
  await relay.close();
}

const round = (x: number) => Math.round(x * 10) / 10;
const result = {
  bench: 'call',
  n,
  waiting_ms: waitingMs,
  p50_ms: round(percentile(calls, 50)),
  p95_ms: round(percentile(calls, 95)),
  floor_p50_ms: round(percentile(floor, 50)),
  floor_p95_ms: round(percentile(floor, 95)),
  ratio: Number((percentile(calls, 50) / percentile(floor, 50)).toFixed(2)),
  phases_p50_ms: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, round(percentile(v, 50))])),
};
process.stdout.write(`\nadmit -> first remote frame on both sides (n=${n}, admitted ${waitingMs} ms after the patient is listed)\n`);
process.stdout.write(`  consultation  p50 ${result.p50_ms} ms   p95 ${result.p95_ms} ms\n`);
process.stdout.write(`  bare pair     p50 ${result.floor_p50_ms} ms   p95 ${result.floor_p95_ms} ms\n`);
process.stdout.write(`  ratio (p50)   ${result.ratio}  (goal <= 1.15)\n`);
process.stdout.write(
  `  where the consultation's time goes (p50): ${Object.entries(result.phases_p50_ms)
    .map(([k, v]) => `${k} ${v} ms`)
    .join(', ')}\n`,
);
process.stdout.write(`${JSON.stringify(result)}\n`);
