import { describe, expect, it } from 'vitest';
import {
  aptCommands,
  DEFAULT_CHROMIUM_PATH,
  ensurePrerequisites,
  type PrerequisiteFacts,
  planPrerequisites,
} from '../../scripts/test-prerequisites';

const allTools = { ip: true, iptables: true, turnserver: true };
const noTools = { ip: false, iptables: false, turnserver: false };

function facts(overrides: Partial<PrerequisiteFacts> = {}): PrerequisiteFacts {
  return {
    platform: 'linux',
    isRoot: true,
    aptAvailable: true,
    chromium: { path: DEFAULT_CHROMIUM_PATH, fromEnv: false, present: true },
    tools: allTools,
    ...overrides,
  };
}
const noChromium = { path: DEFAULT_CHROMIUM_PATH, fromEnv: false, present: false };

describe('planPrerequisites', () => {
  it('is satisfied when everything is there', () => {
    expect(planPrerequisites(facts())).toEqual({ ok: true, notes: [] });
  });

  it('installs every missing package on Debian as root, Chromium and the network tools alike', () => {
    expect(planPrerequisites(facts({ chromium: noChromium, tools: noTools }))).toEqual({
      install: ['chromium', 'iproute2', 'iptables', 'coturn'],
      notes: [],
    });
    expect(planPrerequisites(facts({ tools: { ...allTools, turnserver: false } }))).toEqual({ install: ['coturn'], notes: [] });
  });

  it('stops at once with the one command to run when Chromium is missing and it may not install', () => {
    expect(planPrerequisites(facts({ isRoot: false, chromium: noChromium }))).toEqual({
      stop:
        `Chromium is missing: the browser tests launch ${DEFAULT_CHROMIUM_PATH}.\n` +
        'Run: sudo apt-get update && sudo apt-get install -y chromium',
    });
    const elsewhere = planPrerequisites(facts({ platform: 'darwin', isRoot: false, aptAvailable: false, chromium: noChromium }));
    expect(elsewhere).toEqual({
      stop:
        `Chromium is missing: the browser tests launch ${DEFAULT_CHROMIUM_PATH}.\n` +
        'Run: CHROMIUM_PATH=/path/to/chromium-or-chrome npm test',
    });
    const fedora = planPrerequisites(facts({ aptAvailable: false, chromium: noChromium }));
    expect('stop' in fedora && fedora.stop).toContain('CHROMIUM_PATH=');
  });

  it('never installs over a CHROMIUM_PATH that points nowhere', () => {
    const plan = planPrerequisites(facts({ chromium: { path: '/opt/chrome/chrome', fromEnv: true, present: false } }));
    expect('stop' in plan && plan.stop).toContain('CHROMIUM_PATH');
  });

  it('does not ask a normal user for the network tools: that suite skips itself, and the plan says so', () => {
    expect(planPrerequisites(facts({ isRoot: false, tools: noTools }))).toEqual({
      ok: true,
      notes: ['not root: the network suite (namespaces, NAT, coturn) will be skipped, and say so'],
    });
    const mac = planPrerequisites(facts({ platform: 'darwin', isRoot: false, aptAvailable: false, tools: noTools }));
    expect(mac).toMatchObject({ ok: true });
  });

  it('stops as root without apt when the network tools are missing', () => {
    const plan = planPrerequisites(facts({ aptAvailable: false, tools: { ...allTools, iptables: false } }));
    expect('stop' in plan && plan.stop).toContain('needs iptables');
  });
});

describe('aptCommands', () => {
  it('updates the package lists first (a fresh machine has none), then installs without questions', () => {
    expect(aptCommands(['chromium', 'coturn'])).toEqual([
      ['apt-get', 'update', '-qq'],
      ['apt-get', 'install', '-y', '-qq', 'chromium', 'coturn'],
    ]);
  });
});

describe('ensurePrerequisites', () => {
  function harness(states: PrerequisiteFacts[], exitCodes: number[] = []) {
    const ran: string[][] = [];
    const lines: string[] = [];
    let gathered = 0;
    const code = ensurePrerequisites({
      gather: () => states[Math.min(gathered++, states.length - 1)] as PrerequisiteFacts,
      run: async (argv) => {
        ran.push(argv);
        return { code: exitCodes[ran.length - 1] ?? 0, output: 'E: Unable to locate package chromium' };
      },
      log: (line) => lines.push(line),
      describeChromium: () => 'Chromium 156',
    });
    return { code, ran, lines };
  }

  it('installs, checks again and reports what is there', async () => {
    const { code, ran, lines } = harness([facts({ chromium: noChromium }), facts()]);
    expect(await code).toBe(0);
    expect(ran).toEqual(aptCommands(['chromium']));
    expect(lines[0]).toBe('test prerequisites: installing chromium from Debian (apt-get, as root)…');
    expect(lines.at(-1)).toBe('test prerequisites: everything is present: Chromium 156; iproute2, iptables, coturn');
  });

  it('runs nothing when everything is present', async () => {
    const { code, ran } = harness([facts()]);
    expect(await code).toBe(0);
    expect(ran).toEqual([]);
  });

  it('fails with apt-get output and the command to run when the install fails', async () => {
    const { code, ran, lines } = harness([facts({ chromium: noChromium })], [0, 100]);
    expect(await code).toBe(1);
    expect(ran).toHaveLength(2);
    expect(lines.join('\n')).toContain('E: Unable to locate package chromium');
    expect(lines.at(-1)).toBe('Run: apt-get update && apt-get install -y chromium');
  });

  it('fails when apt-get succeeded but the package is still missing', async () => {
    const { code, lines } = harness([facts({ chromium: noChromium })]);
    expect(await code).toBe(1);
    expect(lines.at(-1)).toBe('test prerequisites: still missing after apt-get install: chromium');
  });

  it('stops without running anything when it may not install', async () => {
    const { code, ran, lines } = harness([facts({ isRoot: false, chromium: noChromium })]);
    expect(await code).toBe(1);
    expect(ran).toEqual([]);
    expect(lines.join('\n')).toContain('Run: sudo apt-get update && sudo apt-get install -y chromium');
  });
});
