/**
 * The relay the desktop app points at when settings name none: the relay this computer hosts, if any;
 * else CLINIC_RELAY_URL (clinic IT can set it machine-wide); else a standalone relay on this computer's
 * default port. Pure.
 */
import { settingsSchema } from '../contract/bridge';

export const FALLBACK_RELAY_URL = 'ws://127.0.0.1:8787/ws';

export function defaultRelayUrl(hostedLoopbackUrl: string | null, env: Record<string, string | undefined>): string {
  if (hostedLoopbackUrl) return hostedLoopbackUrl;
  const fromEnv = env.CLINIC_RELAY_URL;
  if (fromEnv && settingsSchema.shape.relayUrl.safeParse(fromEnv).success) return fromEnv;
  return FALLBACK_RELAY_URL;
}
