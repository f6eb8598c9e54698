/**
 * The call screen fits every screen (issue 11, item 7), both roles, in real Chromium during a real call: at
 * 1280×800, 1024×768, 390×844 and 844×390 every control of the bar is visible, inside the window and inside the
 * bar, not clipped (its text is not cut, nothing covers its middle), the buttons are on one line, the page itself
 * does not scroll, the device picker opens inside the window, and the clinician's folded consultation panel keeps
 * its toggle and waiting count in sight. A screenshot of each is kept in test-results/call-layout/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type AppWindow, ROOT } from '../harness/browser';
import { browserSuite } from '../harness/suite';

const suite = browserSuite();
const SIZES = [
  [1280, 800],
  [1024, 768],
  [390, 844],
  [844, 390],
] as const;
const SHOTS = join(ROOT, 'test-results/call-layout');

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

interface ControlFacts {
  name: string;
  box: Box;
  /** The element at the middle of its box is it (or inside it): nothing covers it, nothing clips it away. */
  hitsItself: boolean;
  /** Its content is wider/taller than its box (a label cut off). */
  overflows: boolean;
  visible: boolean;
}

interface LayoutFacts {
  viewport: { width: number; height: number };
  page: { scrollWidth: number; scrollHeight: number };
  bar: Box & { overflows: boolean };
  controls: ControlFacts[];
  /** Other things that must be on screen, by test id (null: not on the page). */
  others: Record<string, (Box & { visible: boolean; hitsItself: boolean }) | null>;
}

/** Everything measured in the page at once, from the same layout. Runs in the page. */
function pageLayout(ids: string[]): LayoutFacts {
  const boxOf = (element: Element): Box => {
    const r = element.getBoundingClientRect();
    return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
  };
  const visible = (element: Element): boolean => {
    const style = getComputedStyle(element);
    const r = element.getBoundingClientRect();
    return style.visibility === 'visible' && style.display !== 'none' && Number(style.opacity) > 0 && r.width > 0 && r.height > 0;
  };
  const hitsItself = (element: Element): boolean => {
    const r = element.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return hit !== null && (hit === element || element.contains(hit));
  };
  const bar = document.querySelector('[data-testid="control-bar"]');
  if (!bar) throw new Error('no control bar');
  const controls = [...bar.querySelectorAll('button')].map((button) => ({
    name: button.getAttribute('aria-label') ?? button.textContent?.trim() ?? '',
    box: boxOf(button),
    hitsItself: hitsItself(button),
    overflows: button.scrollWidth > button.clientWidth + 1 || button.scrollHeight > button.clientHeight + 1,
    visible: visible(button),
  }));
  const others: LayoutFacts['others'] = {};
  for (const id of ids) {
    const element = document.querySelector(`[data-testid="${id}"]`);
    others[id] = element ? { ...boxOf(element), visible: visible(element), hitsItself: hitsItself(element) } : null;
  }
  return {
    viewport: { width: window.innerWidth, height: window.innerHeight },
    page: { scrollWidth: document.documentElement.scrollWidth, scrollHeight: document.documentElement.scrollHeight },
    bar: { ...boxOf(bar), overflows: bar.scrollWidth > bar.clientWidth + 1 },
    controls,
    others,
  };
}

function layoutOf(side: AppWindow, otherIds: string[]): Promise<LayoutFacts> {
  return side.page.evaluate(pageLayout, otherIds);
}

function inside(inner: Box, outer: Box, slack = 0.5): boolean {
  return (
    inner.left >= outer.left - slack &&
    inner.top >= outer.top - slack &&
    inner.right <= outer.right + slack &&
    inner.bottom <= outer.bottom + slack
  );
}

function expectFits(label: string, facts: LayoutFacts): void {
  const screen: Box = { left: 0, top: 0, right: facts.viewport.width, bottom: facts.viewport.height };
  expect(facts.page.scrollWidth, `${label}: the page scrolls sideways`).toBeLessThanOrEqual(facts.viewport.width);
  expect(facts.page.scrollHeight, `${label}: the page scrolls down`).toBeLessThanOrEqual(facts.viewport.height);
  expect(inside(facts.bar, screen), `${label}: the control bar leaves the window ${JSON.stringify(facts.bar)}`).toBe(true);
  expect(facts.bar.overflows, `${label}: the control bar overflows`).toBe(false);
  const names = facts.controls.map((control) => control.name);
  expect(names, `${label}: the controls`).toEqual([
    'Mute',
    'Camera off',
    'Share screen',
    'Chat',
    'Devices',
    'Connection details',
    'Hang up',
  ]);
  for (const control of facts.controls) {
    const what = `${label}: "${control.name}" ${JSON.stringify(control.box)}`;
    expect(control.visible, `${what} is not visible`).toBe(true);
    expect(inside(control.box, screen), `${what} leaves the window`).toBe(true);
    expect(inside(control.box, facts.bar), `${what} leaves the bar`).toBe(true);
    expect(control.hitsItself, `${what} is covered or clipped`).toBe(true);
    expect(control.overflows, `${what} has its text cut`).toBe(false);
  }
  const tops = facts.controls.map((control) => control.box.top);
  const bottoms = facts.controls.map((control) => control.box.bottom);
  expect(Math.max(...tops) - Math.min(...tops), `${label}: buttons on one line (tops ${tops})`).toBeLessThanOrEqual(1);
  expect(Math.max(...bottoms) - Math.min(...bottoms), `${label}: buttons on one line (bottoms ${bottoms})`).toBeLessThanOrEqual(1);
  for (const [id, box] of Object.entries(facts.others)) {
    expect(box, `${label}: ${id} is on the page`).not.toBeNull();
    if (!box) continue;
    expect(box.visible, `${label}: ${id} is visible`).toBe(true);
    expect(inside(box, screen), `${label}: ${id} ${JSON.stringify(box)} leaves the window`).toBe(true);
  }
}

describe('the call screen fits every screen', () => {
  it('both roles, four sizes: every control visible, inside the window, not clipped, on one line', { timeout: 120_000 }, async () => {
    mkdirSync(SHOTS, { recursive: true });
    const relay = await suite.relay();
    const clinician = await suite.open(relay, 'clinician');
    await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
    const first = await clinician.invitePatient('Anna Berg');
    const second = await clinician.invitePatient('Ben Okafor');
    const patient = await suite.open(relay, 'patient');
    await patient.joinConsultation(first.shortCode, 'Anna Berg');
    await clinician.admit('Anna Berg');
    await Promise.all([clinician.waitForState('connected'), patient.waitForState('connected')]);
    await Promise.all([clinician.waitForFirstRemoteFrame(), patient.waitForFirstRemoteFrame()]);
    // Another patient arrives during the call: the folded panel's badge counts them.
    const waiting = await suite.open(relay, 'second patient');
    await waiting.joinConsultation(second.shortCode, 'Ben Okafor');
    const count = clinician.page.getByTestId('waiting-count');
    await expect.poll(() => count.getAttribute('data-count')).toBe('1');
    // Shown on both screens: the other person's picture, their name on it, your own picture, the timer.
    await Promise.all([patient.page.getByTestId('call-timer').waitFor(), clinician.page.getByTestId('call-timer').waitFor()]);
    const sides = [
      {
        role: 'clinician',
        window: clinician,
        others: ['remote-tile', 'remote-name', 'self-view', 'call-timer', 'toggle-consultation-panel', 'waiting-count'],
      },
      { role: 'patient', window: patient, others: ['remote-tile', 'remote-name', 'self-view', 'call-timer'] },
    ];
    for (const [width, height] of SIZES) {
      for (const { role, window, others } of sides) {
        const label = `${role} at ${width}x${height}`;
        await window.page.setViewportSize({ width, height });
        // Sizes settle in the next frame.
        await window.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
        expectFits(label, await layoutOf(window, others));
        expect(await window.page.getByTestId('remote-name').textContent(), label).toContain(
          role === 'clinician' ? 'Anna Berg' : 'Dr. Rivera',
        );
        expect(await window.page.getByTestId('call-timer').textContent(), label).toMatch(/^\d+:\d\d$/);
        await window.page.screenshot({ path: join(SHOTS, `${role}-${width}x${height}.png`) });

        // The device picker opens inside the window too (on a phone it used to sit off-screen).
        const devices = window.page.getByRole('button', { name: 'Devices' });
        await devices.click();
        const picker = await layoutOf(window, ['device-picker']);
        expectFits(`${label}, devices open`, picker);
        await devices.click();
        expect(await window.page.getByTestId('device-picker').count()).toBe(0);
      }
    }

    // The clinician unfolds the panel during the call: the waiting list is there, the badge still counts.
    await clinician.page.setViewportSize({ width: 1280, height: 800 });
    const toggle = clinician.page.getByTestId('toggle-consultation-panel');
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    const ben = clinician.page.getByTestId('waiting-patient').filter({ hasText: 'Ben Okafor' });
    expect(await ben.isVisible()).toBe(false); // folded
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => ben.isVisible()).toBe(true);
    expectFits('clinician at 1280x800, panel open', await layoutOf(clinician, ['waiting-count', 'toggle-consultation-panel']));
    await clinician.page.screenshot({ path: join(SHOTS, 'clinician-1280x800-panel-open.png') });
    await toggle.click();
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
  });
});
