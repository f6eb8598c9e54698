/** Where the relay keeps its database: one rule for the relay and IT's staff commands, so they meet on one file. */
import { resolve } from 'node:path';

/** The default, next to where the relay runs; services set CLINIC_RELAY_DATA_DIR (README: /var/lib/clinic-relay). */
export const DEFAULT_DATA_DIR = 'relay-data';

export function resolveDataDir(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const dir = flag ?? env.CLINIC_RELAY_DATA_DIR ?? DEFAULT_DATA_DIR;
  // An empty value would quietly mean the working directory.
  if (dir === '') throw new Error('--data-dir needs a folder');
  return resolve(dir);
}
