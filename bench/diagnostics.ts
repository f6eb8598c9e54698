/**
 * bench:diagnostics — what the stats collector costs during a call: the same loopback consultation with the
 * collector on and with it off (`?diagnostics=off`), in the same run, alternated ON/OFF then OFF/ON each
 * round so drift (thermal, other load) hits both equally.
 *   npm run bench:diagnostics [-- --rounds 4 --window-s 20]
 *
 * Method. getStats does most of its work off the page's main thread (WebRTC's signaling, network and worker
 * threads gather and merge the report), so timing only the page's JavaScript would miss most of it. The
 * primary figure is therefore the CPU time of every Chromium process (browser, both renderers, GPU and
 * utility processes, all threads), read from the browser with CDP `SystemInfo.getProcessInfo` before and
 * after a fixed window of a steady call; only processes alive at both reads count. Per-window cost =
 * (CPU with collector - CPU without) / 2, since each of the two windows runs its own collector.
 * The renderers' main-thread figure (CDP `Performance.getMetrics` TaskDuration, which includes React
 * re-rendering the indicator) is reported beside it. The panel stays closed, as during most calls.
 */
import { parseArgs } from 'node:util';
import type { CDPSession } from 'playwright-core';
import { AppWindow, launchChromium, startTestRelay } from '../tests/harness/browser';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '4' },
    'window-s': { type: 'string', default: '20' },
    'settle-s': { type: 'string', default: '4' },
  },
});
const rounds = Number(values.rounds);
const windowS = Number(values['window-s']);
const settleS = Number(values['settle-s']);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive whole number');
if (!(windowS >= 5)) throw new Error('--window-s must be at least 5');
if (!(settleS >= 0)) throw new Error('--settle-s must be 0 or more');

type Mode = 'on' | 'off';
interface Measurement {
  mode: Mode;
  round: number;
  /** All Chromium processes, % of one core. */
  chromiumPct: number;
  /** Both renderers' main threads (TaskDuration), % of one core. */
  mainThreadPct: number;
  /** Frames decoded per second at the clinician, to see both calls carried the same media. */
  fps: number;
  width: number;
}

async function processCpu(session: CDPSession): Promise<Map<number, number>> {
  const { processInfo } = (await session.send('SystemInfo.getProcessInfo')) as { processInfo: { id: number; cpuTime: number }[] };
  return new Map(processInfo.map((p) => [p.id, p.cpuTime]));
}

async function taskSeconds(session: CDPSession): Promise<number> {
  const { metrics } = await session.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;
}

const relay = await startTestRelay();
const chromium = await launchChromium();
const browserSession = await chromium.browser.newBrowserCDPSession();

async function measure(mode: Mode, index: number): Promise<Measurement> {
  const url = mode === 'off' ? `${relay.url}/?diagnostics=off` : `${relay.url}/`;
  const clinician = await AppWindow.open(chromium.browser, url, 'clinician');
  const patient = await AppWindow.open(chromium.browser, url, 'patient');
  try {
    await clinician.openConsultation(await relay.staffCode(`Dr. Bench ${index}`));
    const { shortCode } = await clinician.invitePatient(`Patient ${index}`);
    await patient.joinConsultation(shortCode, `Patient ${index}`);
    await clinician.admit(`Patient ${index}`);
    await Promise.all([clinician.waitForState('connected'), patient.waitForState('connected')]);
    await Promise.all([clinician.waitForFirstRemoteFrame(), patient.waitForFirstRemoteFrame()]);
    // The switch must really switch: the indicator exists exactly when the collector runs.
    const indicators = await clinician.page.getByTestId('quality-indicator').count();
    if (indicators !== (mode === 'on' ? 1 : 0)) throw new Error(`collector ${mode} but ${indicators} quality indicators on screen`);

    const pageSessions = await Promise.all([clinician, patient].map((w) => w.context.newCDPSession(w.page)));
    for (const session of pageSessions) await session.send('Performance.enable');
    await clinician.page.waitForTimeout(settleS * 1000);

    const cpuBefore = await processCpu(browserSession);
    const taskBefore = await Promise.all(pageSessions.map(taskSeconds));
    const mediaBefore = await clinician.media();
    const started = performance.now();
    await clinician.page.waitForTimeout(windowS * 1000);
    const cpuAfter = await processCpu(browserSession);
    const taskAfter = await Promise.all(pageSessions.map(taskSeconds));
    const elapsedS = (performance.now() - started) / 1000;
    const mediaAfter = await clinician.media();

    let cpu = 0;
    for (const [id, after] of cpuAfter) {
      const before = cpuBefore.get(id);
      if (before !== undefined) cpu += after - before;
    }
    const task = taskAfter.reduce((sum, after, i) => sum + (after - (taskBefore[i] ?? after)), 0);
    return {
      mode,
      round: index,
      chromiumPct: (cpu / elapsedS) * 100,
      mainThreadPct: (task / elapsedS) * 100,
      fps: ((mediaAfter?.framesDecoded ?? 0) - (mediaBefore?.framesDecoded ?? 0)) / elapsedS,
      width: mediaAfter?.frameWidth ?? 0,
    };
  } finally {
    await clinician.close();
    await patient.close();
  }
}

const results: Measurement[] = [];
try {
  // Warm-up, not counted: the first page load compiles the bundle and wakes the fake camera.
  await measure('on', -1).catch((err: unknown) => {
    throw new Error(`warm-up call failed: ${String(err)}`);
  });
  for (let round = 0; round < rounds; round += 1) {
    const order: Mode[] = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const mode of order) {
      const m = await measure(mode, round);
      results.push(m);
      process.stdout.write(
        `  round ${round + 1} ${mode.padEnd(3)}  chromium ${m.chromiumPct.toFixed(2).padStart(6)} % of a core` +
          `   main threads ${m.mainThreadPct.toFixed(2).padStart(5)} %   ${m.fps.toFixed(1)} fps at ${m.width}px\n`,
      );
    }
  }
} finally {
  await chromium.close();
  await relay.close();
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const stdev = (xs: number[]) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const of = (mode: Mode, key: 'chromiumPct' | 'mainThreadPct') => results.filter((r) => r.mode === mode).map((r) => r[key]);
// Paired by round: each round measured both modes back to back.
const diffs = (key: 'chromiumPct' | 'mainThreadPct') =>
  Array.from({ length: rounds }, (_, round) => {
    const pick = (mode: Mode) => results.find((r) => r.round === round && r.mode === mode)?.[key] ?? Number.NaN;
    return pick('on') - pick('off');
  });
const round2 = (x: number) => Math.round(x * 100) / 100;
const cpuDiffs = diffs('chromiumPct');
const perWindow = mean(cpuDiffs) / 2;
const result = {
  bench: 'diagnostics',
  rounds,
  window_s: windowS,
  chromium_cpu_pct_on: round2(mean(of('on', 'chromiumPct'))),
  chromium_cpu_pct_off: round2(mean(of('off', 'chromiumPct'))),
  collector_cost_pct_per_window: round2(perWindow),
  collector_cost_stderr_pct_per_window: round2(stdev(cpuDiffs) / Math.sqrt(rounds) / 2),
  main_thread_cost_pct_per_window: round2(mean(diffs('mainThreadPct')) / 2),
  goal_pct: 2,
  within_goal: perWindow < 2,
};
process.stdout.write(`\ncollector cost during a call (n=${rounds} paired rounds, ${windowS} s windows, % of one core)\n`);
process.stdout.write(`  all Chromium processes  with ${result.chromium_cpu_pct_on} %   without ${result.chromium_cpu_pct_off} %\n`);
process.stdout.write(
  `  per window: ${result.collector_cost_pct_per_window} % ± ${result.collector_cost_stderr_pct_per_window} (std. error)` +
    `   main thread alone: ${result.main_thread_cost_pct_per_window} %   goal < 2 %\n`,
);
process.stdout.write(`${JSON.stringify(result)}\n`);
