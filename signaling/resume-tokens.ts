/**
 * Resume tokens are signed seat claims: who the participant is, in which consultation, with which clinician.
 * A relay that restarted (and so forgot everything) can verify one with its secret and rebuild the seat,
 * so a live call keeps its signaling path without anyone noticing. Signed with HMAC-SHA256; compared in
 * constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Ids only: no names and no codes. A token is readable (base64 JSON) by whoever holds it, and tells them
 * nothing about who is in the consultation; a restarted relay reads the rest from its store.
 */
const seatClaim = z.object({
  v: z.literal(3),
  /** participant id and role */
  pid: z.string().min(1).max(64),
  role: z.enum(['clinician', 'patient']),
  /** consultation id */
  kid: z.string().min(1).max(64),
  /** the consultation's clinician, so a patient who comes back first can rebuild the consultation */
  cid: z.string().min(1).max(64),
  /** the clinician's staff id: only that staff member, signed in, takes a clinician's seat back */
  csid: z.string().min(1).max(64).nullable(),
  /** a patient's invite: only the device it was redeemed on takes the seat back */
  iid: z.string().min(1).max(64).nullable(),
  joinedAt: z.number(),
  /** expiry, epoch ms */
  exp: z.number(),
});
export type SeatClaim = z.infer<typeof seatClaim>;

export class ResumeTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < 32) throw new Error('the relay secret must be at least 32 characters');
    this.key = Buffer.from(secret, 'utf8');
  }

  issue(claim: Omit<SeatClaim, 'v' | 'exp'>, ttlMs: number, nowMs: number): string {
    const payload = Buffer.from(JSON.stringify({ v: 3, ...claim, exp: nowMs + ttlMs })).toString('base64url');
    return `${payload}.${this.sign(payload)}`;
  }

  /** The claim, or null when the token is malformed, forged or expired. */
  verify(token: string, nowMs: number): SeatClaim | null {
    const [payload, signature, extra] = token.split('.');
    if (!payload || !signature || extra !== undefined) return null;
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    const claim = seatClaim.safeParse(json);
    if (!claim.success || claim.data.exp <= nowMs) return null;
    return claim.data;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}
