/**
 * The lifecycle every browser suite shares: one Chromium per file, relays and windows per test, all closed
 * after each test even when it fails.
 */
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Relay, RelayOptions } from '../../signaling/server';
import { AppWindow, type LaunchedBrowser, launchChromium, startTestRelay, type TestRelay } from './browser';

export interface BrowserSuite {
  /** A relay (serving the web app unless told otherwise) with a store of its own, closed after the test. */
  relay(options?: Partial<Omit<RelayOptions, 'store'>>): Promise<TestRelay>;
  /** A person's window on `relay`'s web app (or on `url`), closed after the test. */
  open(relay: Relay, label: string, init?: (() => void) | string, url?: string): Promise<AppWindow>;
}

export function browserSuite(chromiumArgs: string[] = []): BrowserSuite {
  let chromium: LaunchedBrowser | null = null;
  const windows: AppWindow[] = [];
  const relays: TestRelay[] = [];

  beforeAll(async () => {
    chromium = await launchChromium(chromiumArgs);
  });
  afterAll(async () => {
    await chromium?.close();
  });
  afterEach(async () => {
    // No window may have tried a phase change the engine's state machine forbids (it logs, never throws).
    const illegal: string[] = [];
    for (const window of windows) {
      const timeline = await window.timeline().catch(() => []);
      for (const entry of timeline) if (entry.event === 'phase-illegal') illegal.push(`${window.label}: ${entry.detail}`);
    }
    for (const window of windows.splice(0)) await window.close();
    for (const relay of relays.splice(0)) await relay.close();
    if (illegal.length > 0) throw new Error(`illegal phase changes:\n${illegal.join('\n')}`);
  });

  return {
    relay: async (options = {}) => {
      const relay = await startTestRelay(options);
      relays.push(relay);
      return relay;
    },
    open: async (relay, label, init, url = `${relay.url}/`) => {
      if (!chromium) throw new Error('browserSuite: Chromium is not running (call open() inside a test)');
      const window = await AppWindow.open(chromium.browser, url, label, init);
      windows.push(window);
      return window;
    },
  };
}
