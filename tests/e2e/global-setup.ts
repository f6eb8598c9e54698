/** Builds the renderer once before the browser suites, so they never test a stale bundle. */
import { build } from 'vite';
import { ROOT } from '../harness/browser';

export default async function setup(): Promise<void> {
  await build({ configFile: `${ROOT}/renderer/vite.config.ts`, logLevel: 'warn' });
}
