/**
 * The invite page a patient opens first, in real Chromium: on a computer it offers the app, the clinic's
 * download for that computer (size and SHA-256) and the browser, with a QR code for a phone; on a phone, the
 * browser first; an expired or unknown invite gets its own words before anything is downloaded. Screenshots
 * of each land in test-results/invite-page/.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedBrowser, launchChromium, ROOT, startTestRelay, type TestRelay } from '../harness/browser';

const SHOTS = join(ROOT, 'test-results', 'invite-page');
const WINDOWS = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36';

let chromium: LaunchedBrowser;
let relay: TestRelay;
let downloads: string;
const installer = Buffer.from('not really an installer, but bytes to hash');

beforeAll(async () => {
  chromium = await launchChromium();
  downloads = mkdtempSync(join(tmpdir(), 'clinic-downloads-'));
  writeFileSync(join(downloads, 'Clinic-Consult-Setup-0.1.0.exe'), installer);
  writeFileSync(join(downloads, 'Clinic-Consult-0.1.0.dmg'), Buffer.from('mac'));
  writeFileSync(join(downloads, 'latest.yml'), 'version: 0.1.0\n');
  relay = await startTestRelay({ downloadsDir: downloads });
  mkdirSync(SHOTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await relay?.close();
  await chromium?.close();
  rmSync(downloads, { recursive: true, force: true });
});

/** An invite as the relay's store makes it, to a consultation recorded open (or closed). */
async function inviteLink(options: { expiresInMs?: number } = {}): Promise<{ url: string; secret: string }> {
  const now = Date.now();
  const id = `k_page_${Math.random().toString(36).slice(2, 10)}`;
  await relay.store.recordConsultationOpened({ id, code: id.slice(-8).toUpperCase(), clinicianStaffId: null }, now);
  const made = await relay.store.createInvite(
    { consultationId: id, expectedName: null, expiresAt: now + (options.expiresInMs ?? 3_600_000) },
    now,
  );
  if (!made.ok) throw new Error(made.code);
  return { url: `${relay.url}/invite#${made.value.secret}`, secret: made.value.secret };
}

async function page(browser: Browser, options: BrowserContextOptions, url: string): Promise<Page> {
  const context = await browser.newContext(options);
  const opened = await context.newPage();
  await opened.goto(url);
  await opened.locator('[data-testid="invite-status"]:not([data-status="checking"])').waitFor();
  return opened;
}

describe('the invite page', () => {
  it('on a computer: Open in Clinic Consult, the download for it (size, SHA-256), the browser, and a QR code', async () => {
    const { url, secret } = await inviteLink();
    const desktop = await page(chromium.browser, { userAgent: WINDOWS, viewport: { width: 1280, height: 900 } }, url);
    await desktop.getByTestId('invite-qr').waitFor();
    const offers = await desktop.getByTestId('invite-offers').locator('a').allTextContents();
    expect(offers).toEqual(['Open in Clinic Consult', 'Download Clinic Consult for Windows', 'Join in this browser']);
    const port = new URL(relay.url).port;
    expect(await desktop.getByTestId('offer-open-app').getAttribute('href')).toBe(
      `clinic-consult://join?relay=${encodeURIComponent(`ws://127.0.0.1:${port}`)}&invite=${secret}`,
    );
    const facts = await desktop.locator('[data-testid="invite-offers"] li').nth(1).textContent();
    expect(facts).toContain(`Clinic-Consult-Setup-0.1.0.exe, ${installer.length} bytes`);
    expect(facts).toContain(createHash('sha256').update(installer).digest('hex'));
    // The download is the file IT put in the folder, byte for byte.
    const [download] = await Promise.all([desktop.waitForEvent('download'), desktop.getByTestId('offer-download').click()]);
    expect(download.suggestedFilename()).toBe('Clinic-Consult-Setup-0.1.0.exe');
    expect(await desktop.getByTestId('invite-qr').locator('svg').getAttribute('aria-label')).toBe('QR code of this invite link');
    await desktop.screenshot({ path: join(SHOTS, 'desktop.png'), fullPage: true });

    // The app is not installed here: after a few seconds the page says so, and what to do instead.
    await desktop.getByTestId('offer-open-app').click();
    await desktop.getByTestId('open-app-hint').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await desktop.getByTestId('open-app-hint').textContent()).toContain('Nothing opened?');

    await desktop.context().close();

    // Join in this browser: the app, with the invite in hand. (Another window: after the attempt to open the
    // app's link, headless Chromium holds that navigation.)
    const browser = await page(chromium.browser, { userAgent: WINDOWS }, url);
    await browser.getByTestId('offer-browser').click();
    await browser.getByTestId('invite-in-hand').waitFor();
    await browser.context().close();
  });

  it('on a phone: Join in this browser first, nothing to download', async () => {
    const { url } = await inviteLink();
    const phone = await page(
      chromium.browser,
      { userAgent: ANDROID, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
      url,
    );
    const offers = await phone.getByTestId('invite-offers').locator('a').allTextContents();
    expect(offers).toEqual(['Join in this browser']);
    expect(await phone.getByTestId('invite-qr').count()).toBe(0);
    await phone.screenshot({ path: join(SHOTS, 'phone.png'), fullPage: true });
    await phone.context().close();
  });

  it('says an invite has expired, or is not valid, before anything is offered', async () => {
    const expired = await inviteLink({ expiresInMs: -1000 });
    const old = await page(chromium.browser, { userAgent: WINDOWS }, expired.url);
    const status = old.getByTestId('invite-status');
    expect(await status.getAttribute('data-code')).toBe('INVITE_EXPIRED');
    expect(await status.getAttribute('role')).toBe('alert');
    expect(await status.textContent()).toBe('This invite has expired. Please ask the clinic for a new one.');
    expect(await old.getByTestId('offer-download').count()).toBe(0);
    await old.screenshot({ path: join(SHOTS, 'expired.png'), fullPage: true });
    await old.context().close();

    const { secret } = await inviteLink();
    const altered = `${relay.url}/invite#${secret.slice(0, 20)}${secret[20] === 'A' ? 'B' : 'A'}${secret.slice(21)}`;
    const tampered = await page(chromium.browser, { userAgent: WINDOWS }, altered);
    expect(await tampered.getByTestId('invite-status').getAttribute('data-code')).toBe('INVITE_INVALID');
    expect(await tampered.getByTestId('invite-offers').count()).toBe(0);
    await tampered.context().close();

    // A link mangled in transit (a stray %): the same words, never a page stuck on "Checking".
    const mangled = await page(chromium.browser, { userAgent: WINDOWS }, `${relay.url}/invite#${secret.slice(0, 20)}%E0%A4%A`);
    expect(await mangled.getByTestId('invite-status').getAttribute('data-code')).toBe('INVITE_INVALID');
    await mangled.context().close();
  });
});
