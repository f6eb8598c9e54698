/**
 * The relay's version: fixed into the bundle by `npm run build:relay`; read from package.json when the relay
 * runs from source.
 */
import { readFileSync } from 'node:fs';

export function relayVersion(): string {
  const built = process.env.CLINIC_RELAY_BUILT_VERSION;
  if (built) return built;
  try {
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof manifest.version === 'string' ? manifest.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
