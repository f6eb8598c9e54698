/**
 * Bundles the Electron main process and preload into dist-electron/ (npm run build:electron).
 *   main    -> dist-electron/main/index.js    ESM (package.json is "type": "module"); npm packages stay
 *              external and ship in node_modules inside the asar, as electron-builder packages them.
 *   preload -> dist-electron/preload/index.cjs  CommonJS, fully bundled: a sandboxed preload can require
 *              only `electron` (and a few Node polyfills), never a file or a package.
 */
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_OUTDIR = join(root, 'dist-electron');

/** Electron 45 ships Node 22 and Chromium 140+. */
const common: BuildOptions = {
  bundle: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: root,
};

/** `outdir` is replaced, not merged into. Tests build elsewhere; the app runs from dist-electron/. */
export async function buildElectron(outdir: string = DEFAULT_OUTDIR): Promise<void> {
  await rm(outdir, { recursive: true, force: true });
  await Promise.all([
    build({
      ...common,
      entryPoints: ['main/index.ts'],
      outfile: join(outdir, 'main', 'index.js'),
      platform: 'node',
      format: 'esm',
      target: 'node22',
      packages: 'external',
    }),
    build({
      ...common,
      entryPoints: ['preload/index.ts'],
      outfile: join(outdir, 'preload', 'index.cjs'),
      platform: 'node',
      format: 'cjs',
      target: ['node22', 'chrome140'],
      external: ['electron'],
    }),
  ]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildElectron().then(
    () => process.stdout.write(`Electron main and preload built into ${DEFAULT_OUTDIR}\n`),
    (err: unknown) => {
      process.stderr.write(`build:electron failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
