/**
 * bench:reach — admit → first remote frame on both sides for each topology that should connect, beside the
 * loopback figure from the same run (measured before and after the topologies, so drift shows), and how
 * long media takes to come back after the patient's link is down for 5 s. Needs root (network namespaces).
 *   npm run bench:reach [-- --n 5 --outages 3 --waiting-ms 3000]
 * Goals: TURN topologies <= 1.3x loopback (p50); media back < 3 s after the link returns.
 *
 * Rows are the desktop app (Chromium with the switches main gives Electron's, main/chromium-switches.ts)
 * unless marked "browser": a plain browser (browser mode), compared with a plain-browser loopback.
 * same_lan_turn is a LAN call with TURN configured: relay-first (ice-policy.ts) connects it through TURN,
 * so it shows what relay-first costs where a direct path existed.
 */
import { parseArgs } from 'node:util';
import { launchChromium, startTestRelay } from '../tests/harness/browser';
import { percentile, phaseBreakdown, runConsultation } from '../tests/harness/timing';
import { connectCall } from '../tests/network/consult';
import { type LabSpec, startLab } from '../tests/network/lab';
import { cleanupAll, cleanupOnExit, sweepStaleNamespaces } from '../tests/network/netns';
import { linkOutage } from '../tests/network/outage';
import { assertToolsPresent, IS_ROOT } from '../tests/network/preflight';
import { describePair, selectedPath } from '../tests/network/selected-path';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: process.env.BENCH_N ?? '5' },
    outages: { type: 'string', default: '3' },
    // As in bench:call: the patient sits in the waiting room (camera running) before being admitted. With 0,
    // a just-started fake camera adds ~2.5 s before its first frames, which would swamp what we measure.
    'waiting-ms': { type: 'string', default: '3000' },
  },
});
const waitingMs = Number(values['waiting-ms']);
if (!Number.isInteger(waitingMs) || waitingMs < 0) throw new Error('--waiting-ms must be a whole number of ms');
const n = Number(values.n);
const outages = Number(values.outages);
if (!Number.isInteger(n) || n < 1) throw new Error('--n must be a positive whole number');
if (!Number.isInteger(outages) || outages < 0) throw new Error('--outages must be a whole number');
if (!IS_ROOT) {
  process.stderr.write('bench:reach needs root: it builds network namespaces, NAT rules and runs coturn.\n');
  process.exit(2);
}
assertToolsPresent();
cleanupOnExit();
sweepStaleNamespaces();

const TWO_NATS = { lans: [{ nat: 'symmetric' as const }, { nat: 'symmetric' as const }], homes: [1, 2], isolateWans: true };
type As = 'desktop' | 'browser';
const TOPOLOGIES: { name: string; spec: LabSpec; turn: boolean }[] = [
  { name: 'same_lan', spec: { lans: [{ nat: 'symmetric' }], homes: [1, 1], ice: 'none' }, turn: false },
  { name: 'same_lan_turn', spec: { lans: [{ nat: 'symmetric' }], homes: [1, 1], ice: 'turn' }, turn: false },
  { name: 'turn_udp', spec: { ...TWO_NATS, ice: 'turn' }, turn: true },
  { name: 'turn_tcp', spec: { ...TWO_NATS, ice: 'turn', blockUdpToServer: true }, turn: true },
  { name: 'turn_udp_browser', spec: { ...TWO_NATS, ice: 'turn', browsers: 'browser' }, turn: true },
];
const asOf = (spec: LabSpec): As => spec.browsers ?? 'desktop';
const OUTAGE_MS = 5000;

const round = (x: number): number => Math.round(x * 10) / 10;
const line = (text: string): boolean => process.stdout.write(`${text}\n`);

/**
 * Loopback: relay on 127.0.0.1, no namespaces, but like the topologies one Chromium per side, so the only
 * difference is the network.
 */
async function loopbackCalls(count: number, label: string, as: As = 'desktop'): Promise<number[]> {
  const relay = await startTestRelay();
  const clinician = await launchChromium([], { as });
  const patient = await launchChromium([], { as });
  const times: number[] = [];
  const call = (index: number) => runConsultation(clinician.browser, relay, index, waitingMs, { patientBrowser: patient.browser });
  try {
    const warm = await call(-1);
    await Promise.all([warm.clinician.close(), warm.patient.close()]);
    for (let i = 0; i < count; i += 1) {
      const run = await call(i);
      await Promise.all([run.clinician.close(), run.patient.close()]);
      times.push(run.admitToMediaMs);
      line(`  loopback${as === 'browser' ? '_browser' : ''} (${label}) #${i + 1}  ${run.admitToMediaMs.toFixed(0).padStart(5)} ms`);
    }
  } finally {
    await clinician.close();
    await patient.close();
    await relay.close();
  }
  return times;
}

/** p50 of each phase between admit and first frames (see phaseBreakdown), to say where a topology's time goes. */
function phasesP50(runs: Record<string, number>[]): Record<string, number> {
  const keys = Object.keys(runs[0] ?? {});
  return Object.fromEntries(
    keys.map((key) => [
      key,
      round(
        percentile(
          runs.map((run) => run[key] ?? Number.NaN),
          50,
        ),
      ),
    ]),
  );
}

async function topologyCalls(
  topology: (typeof TOPOLOGIES)[number],
  count: number,
): Promise<{ times: number[]; pair: string; phases: Record<string, number> }> {
  const lab = await startLab(topology.spec);
  const times: number[] = [];
  const phases: Record<string, number>[] = [];
  let pair = '';
  try {
    // Warm-up, not counted: the first page load per browser compiles the bundle and wakes the fake camera.
    const warm = await connectCall(lab, { index: -1, waitingMs });
    await Promise.all([warm.clinician.close(), warm.patient.close()]);
    for (let i = 0; i < count; i += 1) {
      const run = await connectCall(lab, { index: i, waitingMs });
      pair = (await Promise.all([run.clinician, run.patient].map((w) => selectedPath(w.page)))).map(describePair).join(' | ');
      await Promise.all([run.clinician.close(), run.patient.close()]);
      times.push(run.admitToMediaMs);
      phases.push(phaseBreakdown(run));
      line(`  ${topology.name} #${i + 1}  ${run.admitToMediaMs.toFixed(0).padStart(5)} ms   ${pair}`);
    }
  } finally {
    await lab.close();
  }
  return { times, pair, phases: phasesP50(phases) };
}

async function outageRecoveries(count: number): Promise<{ back: number[]; restarts: number }> {
  const lab = await startLab({ ...TWO_NATS, ice: 'turn' });
  const back: number[] = [];
  let restarts = 0;
  try {
    for (let i = 0; i < count; i += 1) {
      const run = await connectCall(lab, { index: i });
      const outage = await linkOutage(lab, run, OUTAGE_MS);
      back.push(outage.mediaBackMs);
      restarts += outage.clinicianRestarts.length + outage.patientRestarts.length;
      line(
        `  outage #${i + 1}  media back ${outage.mediaBackMs.toFixed(0).padStart(5)} ms after the link returned` +
          `  (clinician ${outage.clinicianBackMs.toFixed(0)}, patient ${outage.patientBackMs.toFixed(0)};` +
          ` ICE connected again after ${outage.clinicianIceBackMs?.toFixed(0) ?? '-'} / ${outage.patientIceBackMs?.toFixed(0) ?? '-'} ms;` +
          ` restarts: ${[...outage.clinicianRestarts, ...outage.patientRestarts].join('; ') || 'none'})`,
      );
      await Promise.all([run.clinician.close(), run.patient.close()]);
    }
  } finally {
    await lab.close();
  }
  return { back, restarts };
}

const result: Record<string, unknown> = { bench: 'reach', n, outages, waiting_ms: waitingMs };
try {
  line(`admit -> first remote frame on both sides (n=${n} per topology after one warm-up; patient waits ${waitingMs} ms before admit)`);
  const loopback = [...(await loopbackCalls(n, 'before'))];
  const topologyTimes: Record<string, number[]> = {};
  const pairs: Record<string, string> = {};
  const phases: Record<string, Record<string, number>> = {};
  for (const topology of TOPOLOGIES) {
    const measured = await topologyCalls(topology, n);
    topologyTimes[topology.name] = measured.times;
    pairs[topology.name] = measured.pair;
    phases[topology.name] = measured.phases;
  }
  loopback.push(...(await loopbackCalls(n, 'after')));
  const loopbackBrowser = TOPOLOGIES.some((t) => asOf(t.spec) === 'browser') ? await loopbackCalls(n, 'browser', 'browser') : [];
  const recovery = outages > 0 ? await outageRecoveries(outages) : { back: [], restarts: 0 };

  const reference: Record<As, number> = { desktop: percentile(loopback, 50), browser: percentile(loopbackBrowser, 50) };
  result.loopback_p50_ms = round(reference.desktop);
  result.loopback_p95_ms = round(percentile(loopback, 95));
  if (loopbackBrowser.length > 0) {
    result.loopback_browser_p50_ms = round(reference.browser);
    result.loopback_browser_p95_ms = round(percentile(loopbackBrowser, 95));
  }
  line('');
  line(
    `  ${'topology'.padEnd(17)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)} ${'x loopback'.padStart(11)}` +
      `   selected pair at first frames (clinician | patient)`,
  );
  line(
    `  ${'loopback'.padEnd(17)} ${round(reference.desktop).toString().padStart(8)}` +
      ` ${round(percentile(loopback, 95)).toString().padStart(8)}` +
      ` ${'1.00'.padStart(11)}`,
  );
  if (loopbackBrowser.length > 0) {
    line(
      `  ${'loopback_browser'.padEnd(17)} ${round(reference.browser).toString().padStart(8)}` +
        ` ${round(percentile(loopbackBrowser, 95)).toString().padStart(8)} ${'1.00'.padStart(11)}` +
        `   (the reference for browser rows)`,
    );
  }
  for (const topology of TOPOLOGIES) {
    const times = topologyTimes[topology.name] ?? [];
    const p50 = percentile(times, 50);
    const ratio = Number((p50 / reference[asOf(topology.spec)]).toFixed(2));
    result[`${topology.name}_p50_ms`] = round(p50);
    result[`${topology.name}_p95_ms`] = round(percentile(times, 95));
    result[`${topology.name}_ratio`] = ratio;
    const goal = topology.turn ? (ratio <= 1.3 ? '  (goal <= 1.3: met)' : '  (goal <= 1.3: MISSED)') : '';
    line(
      `  ${topology.name.padEnd(17)} ${round(p50).toString().padStart(8)}` +
        ` ${round(percentile(times, 95)).toString().padStart(8)} ${ratio.toFixed(2).padStart(11)}` +
        `   ${pairs[topology.name]}${goal}`,
    );
  }
  line("  where the time goes (p50 ms, from the clinician's timeline):");
  for (const [name, byPhase] of Object.entries(phases)) {
    line(
      `    ${name.padEnd(17)} ${Object.entries(byPhase)
        .map(([phase, ms]) => `${phase} ${ms}`)
        .join(', ')}`,
    );
    result[`${name}_phases_p50_ms`] = byPhase;
  }
  if (recovery.back.length > 0) {
    result.outage_ms = OUTAGE_MS;
    const p50 = round(percentile(recovery.back, 50));
    const max = round(Math.max(...recovery.back));
    result.media_back_after_link_up_p50_ms = p50;
    result.media_back_after_link_up_max_ms = max;
    result.outage_call_restarts = recovery.restarts;
    line(
      `  after a ${OUTAGE_MS / 1000} s link outage (turn_udp): media back p50 ${p50} ms, max ${max} ms after the link returned` +
        ` (goal < 3000: ${max < 3000 ? 'met' : 'MISSED'})`,
    );
  }
} finally {
  cleanupAll();
}
line(JSON.stringify(result));
