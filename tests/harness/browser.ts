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
    metricsUrl: relay.metricsUrl,
    stats: () => relay.stats(),
    close: async () => {
      await relay.close();
      await store.close(); // after the relay, which writes to it until it is closed
    },
    store,
    staffCode: async (name) => (await store.addStaff(name, Date.now())).enrollmentCode,
  };
}

/** An invite as the clinician's screen shows it, to pass on to a patient. */
export interface InviteShown {
  /** The browser link (null when the relay serves no web app, e.g. a desktop app's own relay). */
  link: string | null;
  /** The link for the Clinic Consult app (clinic-consult://join?…&invite=…). */
  desktopLink: string;
  /** The code to read out, XXXX-XXXX. */
  shortCode: string;
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
   * and opens a consultation under the enrolled name; patients come in on invites (`invitePatient`).
   */
  async openConsultation(enrollmentCode: string): Promise<void> {
    await this.page.getByRole('button', { name: /I am a clinician/ }).click();
    await this.signIn(enrollmentCode);
    await this.page.getByRole('button', { name: 'Open consultation' }).click();
    await this.waitOrSay(this.page.getByTestId('consultation-card'), 'the consultation card');
  }

  /**
   * Waits for `locator`; if it never shows, fails with what the screen said instead (a refusal, a camera error),
   * so a failure seen once on a loaded machine can be understood from the log alone.
   */
  private async waitOrSay(locator: ReturnType<Page['getByTestId']>, what: string): Promise<void> {
    try {
      await locator.waitFor();
    } catch (err) {
      const screen =
        (await this.page
          .locator('body')
          .textContent({ timeout: 2000 })
          .catch(() => '(unreadable)')) ?? '';
      throw new Error(`${this.label}: ${what} never showed; the screen said: ${screen.replace(/\s+/g, ' ').slice(0, 800)}`, {
        cause: err,
      });
    }
  }

  /**
   * Clinician in a consultation: creates an invite (for `expectedName`, when given) through the invite form, and
   * returns the new invite as the screen shows it.
   */
  async invitePatient(expectedName?: string): Promise<InviteShown> {
    const before = await this.page.getByTestId('invite').count();
    await this.page.getByLabel("Patient's name (optional)").fill(expectedName ?? '');
    await this.page.getByRole('button', { name: 'Create invite' }).click();
    await this.page.waitForFunction((count) => document.querySelectorAll('[data-testid="invite"]').length > count, before, {
      polling: 50,
    });
    const newest = this.page.getByTestId('invite').first(); // newest first
    const link = newest.getByTestId('invite-link');
    return {
      link: (await link.count()) > 0 ? await link.getAttribute('href') : null,
      desktopLink: (await newest.getByTestId('invite-desktop-link').textContent())?.trim() ?? '',
      shortCode: (await newest.getByTestId('invite-code').textContent())?.trim() ?? '',
    };
  }

  /** Clinician's start screen: redeems an enrollment code and waits until this device is signed in. */
  async signIn(enrollmentCode: string): Promise<void> {
    await this.page.getByLabel('Enrollment code').fill(enrollmentCode);
    await this.page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await this.page.getByTestId('signed-in-as').waitFor();
  }

  /** Patient on the start page: types the invite code the clinic read out, and a name; waits to be in the waiting room. */
  async joinConsultation(shortCode: string, name: string): Promise<void> {
    await this.submitJoinByCode(shortCode, name);
    await this.waitForState('waiting');
  }

  /** Patient on the start page: types the code and a name and clicks Join, whatever the relay says to it. */
  async submitJoinByCode(shortCode: string, name: string): Promise<void> {
    await this.page.getByRole('button', { name: /I am a patient/ }).click();
    await this.page.getByLabel('Invite code', { exact: true }).fill(shortCode);
    await this.page.getByLabel('Your name').fill(name);
    await this.page.getByRole('button', { name: 'Join', exact: true }).click();
  }

  /** Patient on a window opened with an invite link: the invite is in hand, so only a name; waits to be in the waiting room. */
  async joinViaLink(name: string): Promise<void> {
    await this.submitJoinViaLink(name);
    await this.waitForState('waiting');
  }

  /**
   * Patient on a window opened with an invite link: on the invite page, chooses "Join in this browser"; then
   * gives a name and clicks Join, whatever the relay says to it.
   */
  async submitJoinViaLink(name: string): Promise<void> {
    if ((await this.page.getByTestId('invite-landing').count()) > 0) await this.page.getByTestId('offer-browser').click();
    await this.page.getByTestId('invite-in-hand').waitFor();
    await this.page.getByLabel('Your name').fill(name);
    await this.page.getByRole('button', { name: 'Join', exact: true }).click();
  }

  /** The join refusal on the patient's screen: its code and words. */
  async joinError(): Promise<{ code: string | null; text: string; role: string | null }> {
    const error = this.page.getByTestId('join-error');
    await error.waitFor();
    return {
      code: await error.getAttribute('data-code'),
      text: (await error.textContent()) ?? '',
      role: await error.getAttribute('role'),
    };
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
