/**
 * Electronegativity (Doyensec's Electron security scanner) over the app's sources, through its JS API: its
 * CLI exits 0 even with HIGH findings, so the gate is here. The scan covers what ends up in the app: main,
 * preload, contract, the relay code bundled into main, the renderer sources, and package.json (for the
 * Electron version).
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

interface Issue {
  id: string;
  file: string;
  description: string;
  location: { line: number; column: number };
  severity: { name: string; value: number };
  confidence: { name: string; value: number };
  manualReview: boolean;
}
interface ScanResult {
  globalChecks: number;
  atomicChecks: number;
  errors: { file: string; message: string; tolerable: boolean }[];
  issues: Issue[];
}
type Run = (options: Record<string, unknown>, forCli?: boolean) => Promise<ScanResult>;

/**
 * Global findings accepted, each with its reason. Atomic findings are suppressed only inline, next to the
 * code, with an `eng-disable` comment that says why (main/index.ts, main/invoke-handlers.ts).
 */
const ACCEPTED_GLOBAL_FINDINGS: { id: string; description: RegExp; why: string }[] = [
  {
    id: 'CSP_GLOBAL_CHECK',
    description: /No CSP has been detected/,
    // The CSP is a response header built in main/csp.ts and set by the app:// handler (main/app-protocol.ts),
    // a form the scanner does not recognise (it looks for webRequest callbacks and <meta> tags). The exact
    // policy is checked with the scanner's own evaluator in tests/main/csp.test.ts and on every response in
    // tests/main/app-protocol.test.ts and main-entry.test.ts.
    why: 'CSP set from protocol.handle; verified by csp.test.ts with the same evaluator',
  },
];

let stage: string;
let result: ScanResult;

beforeAll(async () => {
  const engPackage = require.resolve('@doyensec/electronegativity/package.json');
  const engRequire = createRequire(engPackage);
  // Keep the scan offline and deterministic: the scanner downloads translations for its messages and, in
  // AvailableSecurityFixesGlobalCheck, Electron's release list. Its HTTP client is replaced by one that
  // fails at once (it falls back to its bundled English texts); that global check is excluded below.
  const gotPath = engRequire.resolve('got');
  const offline = () => Promise.reject(new Error('network disabled in tests'));
  require.cache[gotPath] = {
    id: gotPath,
    filename: gotPath,
    loaded: true,
    exports: Object.assign(offline, { default: offline }),
  } as unknown as NodeJS.Module;
  const run = require('@doyensec/electronegativity') as Run; // its documented entry: run(options)

  stage = await mkdtemp(join(tmpdir(), 'clinic-eng-'));
  for (const dir of ['main', 'preload', 'contract', 'signaling', 'renderer']) {
    await cp(join(ROOT, dir), join(stage, dir), { recursive: true, filter: (src) => !src.includes(`${sep}renderer${sep}dist`) });
  }
  await cp(join(ROOT, 'package.json'), join(stage, 'package.json'));

  const quiet = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    result = await run({
      input: stage,
      isRelative: true,
      customScan: [],
      // Needs the internet (Electron's releases.json); and it rates an Electron in devDependencies as
      // INFORMATIONAL only. Electron updates are tracked through npm instead.
      excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
    });
  } finally {
    quiet.mockRestore();
  }
}, 60_000);

afterAll(async () => {
  await rm(stage, { recursive: true, force: true });
});

const describeIssue = (i: Issue) => `${i.severity.name} ${i.id} ${i.file}:${i.location.line} ${i.description}`;

describe('electronegativity', () => {
  it('ran its checks over the app sources', () => {
    expect(result.atomicChecks).toBeGreaterThan(30);
    expect(result.globalChecks).toBeGreaterThan(3);
  });

  it('parsed every file (no parse errors, not even tolerable ones)', () => {
    expect(result.errors).toEqual([]);
  });

  it('reports no HIGH finding', () => {
    expect(result.issues.filter((i) => i.severity.name === 'HIGH').map(describeIssue)).toEqual([]);
  });

  it('reports no MEDIUM finding beyond the accepted, explained ones', () => {
    const unexplained = result.issues
      .filter((i) => i.severity.name === 'MEDIUM')
      .filter((i) => !ACCEPTED_GLOBAL_FINDINGS.some((a) => a.id === i.id && a.description.test(i.description)));
    expect(unexplained.map(describeIssue)).toEqual([]);
  });

  it('found the navigation guards and permission handler it looks for (no "missing" findings)', () => {
    const ids = result.issues.map((i) => i.id);
    expect(ids).not.toContain('LIMIT_NAVIGATION_GLOBAL_CHECK');
    expect(ids).not.toContain('PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK');
  });
});
