/**
 * ICE configuration is the relay's: IT configures STUN/TURN once, and each side of a call gets it with its
 * call-start, with TURN credentials of its own that expire (coturn's REST scheme, `use-auth-secret`).
 * The shared secret never leaves the relay. Nothing configured = no ICE servers at all: LAN calls need no
 * internet, and no public STUN server learns who talks to whom.
 */
import { createHmac } from 'node:crypto';
import type { IceSettings } from './protocol';

export interface IceConfig {
  /** stun: URLs. */
  stunUrls: string[];
  /** turn:/turns: URLs, e.g. turn:turn.clinic.example:3478?transport=udp, turns:turn.clinic.example:5349?transport=tcp */
  turnUrls: string[];
  /** coturn's static-auth-secret; required when turnUrls are given. */
  turnSecret: string | null;
  /** Lifetime of the credentials handed out; they must outlast a consultation (a TURN refresh re-checks them). */
  turnTtlSeconds: number;
  /** Clinic policy: relay every call through TURN, so participants never learn each other's addresses. */
  relayOnly: boolean;
}

export const NO_ICE: IceConfig = { stunUrls: [], turnUrls: [], turnSecret: null, turnTtlSeconds: 2 * 3600, relayOnly: false };

/**
 * TURN credentials go only to the two people in a call, at its start (and each restart): the call's
 * credentials last as long as a consultation may (capped by IT's --turn-ttl); the pre-call check's a few minutes.
 */
export const CALL_TURN_TTL_SECONDS = 2 * 3600;
export const PRECALL_TURN_TTL_SECONDS = 5 * 60;

/** Problems that make the configuration unusable, in words for IT; empty when it is fine. */
export function iceConfigProblems(config: IceConfig): string[] {
  const problems: string[] = [];
  for (const url of config.stunUrls) if (!/^stuns?:[^\s]+$/.test(url)) problems.push(`"${url}" is not a stun: URL`);
  for (const url of config.turnUrls) if (!/^turns?:[^\s]+$/.test(url)) problems.push(`"${url}" is not a turn: or turns: URL`);
  if (config.turnUrls.length > 0 && !config.turnSecret) problems.push('TURN URLs need the TURN shared secret (coturn static-auth-secret)');
  if (config.turnSecret !== null && config.turnSecret.length < 16) problems.push('the TURN shared secret must be at least 16 characters');
  if (config.relayOnly && config.turnUrls.length === 0) problems.push('relay-only calls need at least one TURN URL');
  if (!Number.isInteger(config.turnTtlSeconds) || config.turnTtlSeconds < 60 || config.turnTtlSeconds > 7 * 24 * 3600) {
    problems.push('the TURN credential lifetime must be between 60 seconds and 7 days');
  }
  return problems;
}

/** coturn REST credentials: username `<unix expiry>:<participant>`, password base64(HMAC-SHA1(secret, username)). */
export function turnCredentials(
  secret: string,
  participantId: string,
  ttlSeconds: number,
  nowMs: number,
): { username: string; credential: string } {
  const expiry = Math.floor(nowMs / 1000) + ttlSeconds;
  const username = `${expiry}:${participantId}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');
  return { username, credential };
}

/** What one participant is told: the servers, its own TURN credentials (for at most `ttlSeconds`), and the policy. */
export function iceForParticipant(config: IceConfig, participantId: string, nowMs: number, ttlSeconds: number): IceSettings {
  const iceServers: IceSettings['iceServers'] = [];
  if (config.stunUrls.length > 0) iceServers.push({ urls: config.stunUrls });
  if (config.turnUrls.length > 0 && config.turnSecret) {
    const ttl = Math.min(ttlSeconds, config.turnTtlSeconds);
    iceServers.push({ urls: config.turnUrls, ...turnCredentials(config.turnSecret, participantId, ttl, nowMs) });
  }
  return { iceServers, iceTransportPolicy: config.relayOnly ? 'relay' : 'all' };
}

/** The configuration as it may be shown or exported: URLs and policy, never the secret. */
export function describeIceConfig(config: IceConfig): {
  stunUrls: string[];
  turnUrls: string[];
  turnTtlSeconds: number;
  relayOnly: boolean;
} {
  return { stunUrls: config.stunUrls, turnUrls: config.turnUrls, turnTtlSeconds: config.turnTtlSeconds, relayOnly: config.relayOnly };
}
