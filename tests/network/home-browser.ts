/**
 * One Chromium per home host, running inside that host's namespace: it sees only that host's interface and
 * addresses, so its ICE candidates are the host's, and every packet crosses the simulated NAT.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM_PATH, type LaunchedBrowser, launchChromium } from '../harness/browser';
import type { Home } from './topology';

export async function launchInHome(home: Home, origin: string, as: 'desktop' | 'browser' = 'desktop'): Promise<LaunchedBrowser> {
  const dir = mkdtempSync(join(tmpdir(), `clinic-${home.name}-`));
  const wrapper = join(dir, 'chromium-in-netns');
  // playwright talks to Chromium over inherited pipes; `exec` keeps them, so the wrapper is invisible to it.
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec '${home.ns}' '${CHROMIUM_PATH}' "$@"\n`);
  chmodSync(wrapper, 0o700);
  try {
    const launched = await launchChromium(
      // The relay's origin is plain http on a non-loopback address: not a secure context, so no camera.
      // Tests only: tell Chromium to treat this one origin as secure (the product uses https or the app).
      [`--unsafely-treat-insecure-origin-as-secure=${origin}`],
      { executablePath: wrapper, as },
    );
    return {
      browser: launched.browser,
      close: async () => {
        await launched.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
