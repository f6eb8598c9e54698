/**
 * Chat in the call (issue 11, item 2) in real Chromium during a real call, over the call's own data channel:
 * both ways, the unread badge while the panel is closed, the delivery tick from the other app's acknowledgement,
 * an https link shown as a link that opens through the host (browser mode: a noopener window) and a javascript:
 * one shown as text, the size limit's error, the clinician's export (the patient has none), no message text in
 * either timeline, and the panel on a phone. Screenshots in test-results/call-chat/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type AppWindow, ROOT } from '../harness/browser';
import { browserSuite } from '../harness/suite';

const suite = browserSuite();
const SHOTS = join(ROOT, 'test-results/call-chat');
beforeAll(() => mkdirSync(SHOTS, { recursive: true }));

/** An https address on this machine: the test answers it itself, so nothing leaves the machine. */
const LEAFLET = 'https://localhost:9/leaflet?lang=en';

async function startCall(): Promise<{ clinician: AppWindow; patient: AppWindow }> {
  const relay = await suite.relay();
  const clinician = await suite.open(relay, 'clinician');
  await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
  const { shortCode } = await clinician.invitePatient('Anna Berg');
  const patient = await suite.open(relay, 'patient');
  await patient.joinConsultation(shortCode, 'Anna Berg');
  await clinician.admit('Anna Berg');
  await Promise.all([clinician.waitForState('connected'), patient.waitForState('connected')]);
  return { clinician, patient };
}

/** What one side's chat shows: each message's direction, delivery state and text, in order. */
function messages(side: AppWindow): Promise<{ direction: string | null; state: string | null; text: string }[]> {
  return side.page.getByTestId('chat-message').evaluateAll((items) =>
    items.map((item) => ({
      direction: item.getAttribute('data-direction'),
      state: item.getAttribute('data-state'),
      text: item.querySelector('.chat__text')?.textContent ?? '',
    })),
  );
}

async function send(side: AppWindow, text: string): Promise<void> {
  await side.page.getByTestId('chat-input').fill(text);
  await side.page.getByTestId('chat-send').click();
}

const unread = (side: AppWindow) =>
  side.page.evaluate(() => document.querySelector('[data-testid="chat-unread"]')?.getAttribute('data-count') ?? null);

describe('chat in the call', () => {
  it('both ways: unread badge, delivery ticks, links, the size limit, export, nothing in the timeline', { timeout: 120_000 }, async () => {
    const { clinician, patient } = await startCall();
    const toggle = (side: AppWindow) => side.page.getByTestId('toggle-chat');
    expect(await toggle(patient).getAttribute('aria-expanded')).toBe('false');
    expect(await unread(patient)).toBeNull();

    // The clinician writes: a link the patient may open, and one that must stay text.
    await toggle(clinician).click();
    expect(await toggle(clinician).getAttribute('aria-expanded')).toBe('true');
    await clinician.page.getByTestId('chat-panel').waitFor();
    const first = `Hello Anna, the leaflet: ${LEAFLET}. Not this: javascript:alert(document.cookie)`;
    await clinician.page.getByTestId('chat-input').fill(first);
    await clinician.page.getByTestId('chat-input').press('Enter');
    // Two ticks once the patient's app has it, though the patient has not opened the chat.
    await expect.poll(() => messages(clinician)).toEqual([{ direction: 'out', state: 'delivered', text: first }]);
    expect(await clinician.page.getByTestId('chat-delivery').textContent()).toBe('✓✓Delivered');
    expect(await clinician.page.getByTestId('chat-input').inputValue()).toBe('');

    // The patient, chat closed: a badge counts it, the live region reads it out.
    await expect.poll(() => unread(patient)).toBe('1');
    expect(await toggle(patient).getAttribute('aria-label')).toBe('Chat, 1 unread');
    expect(await patient.page.getByTestId('chat-announcer').textContent()).toBe(`Dr. Rivera wrote: ${first}`);
    await send(clinician, 'Second line\nwith a break');
    await expect.poll(() => unread(patient)).toBe('2');
    await patient.page.screenshot({ path: join(SHOTS, 'patient-unread-badge.png') });

    // Opened: read, the badge goes; the https link is a link, the javascript: one plain text.
    await toggle(patient).click();
    await expect.poll(() => unread(patient)).toBeNull();
    expect(await toggle(patient).getAttribute('aria-label')).toBeNull(); // "Chat", its visible label
    expect(await messages(patient)).toEqual([
      { direction: 'in', state: 'received', text: first },
      { direction: 'in', state: 'received', text: 'Second line\nwith a break' },
    ]);
    const links = patient.page.getByTestId('chat-panel').locator('a');
    expect(await links.count()).toBe(1);
    expect(await links.first().getAttribute('href')).toBe(LEAFLET);
    expect(await links.first().textContent()).toBe(LEAFLET);
    expect(await patient.page.locator('a[href^="javascript"], a[href^="JAVASCRIPT" i]').count()).toBe(0);
    expect(await patient.page.getByTestId('chat-panel').textContent()).toContain('javascript:alert(document.cookie)');

    // The link opens through the host: in a browser, a window of its own, without a handle back to the app.
    await patient.context.route('https://localhost:9/**', (route) => route.fulfill({ contentType: 'text/html', body: '<p>leaflet</p>' }));
    const [opened] = await Promise.all([patient.context.waitForEvent('page'), links.first().click()]);
    await opened.waitForLoadState();
    expect(opened.url()).toBe(LEAFLET);
    expect(await opened.evaluate(() => window.opener)).toBeNull();
    expect(patient.page.url()).not.toContain('localhost:9'); // the app did not navigate away
    await opened.close();

    // The patient answers; the clinician's panel is open, so no badge there.
    await send(patient, 'Thank you, doctor 🙂');
    await expect.poll(async () => (await messages(patient)).at(-1)?.state).toBe('delivered');
    await expect
      .poll(async () => (await messages(clinician)).at(-1))
      .toEqual({ direction: 'in', state: 'received', text: 'Thank you, doctor 🙂' });
    expect(await unread(clinician)).toBeNull();

    // Over the limit: said, not sent, the text kept to shorten.
    const long = 'x'.repeat(2001);
    await send(patient, long);
    const error = patient.page.getByTestId('chat-error');
    await error.waitFor();
    expect(await error.textContent()).toBe(
      'This message has 2,001 characters; a message can have at most 2,000. Shorten it or send it in parts.',
    );
    expect(await error.getAttribute('role')).toBe('alert');
    expect(await patient.page.getByTestId('chat-input').inputValue()).toBe(long);
    expect(await patient.page.getByTestId('chat-count').textContent()).toBe('2,001 / 2,000 characters');
    await patient.page.screenshot({ path: join(SHOTS, 'patient-over-limit.png') });
    // The next message arrives after it would have: the clinician never got the long one.
    await send(patient, 'ok');
    await expect
      .poll(async () => (await messages(clinician)).map((m) => m.text))
      .toEqual([first, 'Second line\nwith a break', 'Thank you, doctor 🙂', 'ok']);
    expect(await patient.page.getByTestId('chat-error').count()).toBe(0);

    // Only the clinician exports, as a plain-text download.
    expect(await patient.page.getByTestId('chat-export').count()).toBe(0);
    const [download] = await Promise.all([clinician.page.waitForEvent('download'), clinician.page.getByTestId('chat-export').click()]);
    expect(download.suggestedFilename()).toMatch(/^clinic-consult-chat-\d{4}-\d\d-\d\dT[\d-]+Z\.txt$/);
    const transcript = readFileSync(await download.path(), 'utf8');
    expect(transcript).toContain('Between Dr. Rivera and Anna Berg;');
    expect(transcript).toContain(`Dr. Rivera: ${first}\n`);
    expect(transcript).toContain('Dr. Rivera: Second line\n    with a break\n');
    expect(transcript).toContain('Anna Berg: Thank you, doctor 🙂\n');
    expect(transcript).not.toContain('x'.repeat(50));
    await clinician.page.screenshot({ path: join(SHOTS, 'clinician-chat-open.png') });

    // The timelines (exported for IT) hold no message text.
    for (const side of [clinician, patient]) {
      const timeline = JSON.stringify(await side.timeline());
      for (const words of ['Hello Anna', 'leaflet', 'Thank you', 'Second line'])
        expect(timeline, `${side.label}: ${words}`).not.toContain(words);
    }

    // On a phone the panel is a sheet inside the window, its input and Send within reach.
    await patient.page.setViewportSize({ width: 390, height: 844 });
    await patient.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const fits = await patient.page.evaluate(() => {
      const inside = (id: string) => {
        const r = document.querySelector(`[data-testid="${id}"]`)?.getBoundingClientRect();
        return Boolean(r && r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= window.innerWidth && r.bottom <= window.innerHeight);
      };
      return {
        panel: inside('chat-panel'),
        input: inside('chat-input'),
        send: inside('chat-send'),
        toggle: inside('toggle-chat'),
        scrollsSideways: document.documentElement.scrollWidth > window.innerWidth,
      };
    });
    expect(fits).toEqual({ panel: true, input: true, send: true, toggle: true, scrollsSideways: false });
    await patient.page.screenshot({ path: join(SHOTS, 'patient-phone-chat.png') });

    // Closed again, new messages count again.
    await toggle(patient).click();
    await send(clinician, 'One more thing');
    await expect.poll(() => unread(patient)).toBe('1');
  });
});
