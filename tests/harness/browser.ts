/**
 * Drives the real app in Debian's Chromium with fake camera/microphone, the way a person would: through
 * buttons, labels and the stable test ids. Shared by the e2e tests, `npm run demo` and the benchmarks.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { chromiumFlags } from '../../main/chromium-switches';
import type { TimelineEntry } from '../../renderer/engine/timeline';
import type { MediaSummary } from '../../renderer/features/diagnostics/diagnostics-hook';
import { type Relay, type RelayOptions, startRelay } from '../../signaling/server';
import { openStore, type SqliteStore } from '../../signaling/store/sqlite-store';

export const ROOT = resolve(import.meta.dirname, '../..');
export const RENDERER_DIST = join(ROOT, 'renderer/dist');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';

/** Flags measured to work headless here; the network ones stop Chromium phoning home at every start. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /**
   * Program playwright starts instead of Chromium itself, e.g. a wrapper that `exec`s Chromium inside a
   * network namespace (the pipe to playwright survives the exec). Chromium must still be at CHROMIUM_PATH.
   */
  executablePath?: string;
  /**
   * 'desktop' (the default): Chromium gets the switches the desktop app gives Electron's Chromium
   * (main/chromium-switches.ts), so tests measure what ships. 'browser': none, like a patient's own browser.
   */
  as?: 'desktop' | 'browser';
}

export async function launchChromium(extraArgs: string[] = [], options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}. Install Debian's: apt-get install chromium (or set CHROMIUM_PATH).`);
  }
  // Chromium leaves org.chromium.* folders in TMPDIR: give it a scratch one and remove it afterwards.
  const scratchRoot = join(ROOT, '.tmp');
  mkdirSync(scratchRoot, { recursive: true });
  const scratch = mkdtempSync(join(scratchRoot, 'chromium-'));
  const browser = await chromium.launch({
    executablePath: options.executablePath ?? CHROMIUM_PATH,
    // An extra --use-fake-device-for-media-stream=… (e.g. device-count=2) replaces the plain one.
    args: [
      ...CHROMIUM_ARGS.filter((arg) => !extraArgs.some((extra) => extra.split('=')[0] === arg)),
      ...(options.as === 'browser' ? [] : chromiumFlags()),
      ...extraArgs,
    ],
    env: { ...process.env, TMPDIR: scratch },
  });
  return {
    browser,
    close: async () => {
      await browser.close().catch(() => undefined);
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

/**
 * A relay whose staff a test can enroll: its address and a fresh one-time enrollment code for a new staff
 * member. In-process test relays have one; the network suite's CLI relay process has one too.
 */
export interface StaffingRelay {
  readonly url: string;
  /** Adds a staff member named `name` and returns their one-time enrollment code. */
  staffCode(name: string): Promise<string>;
}

/** An in-process relay with a store of its own (in memory), which a test can also read and write (e.g. revoke). */
export interface TestRelay extends Relay, StaffingRelay {
  readonly store: SqliteStore;
}

export async function startTestRelay(options: Partial<Omit<RelayOptions, 'store'>> = {}): Promise<TestRelay> {
  const store = await openStore({ memory: true });
  let relay: Relay;
  try {
    relay = await startRelay({ port: 0, staticDir: RENDERER_DIST, logger: pino({ level: 'silent' }), ...options, store });
  } catch (err) {
    await store.close();
    throw err;
  }
  return {
    port: relay.port,
    url: relay.url,
    stats: () => relay.stats(),
    close: async () => {
      await relay.close();
      await store.close(); // after the relay, which writes to it until it is closed
    },
    store,
    staffCode: async (name) => (await store.addStaff(name, Date.now())).enrollmentCode,
  };
}

/** One person's window: a browser context of its own (own storage, own fake devices). */
export class AppWindow {
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
    readonly label: string,
  ) {}

  /**
   * `init` runs in the page before the app's own scripts (e.g. to disturb the network layer, or to play the
   * desktop host's part): a function, or JavaScript source.
   */
  static async open(browser: Browser, url: string, label: string, init?: (() => void) | string): Promise<AppWindow> {
    const context = await newMediaContext(browser);
    if (init) await context.addInitScript(typeof init === 'string' ? { content: init } : init);
    const page = await context.newPage();
    const window = new AppWindow(context, page, label);
    await page.goto(url);
    return window;
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }

  // ---- people's actions ----------------------------------------------------------------------------------

  /**
   * Clinician on a fresh window: signs in as clinic staff with IT's enrollment code (`relay.staffCode(name)`),
   * opens a consultation under the enrolled name, and returns its code as shown (XXXX-XXXX).
   */
  async openConsultation(enrollmentCode: string): Promise<string> {
    await this.page.getByRole('button', { name: /I am a clinician/ }).click();
    await this.signIn(enrollmentCode);
    await this.page.getByRole('button', { name: 'Open consultation' }).click();
    const code = this.page.getByTestId('consult-code');
    await code.waitFor();
    return (await code.textContent())?.trim() ?? '';
  }

  /** Clinician's start screen: redeems an enrollment code and waits until this device is signed in. */
  async signIn(enrollmentCode: string): Promise<void> {
    await this.page.getByLabel('Enrollment code').fill(enrollmentCode);
    await this.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await this.page.getByTestId('signed-in-as').waitFor();
  }

  /** Patient: joins with a code and name and waits to be in the waiting room. */
  async joinConsultation(code: string, name: string): Promise<void> {
    await this.page.getByRole('button', { name: /I am a patient/ }).click();
    await this.page.getByLabel('Consultation code').fill(code);
    await this.page.getByLabel('Your name').fill(name);
    await this.page.getByRole('button', { name: 'Join' }).click();
    await this.waitForState('waiting');
  }

  /** Patient: opened the clinician's join link, so the code is filled in; gives a name and joins. */
  async joinViaLink(expectedCode: string, name: string): Promise<void> {
    const code = this.page.getByLabel('Consultation code');
    await this.page.waitForFunction(
      (want) => (document.querySelector('input[name="code"]') as HTMLInputElement | null)?.value === want,
      expectedCode,
    );
    if ((await code.inputValue()) !== expectedCode) throw new Error('join link did not fill in the code');
    await this.page.getByLabel('Your name').fill(name);
    await this.page.getByRole('button', { name: 'Join' }).click();
    await this.waitForState('waiting');
  }

  admitButton(patientName: string) {
    return this.page.getByRole('button', { name: `Admit ${patientName}`, exact: true });
  }

  async admit(patientName: string): Promise<void> {
    const button = this.admitButton(patientName);
    await button.waitFor();
    await expectEnabled(button);
    await button.click();
  }

  async hangUp(): Promise<void> {
    await this.page.getByTestId('hang-up').click();
  }

  // ---- what the window shows -------------------------------------------------------------------------------

  async state(): Promise<string | null> {
    return this.page.getByTestId('call-state').getAttribute('data-state');
  }

  async waitForState(state: string, timeoutMs = 30_000): Promise<void> {
    await this.page.locator(`[data-testid="call-state"][data-state="${state}"]`).waitFor({ timeout: timeoutMs });
  }

  async remoteVideoSize(): Promise<{ width: number; height: number; currentTime: number }> {
    return this.page.getByTestId('remote-video').evaluate((el) => {
      const video = el as HTMLVideoElement;
      return { width: video.videoWidth, height: video.videoHeight, currentTime: video.currentTime };
    });
  }

  async media(): Promise<MediaSummary | null> {
    return this.page.evaluate(() => window.clinicDiagnostics?.media() ?? null);
  }

  async timeline(): Promise<TimelineEntry[]> {
    return this.page.evaluate(() => window.clinicDiagnostics?.timeline() ?? []);
  }

  /** Waits for an event in the app's timeline and returns its newest entry. */
  async waitForEvent(event: string, timeoutMs = 30_000): Promise<TimelineEntry> {
    await this.page.waitForFunction((name) => (window.clinicDiagnostics?.timeline() ?? []).some((e) => e.event === name), event, {
      timeout: timeoutMs,
      polling: 50,
    });
    const entry = lastEvent(await this.timeline(), event);
    if (!entry) throw new Error(`${this.label}: "${event}" vanished from the timeline`);
    return entry;
  }

  /** Waits until the remote video shows frames (its first frame is in the timeline). */
  async waitForFirstRemoteFrame(timeoutMs = 30_000): Promise<void> {
    await this.page.waitForFunction(
      () => {
        const video = document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]');
        return Boolean(video && video.videoWidth > 0 && video.currentTime > 0);
      },
      undefined,
      { timeout: timeoutMs, polling: 50 },
    );
  }

  /**
   * Proof that media really flows to this window: remote video has a size and frames decoded keep rising
   * over `windowMs`.
   */
  async mediaProof(
    windowMs = 2000,
  ): Promise<{ width: number; height: number; framesBefore: number; framesAfter: number; audioPackets: number }> {
    await this.waitForFirstRemoteFrame();
    const before = await this.media();
    await this.page.waitForTimeout(windowMs);
    const after = await this.media();
    const size = await this.remoteVideoSize();
    return {
      width: size.width,
      height: size.height,
      framesBefore: before?.framesDecoded ?? 0,
      framesAfter: after?.framesDecoded ?? 0,
      audioPackets: after?.audioPacketsReceived ?? 0,
    };
  }
}

/** A browser context allowed camera and microphone, ready for code evaluated from tsx-run scripts. */
export async function newMediaContext(browser: Browser): Promise<BrowserContext> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  // tsx (esbuild keepNames) wraps named functions in functions we evaluate in __name(); pages have no such helper.
  await context.addInitScript('globalThis.__name = (fn) => fn;');
  return context;
}

async function expectEnabled(locator: ReturnType<Page['getByRole']>): Promise<void> {
  await locator.page().waitForFunction((el) => !(el as HTMLButtonElement).disabled, await locator.elementHandle(), { timeout: 10_000 });
}

/** Epoch time of the last timeline entry of `event`, or null. */
export function lastEvent(timeline: TimelineEntry[], event: string): TimelineEntry | null {
  for (let i = timeline.length - 1; i >= 0; i -= 1) if (timeline[i]?.event === event) return timeline[i] ?? null;
  return null;
}

export function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), 'clinic-'));
}
