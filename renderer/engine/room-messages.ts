/**
 * What the two sides of a call say to each other on the call's own data channel (never through the relay):
 * small JSON messages `{v: 1, type, …}`, each validated by a zod schema before anything acts on it.
 *
 * Growing it without breaking v1 peers: a new kind of message (`chat`, `chat-ack`, `share-state`) is one more
 * member of `roomMessage`, still `v: 1`; a v1 peer that does not know a type ignores it (`unknown-type`), and
 * known types accept fields they do not know (z.object strips them), so a field can be added too. `v` changes
 * only for a change old peers must not misread, and a peer ignores every message of a version it does not speak.
 *
 * Messages carry state, not events (`media-state` says "muted", never "toggle"): sending the whole state again
 * when the channel opens is idempotent, so nothing said before it was open is lost.
 */
import { z } from 'zod';

export const ROOM_PROTOCOL_VERSION = 1;

/** Bytes of one message (UTF-8), both ways: room for a chat line later, far below SCTP's message limits. */
export const MAX_ROOM_MESSAGE_BYTES = 16 * 1024;

const v = z.literal(ROOM_PROTOCOL_VERSION);

/** This side's microphone and camera: whether the other side hears and sees it (false = muted / camera off). */
export const mediaState = z.object({ v, type: z.literal('media-state'), mic: z.boolean(), camera: z.boolean() });
export type MediaState = Pick<z.infer<typeof mediaState>, 'mic' | 'camera'>;

/** Longest chat message, in characters as people count them (code points): checked before sending and on receipt. */
export const MAX_CHAT_CHARS = 2000;

/** Made by the sender (random): a message sent again after a reconnect is recognised and shown once. */
const chatId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

/**
 * One chat message (chat.ts). An event, not a state, but idempotent all the same: the receiver keeps one message per
 * id and acknowledges every copy. `sentAt` is the sender's clock (epoch ms), for the transcript.
 */
export const chatMessage = z.object({
  v,
  type: z.literal('chat'),
  id: chatId,
  text: z
    .string()
    .min(1)
    .max(MAX_CHAT_CHARS * 2)
    .refine((text) => [...text].length <= MAX_CHAT_CHARS, `at most ${MAX_CHAT_CHARS} characters`),
  sentAt: z.number().int().nonnegative(),
});

/** The receiving app has the chat message `id`: the sender's delivery tick. */
export const chatAck = z.object({ v, type: z.literal('chat-ack'), id: chatId });

/**
 * This side's screen share (screen-share.ts): `sharing` with the `mid` of the m-line that carries it (the one
 * identifier both sides of an RTCPeerConnection agree on; receiver track ids need not match the sender's), or not
 * sharing (`mid` null). State, said again on every channel open: a peer that never says it is one that cannot show
 * a shared screen.
 */
export const shareState = z.object({
  v,
  type: z.literal('share-state'),
  sharing: z.boolean(),
  mid: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/)
    .nullable(),
});
export type ShareState = Pick<z.infer<typeof shareState>, 'sharing' | 'mid'>;

/** Every message this version knows. Add new kinds here. */
export const roomMessage = z.discriminatedUnion('type', [mediaState, chatMessage, chatAck, shareState]);
export type RoomMessage = z.infer<typeof roomMessage>;
export type RoomMessageBody = RoomMessage extends infer M ? (M extends unknown ? Omit<M, 'v'> : never) : never;

const KNOWN_TYPES: ReadonlySet<string> = new Set(roomMessage.options.map((option) => option.shape.type.value));

/** Just enough to decide whether this side can read a message at all. */
const envelope = z.object({ v: z.number().int().min(1).max(1000), type: z.string().min(1).max(64) });

/**
 * Why a message was not taken: `unknown-type` and `unsupported-version` are a newer peer speaking, and are
 * ignored; the others are a broken or hostile peer.
 */
export type RoomParseFailure = 'too-large' | 'bad-json' | 'unsupported-version' | 'unknown-type' | 'bad-message';

export type RoomParseResult = { ok: true; message: RoomMessage } | { ok: false; reason: RoomParseFailure; type: string | null };

/** Parses one message from the other side. Pure; never throws. */
export function parseRoomMessage(raw: string): RoomParseResult {
  // Checked before JSON.parse: a huge message costs nothing but this. Characters <= UTF-8 bytes.
  if (raw.length > MAX_ROOM_MESSAGE_BYTES || utf8Length(raw) > MAX_ROOM_MESSAGE_BYTES) {
    return { ok: false, reason: 'too-large', type: null };
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'bad-json', type: null };
  }
  const head = envelope.safeParse(json);
  if (!head.success) return { ok: false, reason: 'bad-message', type: null };
  const { v: version, type } = head.data;
  if (version !== ROOM_PROTOCOL_VERSION) return { ok: false, reason: 'unsupported-version', type };
  if (!KNOWN_TYPES.has(type)) return { ok: false, reason: 'unknown-type', type };
  const parsed = roomMessage.safeParse(json);
  if (!parsed.success) return { ok: false, reason: 'bad-message', type };
  return { ok: true, message: parsed.data };
}

/** The text to send for `body` (the version added); throws if it breaks the schema or the size bound. */
export function encodeRoomMessage(body: RoomMessageBody): string {
  const message = roomMessage.parse({ ...body, v: ROOM_PROTOCOL_VERSION });
  const text = JSON.stringify(message);
  if (utf8Length(text) > MAX_ROOM_MESSAGE_BYTES) throw new RangeError(`room message over ${MAX_ROOM_MESSAGE_BYTES} bytes`);
  return text;
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}
