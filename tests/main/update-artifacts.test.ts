/**
 * The installers electron-builder names from electron-builder.yml are files the relay serves: the invite page
 * offers them per platform and latest*.yml points the desktop app at them by name (signaling/downloads.ts).
 * Names are expanded by electron-builder's own macro expander, as `npm run dist` does.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expandMacro } from 'app-builder-lib/out/util/macroExpander.js';
import { Arch, getArtifactArchName } from 'builder-util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isPlainFileName } from '../../signaling/downloads';

const ROOT = join(import.meta.dirname, '..', '..');

/** What electron-builder's appInfo offers the macros, for this package.json and config. */
async function appInfo(): Promise<{ pattern: string; info: Parameters<typeof expandMacro>[2] }> {
  const config = parse(await readFile(join(ROOT, 'electron-builder.yml'), 'utf8')) as { artifactName: string; productName: string };
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { name: string };
  const info = { name: pkg.name, productName: config.productName, sanitizedProductName: config.productName, version: '1.2.0' };
  return { pattern: config.artifactName, info: info as unknown as Parameters<typeof expandMacro>[2] };
}

describe('installer names', () => {
  it.each([
    ['win', Arch.x64, 'exe', 'Clinic-Consult-1.2.0-win-x64.exe'],
    ['win', null, 'exe', 'Clinic-Consult-1.2.0-win.exe'], // one NSIS installer for several architectures
    ['mac', Arch.arm64, 'dmg', 'Clinic-Consult-1.2.0-mac-arm64.dmg'],
    ['mac', Arch.x64, 'zip', 'Clinic-Consult-1.2.0-mac-x64.zip'],
    ['mac', Arch.universal, 'zip', 'Clinic-Consult-1.2.0-mac-universal.zip'],
    ['linux', Arch.x64, 'AppImage', 'Clinic-Consult-1.2.0-linux-x86_64.AppImage'],
    ['linux', Arch.x64, 'deb', 'Clinic-Consult-1.2.0-linux-amd64.deb'],
  ] as const)('%s %s .%s: %s, a name the relay serves', async (os, arch, ext, expected) => {
    const { pattern, info } = await appInfo();
    const name = expandMacro(pattern, arch === null ? null : getArtifactArchName(arch, ext), info, { os, ext });
    expect(name).toBe(expected);
    expect(isPlainFileName(name)).toBe(true);
    expect(isPlainFileName(`${name}.blockmap`)).toBe(true);
  });

  it("electron-builder's default NSIS name is one the relay would refuse (why artifactName is set)", async () => {
    const { info } = await appInfo();
    // biome-ignore lint/suspicious/noTemplateCurlyInString: electron-builder's own macro syntax, not a template
    const name = expandMacro('${productName} Setup ${version}.${ext}', null, info, { ext: 'exe' });
    expect(name).toBe('Clinic Consult Setup 1.2.0.exe');
    expect(isPlainFileName(name)).toBe(false);
  });
});
