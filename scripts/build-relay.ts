/**
 * Builds the relay for IT (npm run build:relay): dist-relay/ holds relay.mjs (plain JavaScript, one file, with
 * its sourcemap) and the one native module it needs (libsql, with the prebuilt binaries installed for this
 * machine) in dist-relay/node_modules. Copy the folder to a server of the same OS and architecture and run
 * `node relay.mjs`: no TypeScript, no npm install.
 */
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_RELAY_OUTDIR = join(root, 'dist-relay');

/** libsql loads its binary at run time (a package per platform): shipped as files, never bundled. */
const NATIVE = ['libsql', '@neon-rs/load', 'detect-libc'];

export async function buildRelay(outdir: string = DEFAULT_RELAY_OUTDIR): Promise<{ bundleBytes: number }> {
  const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  await rm(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['signaling/cli.ts'],
    outfile: join(outdir, 'relay.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    external: NATIVE,
    define: { 'process.env.CLINIC_RELAY_BUILT_VERSION': JSON.stringify(manifest.version) },
    // Bundled CommonJS packages (pino, ws) call require(): give the ES module one.
    banner: { js: "import { createRequire as __relayRequire } from 'node:module'; const require = __relayRequire(import.meta.url);" },
  });
  const modules = join(outdir, 'node_modules');
  await mkdir(modules, { recursive: true });
  const platformBinaries = (await readdir(join(root, 'node_modules', '@libsql')).catch(() => [])).map((name) => `@libsql/${name}`);
  for (const name of [...NATIVE, ...platformBinaries]) {
    await cp(join(root, 'node_modules', name), join(modules, name), { recursive: true, dereference: true });
  }
  await writeFile(
    join(outdir, 'package.json'),
    `${JSON.stringify({ name: 'clinic-relay', version: manifest.version, private: true, type: 'module' }, null, 2)}\n`,
  );
  const bundleBytes = Object.values(result.metafile?.outputs ?? {}).reduce(
    (sum, output) => sum + (output.entryPoint ? output.bytes : 0),
    0,
  );
  return { bundleBytes };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  buildRelay().then(
    ({ bundleBytes }) =>
      process.stdout.write(
        `Relay built into ${DEFAULT_RELAY_OUTDIR}: relay.mjs ${(bundleBytes / 1024).toFixed(0)} KiB. Run: node relay.mjs --help\n`,
      ),
    (err: unknown) => {
      process.stderr.write(`build:relay failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
