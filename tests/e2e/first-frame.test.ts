/**
 * Video right after Admit. A clinician who admitted as soon as the patient was listed saw the first video
 * frame 2.4–2.9 s after Admit (audio after 0.3 s): every preview that a view switch removed kept one of the
 * camera's four capture buffers for ~3 s, and Chromium dropped new frames until they were let go.
 *
 * The cause is checked exactly: no <video> that left the page may still hold a stream. The outcome is checked
 * against a bare WebRTC pair measured right after each consultation in the same browser, so that a busy
 * machine slows both alike: admitted the moment the patient is listed, the best of three runs must be within
 * 1 s of its floor (the product's own cost is tens of milliseconds; the old code added two seconds and more).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedBrowser, launchChromium, startTestRelay, type TestRelay } from '../harness/browser';
import { runBarePeerConnectionPair, runConsultation } from '../harness/timing';

const RUNS = 3;
const MAX_OVER_FLOOR_MS = 1000;
let chromium: LaunchedBrowser;
let relay: TestRelay;

beforeAll(async () => {
  chromium = await launchChromium();
  relay = await startTestRelay();
});
afterAll(async () => {
  await chromium?.close();
  await relay?.close();
});

/** Counts <video> elements that are off the page but still hold a stream (each pins a camera buffer). */
function watchDetachedVideos(): void {
  const srcObject = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject');
  if (!srcObject?.get || !srcObject.set) throw new Error('no srcObject accessor to watch');
  const { get, set } = srcObject;
  // Held strongly, on purpose: garbage collection must not hide an element that never let go.
  const given = new Set<HTMLMediaElement>();
  Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
    configurable: true,
    get(this: HTMLMediaElement) {
      return get.call(this);
    },
    set(this: HTMLMediaElement, value: MediaProvider | null) {
      if (value) given.add(this);
      set.call(this, value);
    },
  });
  Object.assign(window, {
    videosGivenStreams: () => given.size,
    detachedVideosHoldingStreams: () => [...given].filter((element) => !element.isConnected && get.call(element) !== null).length,
  });
}

describe('first frame right after Admit', () => {
  it('no video that left the page keeps its stream (entry form -> waiting room -> call, both sides)', async () => {
    const run = await runConsultation(chromium.browser, relay, 0, 0, { init: `(${watchDetachedVideos.toString()})()` });
    try {
      for (const side of [run.clinician, run.patient]) {
        type Watch = { videosGivenStreams(): number; detachedVideosHoldingStreams(): number };
        // Previews and the call's videos (at least entry form, waiting room, call): the watch saw them all.
        const given = await side.page.evaluate(() => (window as unknown as Watch).videosGivenStreams());
        expect(given, `${side.label}: videos given a stream`).toBeGreaterThanOrEqual(3);
        const held = () => side.page.evaluate(() => (window as unknown as Watch).detachedVideosHoldingStreams());
        // React clears a removed element's stream in its effect cleanup, a moment after the element leaves.
        await expect.poll(held, { timeout: 2000, message: `${side.label}: removed videos still holding a stream` }).toBe(0);
      }
    } finally {
      await run.clinician.close();
      await run.patient.close();
    }
  });

  it('shows video both ways about as soon as a bare WebRTC pair does, admitted at once', { timeout: 120_000 }, async () => {
    const runs: { consultation: number; floor: number }[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const run = await runConsultation(chromium.browser, relay, i, 0);
      await run.clinician.close();
      await run.patient.close();
      const floor = await runBarePeerConnectionPair(chromium.browser, `${relay.url}/healthz`);
      runs.push({ consultation: Math.round(run.admitToMediaMs), floor: Math.round(floor) });
    }
    const described = runs.map((r) => `${r.consultation} ms (floor ${r.floor} ms)`).join(', ');
    process.stdout.write(`admit -> first frames both ways: ${described}\n`);
    const bestExcess = Math.min(...runs.map((r) => r.consultation - r.floor));
    expect(bestExcess, `over the floor, best of ${RUNS}: ${described}`).toBeLessThan(MAX_OVER_FLOOR_MS);
  });
});
