import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

async function loadConfig(): Promise<Record<string, unknown>> {
  return parse(await readFile(join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;
}
async function loadSchema(): Promise<object> {
  // electron-builder's own schema for its configuration, from the installed app-builder-lib.
  return JSON.parse(await readFile(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
}

describe('electron-builder.yml', () => {
  it("is valid against electron-builder's JSON schema (no unknown keys, right types)", async () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(await loadSchema());
    const valid = validate(await loadConfig());
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check itself rejects a misspelt key (the test can fail)', async () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(await loadSchema());
    expect(validate({ ...(await loadConfig()), electronFuse: { runAsNode: false } })).toBe(false);
  });

  it('registers the clinic-consult:// scheme', async () => {
    expect((await loadConfig()).protocols).toEqual([{ name: 'Clinic Consult consultation link', schemes: ['clinic-consult'] }]);
  });

  it('turns off Node escape hatches and enforces the integrity-checked asar', async () => {
    expect((await loadConfig()).electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
  });

  it('builds AppImage + deb, NSIS, dmg + zip with hardened runtime, entitlements and usage strings', async () => {
    const config = await loadConfig();
    expect(config).toMatchObject({
      appId: 'org.clinicconsult.desktop',
      productName: 'Clinic Consult',
      linux: { target: ['AppImage', 'deb'] },
      win: { target: ['nsis'] },
      mac: { target: ['dmg', 'zip'], hardenedRuntime: true, entitlements: 'build/entitlements.mac.plist' },
    });
    const info = (config.mac as { extendInfo: Record<string, string> }).extendInfo;
    for (const key of ['NSCameraUsageDescription', 'NSMicrophoneUsageDescription', 'NSLocalNetworkUsageDescription']) {
      expect(info[key]?.length ?? 0).toBeGreaterThan(20);
    }
    const entitlements = await readFile(join(ROOT, 'build', 'entitlements.mac.plist'), 'utf8');
    expect(entitlements).toContain('<key>com.apple.security.device.camera</key>');
    expect(entitlements).toContain('<key>com.apple.security.device.audio-input</key>');
    expect(entitlements).not.toContain('disable-library-validation');
  });

  it('publishes to a generic server whose URL comes from the environment', async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: electron-builder's own ${env.X} macro, expanded at build time, not a template
    expect((await loadConfig()).publish).toEqual({ provider: 'generic', url: '${env.CLINIC_UPDATE_URL}' });
  });

  it('packages the bundles the app runs from (package.json main, preload, renderer)', async () => {
    const config = await loadConfig();
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist-electron/main/index.js');
    expect(config.files).toEqual(expect.arrayContaining(['package.json', 'dist-electron/**/*', 'renderer/dist/**/*']));
  });
});
