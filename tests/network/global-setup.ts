/**
 * Before the network suite: not root → say so loudly, once, where it cannot be missed (the suite's tests
 * are skipped); root → build the renderer so the relay serves the current app.
 */
import buildRenderer from '../e2e/global-setup';
import { announceSkipIfNotRoot, IS_ROOT } from './preflight';

export default async function setup(): Promise<void> {
  if (!IS_ROOT) {
    announceSkipIfNotRoot();
    return;
  }
  await buildRenderer();
}
