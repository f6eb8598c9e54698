/**
 * The one signaling protocol shared by the relay and the client.
 *
 * Every message is a small JSON object with `v` (protocol version) and `type`. Each type is defined once
 * here as a runtime-validated schema; both sides parse what they receive through `parseClientMessage` /
 * `parseServerMessage` and never trust a raw object.
 */
import { z } from 'zod';
import { checkedName, checkedNote, MAX_NAME_LENGTH, MAX_NOTE_LENGTH } from './names';

/**
 * 2: every socket starts with the relay's `hello` challenge; staff sign in (`enroll`, `authenticate`) before
 * they may `create`, and a clinician's name is the one IT enrolled, no longer typed.
 * 3: patients come in on their own invite (`invite`, `join {invite, publicKey, signature}`), a patient's
 * `resume` is signed by the device the invite was redeemed on, and TURN credentials come with `call-start`
 * (and `precall-ice`), never in a `welcome`.
 * 4: the clinician's waiting list comes whole once, then as `waiting-room-changes`; the clinician can send a
 * waiting patient a note (`waiting-note`).
 */
export const PROTOCOL_VERSION = 4;

/** Limits that both sides agree on; the relay enforces them. */
export const LIMITS = {
  maxPayloadBytes: 64 * 1024,
  maxDisplayNameLength: MAX_NAME_LENGTH,
  maxSignalBytes: 48 * 1024,
  maxNoteLength: MAX_NOTE_LENGTH,
} as const;

/** Stable error codes: clients branch on these, never on message text. */
export const ErrorCode = {
  BAD_JSON: 'BAD_JSON',
  BAD_MESSAGE: 'BAD_MESSAGE',
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  NOT_JOINED: 'NOT_JOINED',
  ALREADY_JOINED: 'ALREADY_JOINED',
  WRONG_ROLE: 'WRONG_ROLE',
  UNKNOWN_CONSULTATION: 'UNKNOWN_CONSULTATION',
  UNKNOWN_PATIENT: 'UNKNOWN_PATIENT',
  PATIENT_OFFLINE: 'PATIENT_OFFLINE',
  CALL_IN_PROGRESS: 'CALL_IN_PROGRESS',
  NOT_IN_CALL: 'NOT_IN_CALL',
  INVALID_RESUME: 'INVALID_RESUME',
  RATE_LIMITED: 'RATE_LIMITED',
  /** Only signed-in clinic staff may do this (open a consultation, take a clinician's seat back). */
  NOT_SIGNED_IN: 'NOT_SIGNED_IN',
  /** This connection is already signed in (as someone): sign-in happens once per connection. */
  ALREADY_SIGNED_IN: 'ALREADY_SIGNED_IN',
  /** The enrollment code is unknown (mistyped, or never issued). */
  ENROLLMENT_INVALID: 'ENROLLMENT_INVALID',
  ENROLLMENT_EXPIRED: 'ENROLLMENT_EXPIRED',
  ENROLLMENT_USED: 'ENROLLMENT_USED',
  /** The staff member (or this device of theirs) was revoked by IT. */
  STAFF_REVOKED: 'STAFF_REVOKED',
  /** Unknown credential, a key that is not a P-256 public key, or a signature that does not verify. */
  CREDENTIAL_INVALID: 'CREDENTIAL_INVALID',
  /** The device key is already enrolled: a device enrolls again with a fresh key. */
  PUBLIC_KEY_IN_USE: 'PUBLIC_KEY_IN_USE',
  /** No invite has this link or code (mistyped, tampered with, or never made). */
  INVITE_INVALID: 'INVITE_INVALID',
  INVITE_EXPIRED: 'INVITE_EXPIRED',
  /** Another device already came in on this invite: each invite seats one device. */
  INVITE_USED: 'INVITE_USED',
  /** The waiting room seats as many patients as it may. */
  CONSULTATION_FULL: 'CONSULTATION_FULL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** WebSocket close codes (application range 4000-4999). 1009 (too big) comes from `ws` itself. */
export const CloseCode = {
  /**
   * Client -> relay: the relay stopped answering the client's heartbeat, so the client dropped the socket
   * (the frame rarely arrives). The relay sends none for its own heartbeat: it terminates a silent socket.
   */
  HEARTBEAT_TIMEOUT: 4000,
  /** Relay -> client: the same participant signed in on another socket. */
  REPLACED: 4001,
  /** Relay -> client: the clinician closed the consultation. */
  CONSULTATION_CLOSED: 4002,
  // 4003 was a relay heartbeat code that was never sent; do not reuse it.
  /** Relay -> client: the relay is shutting down; another may come back at the same address. */
  RELAY_SHUTDOWN: 4004,
  // 4005 was a rejection code that was never sent; do not reuse it.
  /** Relay -> client: IT revoked this staff member or this device; the client forgets its credential. */
  STAFF_REVOKED: 4006,
  /**
   * Relay -> client: the socket neither signed in nor took a seat within the relay's deadline (about 10 s).
   * Nothing is lost: a client opens a socket again when it has something to say.
   */
  IDENTIFY_TIMEOUT: 4007,
} as const;

/** A person's name: normalised (names.ts), 1-60 characters, nothing invisible or controlling in it. */
const displayName = z
  .string()
  .max(LIMITS.maxDisplayNameLength * 4, `name is longer than ${LIMITS.maxDisplayNameLength} characters`)
  .transform((raw, context) => {
    const checked = checkedName(raw);
    if (checked.ok) return checked.name;
    context.addIssue({ code: 'custom', message: checked.problem });
    return z.NEVER;
  });

/** A clinician's note to a waiting patient: one line of readable text. */
const noteText = z
  .string()
  .max(LIMITS.maxNoteLength * 4, `a note is longer than ${LIMITS.maxNoteLength} characters`)
  .transform((raw, context) => {
    const checked = checkedNote(raw);
    if (checked.ok) return checked.text;
    context.addIssue({ code: 'custom', message: checked.problem });
    return z.NEVER;
  });

/** Short invite codes (for dictation): 8 characters from an alphabet without look-alikes, shown as XXXX-XXXX. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const shortCode = z
  .string()
  .max(32)
  .transform((raw) => normalizeCode(raw))
  .pipe(z.string().regex(new RegExp(`^[${CODE_ALPHABET}]{8}$`), 'code must be 8 letters/digits like ABCD-2345'));
/** An invite link's secret: 256 random bits, base64url. */
export const inviteSecret = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'the invite link is damaged; open it again from the message');

/** Accepts what people type: lower case, spaces and dashes are forgiven. */
export function normalizeCode(raw: string): string {
  return raw.toUpperCase().replace(/[\s-]/g, '');
}

export function formatCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

const id = z.string().min(1).max(64);
/** base64url text of bounded length (device keys, signatures, challenges). */
const base64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');
/** A signed seat claim (see resume-tokens.ts): a few hundred characters. */
const resumeToken = z.string().min(16).max(2048);
/**
 * Per-call, per-sender signal counter starting at 1. The receiver applies each number once, so a message
 * delivered twice (a retried send, a doubled handler) can never feed a peer the same offer twice.
 */
const seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

/**
 * simple-peer's signal payloads: offer/answer, candidate, renegotiate, transceiverRequest.
 * The relay forwards them opaquely, but only well-formed ones: passing anything else to
 * `peer.signal()` destroys the peer (ERR_SIGNALING), so the shape is checked on both ends.
 */
export const signalData = z.union([
  z.object({ type: z.enum(['offer', 'answer', 'pranswer', 'rollback']), sdp: z.string().max(LIMITS.maxSignalBytes) }),
  z.object({
    type: z.literal('candidate'),
    candidate: z.object({
      candidate: z.string().max(2048),
      sdpMid: z.string().max(64).nullable().optional(),
      sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
      usernameFragment: z.string().max(256).nullable().optional(),
    }),
  }),
  z.object({ type: z.literal('renegotiate'), renegotiate: z.literal(true) }),
  z.object({
    type: z.literal('transceiverRequest'),
    transceiverRequest: z.object({
      kind: z.enum(['audio', 'video']),
      // RTCRtpTransceiverInit as JSON can carry: a direction and send encodings, nothing else forwarded blind.
      init: z
        .strictObject({
          direction: z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive']).optional(),
          sendEncodings: z
            .array(
              z.strictObject({
                rid: z.string().max(16).optional(),
                active: z.boolean().optional(),
                maxBitrate: z.number().int().min(0).max(100_000_000).optional(),
                maxFramerate: z.number().min(0).max(240).optional(),
                scaleResolutionDownBy: z.number().min(1).max(64).optional(),
              }),
            )
            .max(4)
            .optional(),
        })
        .optional(),
    }),
  }),
]);
export type SignalData = z.infer<typeof signalData>;

const base = { v: z.literal(PROTOCOL_VERSION) };

// ---- client -> relay -------------------------------------------------------------------------------------

export const clientMessage = z.discriminatedUnion('type', [
  /**
   * Staff, first time on this device: spends IT's one-time enrollment code and registers the device's public
   * key (SPKI), signing this socket's challenge with the private half to prove the device holds it.
   */
  z.object({
    ...base,
    type: z.literal('enroll'),
    code: z.string().min(1).max(64),
    publicKey: base64url(200),
    signature: base64url(128),
  }),
  /** Staff, every connection: signs this socket's challenge with the enrolled device key. */
  z.object({ ...base, type: z.literal('authenticate'), credentialId: id, signature: base64url(128) }),
  /** Staff: this device's credential is revoked at the relay (the device forgets its key too). */
  z.object({ ...base, type: z.literal('sign-out') }),
  /** Signed-in staff open a consultation, under the name IT enrolled them with. */
  z.object({ ...base, type: z.literal('create') }),
  /** The clinician invites one patient: a single-use, expiring invite, optionally naming who is expected. */
  z.object({
    ...base,
    type: z.literal('invite'),
    expectedName: displayName.nullable(),
    /** How long the invite may be redeemed: 5 minutes to 7 days, 24 hours by default. */
    ttlMinutes: z
      .number()
      .int()
      .min(5)
      .max(7 * 24 * 60)
      .default(24 * 60),
  }),
  /**
   * A patient enters the waiting room on their invite (the link's secret, or its short code read out), with
   * the name they give and the device's public key; the first device to do so is the invite's for good.
   */
  z.object({
    ...base,
    type: z.literal('join'),
    invite: z.union([z.object({ secret: inviteSecret }), z.object({ shortCode })]),
    name: displayName,
    publicKey: base64url(200),
    /** This socket's challenge signed with the device key ('patient-seat'). */
    signature: base64url(128),
  }),
  /** Either role takes its place back after a reload or a dropped socket. */
  z.object({
    ...base,
    type: z.literal('resume'),
    resumeToken,
    /** The call this client still holds a live peer for (null after a reload): lets the relay restart a lost call. */
    callId: id.nullable(),
    /**
     * A patient's proof that this is the device its seat belongs to: this socket's challenge signed with the
     * key the invite was redeemed with ('patient-seat'). A clinician proves itself by signing in instead.
     */
    signature: base64url(128).nullable().default(null),
  }),
  /**
   * The path this side's call took, once connected (and again if it moved): for the clinic's record of how
   * calls connect. Candidate types only, never addresses.
   */
  z.object({
    ...base,
    type: z.literal('call-path'),
    callId: id,
    local: z.enum(['host', 'srflx', 'prflx', 'relay']),
    remote: z.enum(['host', 'srflx', 'prflx', 'relay']),
  }),
  /** Short-lived TURN credentials for the pre-call check (staff, and patients with a seat). */
  z.object({ ...base, type: z.literal('precall-ice') }),
  /** Clinician lets one waiting patient in; the relay starts a call. */
  z.object({ ...base, type: z.literal('admit'), patientId: id }),
  /** Clinician sends one waiting patient a short note ("I'm running 5 minutes late"); answered by `waiting-note-sent`. */
  z.object({ ...base, type: z.literal('waiting-note'), patientId: id, text: noteText }),
  /** WebRTC signaling for the current call, forwarded to the other participant only. */
  z.object({ ...base, type: z.literal('signal'), callId: id, seq, data: signalData }),
  /** Ends the current call for both sides. */
  z.object({
    ...base,
    type: z.literal('hang-up'),
    callId: id,
    /** Why this side ends the call: a person hanging up, or a connection that could not be made or kept. */
    reason: z.enum(['hang-up', 'connection-failed']).default('hang-up'),
  }),
  /** This side's connection broke: start the call over with fresh peers (a new call id). */
  z.object({ ...base, type: z.literal('restart'), callId: id }),
  /** Leaves the consultation for good (a clinician leaving closes it). */
  z.object({ ...base, type: z.literal('leave') }),
  /** Application-level heartbeat: browsers cannot send WebSocket pings. */
  z.object({ ...base, type: z.literal('ping'), t: z.number() }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;
type ClientMessageInput = z.input<typeof clientMessage>;
/** A client message without the version field, as callers write it (defaults may be left out). */
export type ClientMessageBody = ClientMessageInput extends infer M ? (M extends ClientMessageInput ? Omit<M, 'v'> : never) : never;

// ---- relay -> client -------------------------------------------------------------------------------------

export const role = z.enum(['clinician', 'patient']);
export type Role = z.infer<typeof role>;

const self = z.object({ participantId: id, role, name: z.string(), resumeToken });

const waitingPatient = z.object({
  id,
  /** The name the patient typed. */
  name: z.string(),
  /** The name the clinician invited them under, if one was given: the waiting list flags a difference. */
  invitedAs: z.string().nullable(),
  /** Why the clinician should look twice at this name (look-alike letters from mixed alphabets), or null. */
  nameWarning: z.string().nullable(),
  /** Epoch ms of arrival; kept across reloads so the queue order is fair. */
  joinedAt: z.number(),
  present: z.boolean(),
  inCall: z.boolean(),
});
export type WaitingPatient = z.infer<typeof waitingPatient>;
/** More than one waiting room seats (consultations.ts): a list or a change never holds more. */
const MAX_LISTED_PATIENTS = 64;

/** ICE servers and policy for one participant's peers, with TURN credentials of its own. */
export const iceSettings = z.object({
  iceServers: z
    .array(
      z.object({
        urls: z.array(z.string().max(512)).min(1).max(16),
        username: z.string().max(256).optional(),
        credential: z.string().max(256).optional(),
      }),
    )
    .max(8),
  iceTransportPolicy: z.enum(['all', 'relay']),
});
export type IceSettings = z.infer<typeof iceSettings>;

/**
 * What the clinic allows in a call, said with each call-start. Media never passes the relay: the apps apply it
 * (the sharer does not offer, the receiver does not show), the relay only says it.
 */
export const callPolicy = z.object({
  /** Patients may share their screen (the clinician always may). */
  patientsMayShare: z.boolean(),
});
export type CallPolicy = z.infer<typeof callPolicy>;
export const DEFAULT_CALL_POLICY: CallPolicy = { patientsMayShare: true };

export const endReason = z.enum(['hang-up', 'connection-failed', 'peer-left', 'replaced']);
export type EndReason = z.infer<typeof endReason>;

const staffMember = z.object({ id, name: z.string() });
export type StaffMember = z.infer<typeof staffMember>;

export const serverMessage = z.discriminatedUnion('type', [
  /** The first message on every socket: the challenge a device key signs to sign in on this socket. */
  z.object({ ...base, type: z.literal('hello'), challenge: base64url(128) }),
  /** Enrollment or authentication succeeded: this socket acts for this staff member. */
  z.object({ ...base, type: z.literal('signed-in'), staff: staffMember, credentialId: id }),
  /** This device's credential is revoked; the socket is no longer signed in. */
  z.object({ ...base, type: z.literal('signed-out') }),
  z.object({
    ...base,
    type: z.literal('welcome'),
    self,
    consultation: z.object({ id, clinicianName: z.string() }),
    /** Present when resuming into a call that is still running. */
    call: z.object({ callId: id, initiator: z.boolean(), peer: z.object({ id, name: z.string(), role }) }).nullable(),
  }),
  /** The clinician's whole waiting list: when the clinician takes its seat (opens, reloads, reconnects). */
  z.object({ ...base, type: z.literal('waiting-room'), patients: z.array(waitingPatient).max(MAX_LISTED_PATIENTS) }),
  /**
   * What changed since the list or changes sent before (see waiting-room.ts): patients new or changed, ids gone.
   * Changes close together are sent together, so the clinician's socket carries little whatever patients do.
   */
  z.object({
    ...base,
    type: z.literal('waiting-room-changes'),
    patients: z.array(waitingPatient).max(MAX_LISTED_PATIENTS),
    removed: z.array(id).max(MAX_LISTED_PATIENTS),
  }),
  /** To a waiting patient: the clinician's note, shown in the waiting room. */
  z.object({ ...base, type: z.literal('waiting-note'), text: z.string(), sentAt: z.number() }),
  /** To the clinician: the note reached the patient's connection. */
  z.object({ ...base, type: z.literal('waiting-note-sent'), patientId: id }),
  z.object({ ...base, type: z.literal('presence'), participantId: id, role, present: z.boolean() }),
  z.object({
    ...base,
    type: z.literal('call-start'),
    callId: id,
    /** The clinician is always the initiator, so each call has exactly one offerer. */
    initiator: z.boolean(),
    peer: z.object({ id, name: z.string(), role }),
    /** ICE servers for this call's peers, with TURN credentials of this participant's own, valid for the call. */
    ice: iceSettings,
    /** The clinic's rules for the call; absent from a relay before it (and then patients may share too). */
    policy: callPolicy.optional(),
  }),
  /** The clinician's new invite: the link's secret and the short code are shown to the clinician only, once. */
  z.object({
    ...base,
    type: z.literal('invite-created'),
    invite: z.object({ id, expectedName: z.string().nullable(), expiresAt: z.number(), shortCode: z.string(), secret: z.string() }),
    /** The web page that redeems it; null when this relay serves no web app (desktop links are built by the app). */
    joinUrl: z.string().nullable(),
  }),
  /** TURN credentials for the pre-call check, valid for a few minutes. */
  z.object({ ...base, type: z.literal('precall-ice'), ice: iceSettings }),
  z.object({ ...base, type: z.literal('signal'), callId: id, seq, data: signalData }),
  z.object({ ...base, type: z.literal('call-ended'), callId: id, reason: endReason, by: role.nullable() }),
  z.object({ ...base, type: z.literal('consultation-closed'), reason: z.enum(['clinician-left', 'expired']) }),
  z.object({ ...base, type: z.literal('pong'), t: z.number() }),
  z.object({
    ...base,
    type: z.literal('error'),
    code: z.enum(Object.values(ErrorCode) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    /** The type of the message that caused it, when it could be read. */
    ref: z.string().nullable(),
  }),
]);
export type ServerMessage = z.infer<typeof serverMessage>;
export type ServerMessageBody = ServerMessage extends infer M ? (M extends ServerMessage ? Omit<M, 'v'> : never) : never;
export type ServerMessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

// ---- parsing ---------------------------------------------------------------------------------------------

export type ParseResult<T> = { ok: true; message: T } | { ok: false; code: ErrorCode; message: string; ref: string | null };

/** No message of the protocol nests deeper than this; a deeper one is refused before it is parsed. */
export const MAX_NESTING = 12;

/** How deeply `raw` nests arrays and objects, counted outside strings (stops counting past `limit`). */
export function nestingDepth(raw: string, limit = MAX_NESTING): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i += 1;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      depth += 1;
      if (depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth -= 1;
  }
  return deepest;
}

function parseWith<T>(schema: z.ZodType<T>, raw: string): ParseResult<T> {
  // Before JSON.parse and the schema: a message nested thousands deep costs them (and us) for nothing.
  if (nestingDepth(raw) > MAX_NESTING) {
    return { ok: false, code: ErrorCode.BAD_MESSAGE, message: `message nests deeper than ${MAX_NESTING} levels`, ref: null };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, code: ErrorCode.BAD_JSON, message: 'message is not valid JSON', ref: null };
  }
  const ref =
    typeof json === 'object' && json !== null && typeof (json as { type?: unknown }).type === 'string'
      ? (json as { type: string }).type
      : null;
  if (typeof json === 'object' && json !== null && 'v' in json && (json as { v: unknown }).v !== PROTOCOL_VERSION) {
    return { ok: false, code: ErrorCode.UNSUPPORTED_VERSION, message: `protocol version must be ${PROTOCOL_VERSION}`, ref };
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { ok: false, code: ErrorCode.BAD_MESSAGE, message: `${where}${issue?.message ?? 'invalid message'}`, ref };
  }
  return { ok: true, message: result.data };
}

export function parseClientMessage(raw: string): ParseResult<ClientMessage> {
  return parseWith(clientMessage, raw);
}

export function parseServerMessage(raw: string): ParseResult<ServerMessage> {
  return parseWith(serverMessage, raw);
}

export function encode(message: ClientMessageBody | ServerMessageBody): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, ...message });
}
