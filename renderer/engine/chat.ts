/**
 * Chat in the call, over the call's data channel (room-messages.ts `chat` / `chat-ack`): the pure model, and the
 * small class the engine drives it with.
 *
 * Delivery: a message is `sending` until it is on a channel, `sent` once it is, `delivered` when the other app
 * acknowledged it. The channel is closed while a call restarts (reconnecting): messages written meanwhile, and
 * those sent but never acknowledged, go (again) when the next channel of the same call opens; the receiver keeps
 * one message per id and acknowledges every copy, so nothing is shown twice. A call that ends first leaves them
 * `not-delivered`, said on the message.
 *
 * Memory only: the messages live in the engine for the consultation, with one person (a call with someone else
 * starts an empty chat), and are gone when the consultation is left or closed. Only the clinician can export
 * them (formatTranscript). Their text never goes to the timeline, which is exported for IT.
 */
import { encodeRoomMessage, MAX_CHAT_CHARS } from './room-messages';

export { MAX_CHAT_CHARS };

export type ChatDirection = 'out' | 'in';

/** out: sending → sent → delivered, or not-delivered (the call ended first); in: received. */
export type ChatDelivery = 'sending' | 'sent' | 'delivered' | 'not-delivered' | 'received';

export interface ChatMessage {
  id: string;
  direction: ChatDirection;
  text: string;
  /** When it was written (out) or arrived (in), by this machine's clock: the time shown. */
  at: number;
  /** The sender's clock when it was sent (the other machine's, for a message in). */
  sentAt: number;
  state: ChatDelivery;
}

export interface ChatState {
  /** Oldest first. */
  messages: readonly ChatMessage[];
  /** Messages in that nobody has seen yet (the panel was closed). */
  unread: number;
}

export const EMPTY_CHAT: ChatState = { messages: [], unread: 0 };

/** Messages kept; older ones go first. A consultation never gets near it; a flooding peer cannot grow memory. */
export const MAX_CHAT_HISTORY = 1000;

export type ChatRefusal = { code: 'CHAT_EMPTY' | 'CHAT_TOO_LONG' | 'CHAT_NO_CALL'; message: string };
export type ChatTextCheck = { ok: true; text: string } | ({ ok: false } & ChatRefusal);

/** Characters as people count them (an emoji is one). */
export function chatLength(text: string): number {
  return [...text].length;
}

/** The text to send, or why it cannot go: blank, or over MAX_CHAT_CHARS (never cut silently). Pure. */
/**
 * Without bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): one of them before a link can
 * make `https://evil.example/…` read as a clinic's address. Marks (U+200E/U+200F) stay: right-to-left text needs them.
 */
export function withoutDirectionControls(text: string): string {
  return text.replace(/[\u202A-\u202E\u2066-\u2069]/g, '');
}

export function checkChatText(raw: string): ChatTextCheck {
  const text = withoutDirectionControls(raw.replace(/\r\n?/g, '\n')).trim();
  if (text.length === 0) return { ok: false, code: 'CHAT_EMPTY', message: 'Type a message first.' };
  const length = chatLength(text);
  if (length > MAX_CHAT_CHARS) {
    return {
      ok: false,
      code: 'CHAT_TOO_LONG',
      message:
        `This message has ${length.toLocaleString('en')} characters; a message can have at most ` +
        `${MAX_CHAT_CHARS.toLocaleString('en')}. Shorten it or send it in parts.`,
    };
  }
  return { ok: true, text };
}

function withMessages(chat: ChatState, messages: ChatMessage[]): ChatState {
  return { ...chat, messages: messages.length > MAX_CHAT_HISTORY ? messages.slice(-MAX_CHAT_HISTORY) : messages };
}

/** A message written here; `onChannel`: it went out at once. Pure. */
export function addOutgoing(chat: ChatState, message: { id: string; text: string; at: number }, onChannel: boolean): ChatState {
  const added: ChatMessage = {
    id: message.id,
    text: message.text,
    at: message.at,
    sentAt: message.at,
    direction: 'out',
    state: onChannel ? 'sent' : 'sending',
  };
  return withMessages(chat, [...chat.messages, added]);
}

/**
 * A message from the other side. A copy of one already here (sent again after a reconnect) changes nothing; `read`:
 * the panel is open, so it is not counted unread. Pure.
 */
export function receiveChat(
  chat: ChatState,
  message: { id: string; text: string; sentAt: number },
  at: number,
  read = false,
): { chat: ChatState; isNew: boolean } {
  if (chat.messages.some((m) => m.direction === 'in' && m.id === message.id)) return { chat, isNew: false };
  const added: ChatMessage = { id: message.id, text: message.text, sentAt: message.sentAt, direction: 'in', at, state: 'received' };
  const next = withMessages(chat, [...chat.messages, added]);
  return { chat: { ...next, unread: read ? chat.unread : chat.unread + 1 }, isNew: true };
}

/** The other app has message `id` (of ours): delivered. Unknown ids and messages already given up change nothing. */
export function acknowledge(chat: ChatState, id: string): ChatState {
  const index = chat.messages.findIndex((m) => m.direction === 'out' && m.id === id);
  const found = chat.messages[index];
  if (!found || (found.state !== 'sending' && found.state !== 'sent')) return chat;
  const messages = [...chat.messages];
  messages[index] = { ...found, state: 'delivered' };
  return { ...chat, messages };
}

/** Ours not yet acknowledged while a call is on: what goes (again) when a channel opens, oldest first. */
export function pendingOutgoing(chat: ChatState): ChatMessage[] {
  return chat.messages.filter((m) => m.direction === 'out' && (m.state === 'sending' || m.state === 'sent'));
}

/** These went out on a channel. Pure. */
export function markSent(chat: ChatState, ids: ReadonlySet<string>): ChatState {
  if (ids.size === 0) return chat;
  return {
    ...chat,
    messages: chat.messages.map((m) => (m.direction === 'out' && m.state === 'sending' && ids.has(m.id) ? { ...m, state: 'sent' } : m)),
  };
}

/** The call ended: what was never acknowledged is not delivered (said on it), and is not sent later. Pure. */
export function giveUpPending(chat: ChatState): ChatState {
  if (pendingOutgoing(chat).length === 0) return chat;
  return {
    ...chat,
    messages: chat.messages.map((m) =>
      m.direction === 'out' && (m.state === 'sending' || m.state === 'sent') ? { ...m, state: 'not-delivered' } : m,
    ),
  };
}

export function markRead(chat: ChatState): ChatState {
  return chat.unread === 0 ? chat : { ...chat, unread: 0 };
}

export interface TranscriptOptions {
  selfName: string;
  peerName: string;
  exportedAt: number;
  /** A moment as text; the local date and time (YYYY-MM-DD HH:MM:SS) unless tests say otherwise. */
  formatTime?: (epochMs: number) => string;
}

/** The clinician's export: plain text, one message a line (continuation lines indented), times by this machine's clock. */
export function formatTranscript(chat: ChatState, options: TranscriptOptions): string {
  const time = options.formatTime ?? localDateTime;
  const lines = [
    'Clinic Consult: chat transcript',
    `Between ${options.selfName} and ${options.peerName}; exported ${time(options.exportedAt)}.`,
    'Times are when each message was written (yours) or arrived (theirs), on this computer.',
    '',
  ];
  for (const message of chat.messages) {
    const who = message.direction === 'out' ? options.selfName : options.peerName;
    const note = message.state === 'not-delivered' ? ' (not delivered)' : message.state === 'sending' ? ' (not sent yet)' : '';
    const [first = '', ...rest] = message.text.split('\n');
    lines.push(`[${time(message.at)}] ${who}${note}: ${first}`, ...rest.map((line) => `    ${line}`));
  }
  return `${lines.join('\n')}\n`;
}

function localDateTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  const date = `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  return `${date} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

// ---- the engine's side ------------------------------------------------------------------------------------------

export type ChatSendOutcome = { ok: true; id: string } | ({ ok: false } & ChatRefusal);

export interface ChatRoomDeps {
  /** Sends text on the live call's data channel; false when there is none open (nothing sent). */
  send(text: string): boolean;
  changed(chat: ChatState): void;
  log(event: string, detail?: string): void;
  newId?: () => string;
  now?: () => number;
}

/** The chat of the consultation, as the engine drives it: the model plus the channel. */
export class ChatRoom {
  private chat: ChatState = EMPTY_CHAT;
  private readonly newId: () => string;
  private readonly now: () => number;

  constructor(private readonly deps: ChatRoomDeps) {
    this.newId = deps.newId ?? (() => crypto.randomUUID());
    this.now = deps.now ?? Date.now;
  }

  get state(): ChatState {
    return this.chat;
  }

  /** Checks and sends one message; with no channel open it waits for the next one of this call. */
  send(raw: string): ChatSendOutcome {
    const checked = checkChatText(raw);
    if (!checked.ok) return { ok: false, code: checked.code, message: checked.message };
    const id = this.newId();
    const at = this.now();
    const sent = this.deps.send(encodeRoomMessage({ type: 'chat', id, text: checked.text, sentAt: at }));
    this.set(addOutgoing(this.chat, { id, text: checked.text, at }, sent));
    return { ok: true, id };
  }

  /** A channel of the call opened (the first, or a restarted call's): what has no tick yet goes now. */
  channelOpened(): void {
    const pending = pendingOutgoing(this.chat);
    if (pending.length === 0) return;
    const sent = new Set<string>();
    for (const message of pending) {
      const text = encodeRoomMessage({ type: 'chat', id: message.id, text: message.text, sentAt: message.sentAt });
      if (!this.deps.send(text)) break; // closed again under us: the next open tries again
      sent.add(message.id);
    }
    this.deps.log('chat-resent', `${sent.size} of ${pending.length}`); // counts only: the timeline is exported
    this.set(markSent(this.chat, sent));
  }

  /** A message from the other side: kept once, acknowledged every time (the first ack may have been lost). */
  received(message: { id: string; text: string; sentAt: number }): void {
    // What the other app sends is shown as text, never with direction controls (see withoutDirectionControls).
    const { chat, isNew } = receiveChat(this.chat, { ...message, text: withoutDirectionControls(message.text) }, this.now());
    this.deps.send(encodeRoomMessage({ type: 'chat-ack', id: message.id }));
    if (isNew) this.set(chat);
  }

  acknowledged(id: string): void {
    this.set(acknowledge(this.chat, id));
  }

  read(): void {
    this.set(markRead(this.chat));
  }

  /** The call is over for good: nothing more goes out. */
  callFinished(): void {
    const pending = pendingOutgoing(this.chat).length;
    if (pending > 0) this.deps.log('chat-not-delivered', String(pending));
    this.set(giveUpPending(this.chat));
  }

  /** Forgets everything: a call with someone else, or the consultation is over. */
  clear(): void {
    this.set(EMPTY_CHAT);
  }

  private set(chat: ChatState): void {
    if (chat === this.chat) return;
    this.chat = chat;
    this.deps.changed(chat);
  }
}
