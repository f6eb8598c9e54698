/**
 * The lifecycle every network test file shares: preflight, one lab per test torn down after it (pass or
 * fail), and a final check that this run left no namespace behind.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { AppWindow } from '../harness/browser';
import { type Lab, type LabSpec, startLab } from './lab';
import { listNamespaces, RUN_TAG, sweepStaleNamespaces } from './netns';
import { assertToolsPresent } from './preflight';

export interface LabHandle {
  start(spec: LabSpec): Promise<Lab>;
  current(): Lab;
  /** Windows whose state and recent timeline are printed if the test fails. */
  watch(...windows: AppWindow[]): void;
}

export function useLab(): LabHandle {
  let lab: Lab | null = null;
  const watched: AppWindow[] = [];
  beforeAll(() => {
    assertToolsPresent();
    const swept = sweepStaleNamespaces();
    if (swept.length > 0) process.stderr.write(`network suite: removed namespaces left by dead runs: ${swept.join(' ')}\n`);
  });
  afterEach(async (context) => {
    try {
      if (lab && context.task.result?.state === 'fail') {
        process.stderr.write(`\n${context.task.name} failed; server logs:\n${lab.logs()}\n`);
        for (const window of watched) process.stderr.write(`---- ${window.label} ----\n${await describeWindow(window)}\n`);
      }
    } finally {
      watched.splice(0);
      await lab?.close();
      lab = null;
    }
  });
  afterAll(() => {
    expect(
      listNamespaces().filter((name) => name.startsWith(`${RUN_TAG}-`)),
      'namespaces left behind',
    ).toEqual([]);
  });
  return {
    start: async (spec) => {
      if (lab) throw new Error('one lab at a time');
      lab = await startLab(spec);
      return lab;
    },
    watch: (...windows) => {
      watched.push(...windows);
    },
    current: () => {
      if (!lab) throw new Error('no lab started');
      return lab;
    },
  };
}

/** Prints a measured figure so it shows in the test output (no assertion: CPU is shared, times vary). */
export function report(scenario: string, figures: Record<string, number | string | null>): void {
  const text = Object.entries(figures)
    .map(([key, value]) => `${key}=${typeof value === 'number' ? Math.round(value) : value}`)
    .join('  ');
  process.stdout.write(`[network] ${scenario}: ${text}\n`);
}

/** What a window shows, read without waiting (a broken page must not hold up the cleanup). */
async function describeWindow(side: AppWindow): Promise<string> {
  const read = side.page.evaluate(() => ({
    url: location.href,
    state: document.querySelector('[data-testid="call-state"]')?.getAttribute('data-state') ?? null,
    // biome-ignore lint/performance/useDomNodeTextContent: what the window shows (rendered text), not hidden nodes' text
    text: document.body?.innerText.slice(0, 300) ?? '',
    timeline: window.clinicDiagnostics?.timeline().slice(-40) ?? [],
  }));
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('page did not answer in 5 s')), 5000));
  try {
    const seen = await Promise.race([read, timeout]);
    const start = seen.timeline[0]?.t ?? 0;
    return [
      `url: ${seen.url}  state: ${seen.state}`,
      `text: ${seen.text.replace(/\s+/g, ' ')}`,
      ...seen.timeline.map((e) => `  +${Math.round(e.t - start)} ms ${e.event} ${e.detail ?? ''}`),
    ].join('\n');
  } catch (err) {
    return `(unreadable: ${(err as Error).message})`;
  }
}
