/**
 * Chat in the call (engine/chat.ts holds it; this only renders it): the bar's toggle with the unread badge, a
 * live region that reads incoming messages out, and the panel, a sheet over the stage like the devices one.
 * Messages are text, never HTML; https links open through the host (chat-links.ts).
 */
import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { useHost } from '../../bridge/bridge-context';
import { formatTranscript, MAX_CHAT_CHARS } from '../../engine/chat';
import type { ChatDelivery, ChatMessage, ChatState, ConsultEngine, EngineSnapshot } from '../../engine/engine';
import { clockTime } from '../clock-time';
import { ControlButton } from './ControlBar';
import { downloadTranscript } from './chat-export';
import { splitLinks } from './chat-links';

/** From this length on, the panel counts characters so the limit comes as no surprise. */
const COUNT_FROM = Math.floor(MAX_CHAT_CHARS * 0.9);

interface ToggleProps {
  open: boolean;
  unread: number;
  panelId: string;
  peerName: string;
  onToggle(): void;
}

/** The bar's Chat button; a badge counts unread messages while the panel is closed. */
export function ChatToggle({ open, unread, panelId, peerName, onToggle }: ToggleProps) {
  const count = open ? 0 : unread;
  return (
    <ControlButton
      testId="toggle-chat"
      label="Chat"
      name={count > 0 ? `Chat, ${count} unread` : undefined}
      expanded={open}
      controls={open ? panelId : undefined}
      hint={`Chat with ${peerName}`}
      icon={<ChatIcon />}
      onClick={onToggle}
      badge={
        count > 0 ? (
          <span className="control__badge" data-testid="chat-unread" data-count={count} aria-hidden="true">
            {count > 99 ? '99+' : count}
          </span>
        ) : null
      }
    />
  );
}

/** Reads each new incoming message out (the panel open or not); always on the page, as live regions must be. */
export function ChatAnnouncer({ chat, peerName }: { chat: ChatState; peerName: string }) {
  const latest = latestIncoming(chat);
  const [said, setSaid] = useState('');
  const seen = useRef<string | null>(latest?.id ?? null);
  useEffect(() => {
    if (!latest || latest.id === seen.current) return;
    seen.current = latest.id;
    setSaid(`${peerName} wrote: ${latest.text}`);
  }, [latest, peerName]);
  return (
    <p className="visually-hidden" aria-live="polite" data-testid="chat-announcer">
      {said}
    </p>
  );
}

function latestIncoming(chat: ChatState): ChatMessage | null {
  for (let i = chat.messages.length - 1; i >= 0; i -= 1) {
    const message = chat.messages[i];
    if (message?.direction === 'in') return message;
  }
  return null;
}

interface PanelProps {
  engine: ConsultEngine;
  snapshot: EngineSnapshot;
  id: string;
  onClose(): void;
}

export function ChatPanel({ engine, snapshot, id, onClose }: PanelProps) {
  const { bridge } = useHost();
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [exported, setExported] = useState<string | null>(null);
  const list = useRef<HTMLOListElement>(null);
  const inputId = useId();
  const input = useRef<HTMLTextAreaElement>(null);
  const { chat } = snapshot;
  const peerName = snapshot.peer?.name ?? 'the other person';
  const clinician = snapshot.role === 'clinician';

  // Open = seen: the badge goes, and messages arriving while it is open never count.
  useEffect(() => {
    if (chat.unread > 0) engine.markChatRead();
  }, [engine, chat.unread]);
  // The newest message in view.
  const count = chat.messages.length;
  useEffect(() => {
    if (count > 0 && list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [count]);
  useEffect(() => input.current?.focus(), []);

  const send = (event?: FormEvent): void => {
    event?.preventDefault();
    const outcome = engine.sendChat(draft);
    if (!outcome.ok) {
      setError(outcome.message);
      return;
    }
    setDraft('');
    setError(null);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>): void => {
    // Enter sends, Shift+Enter is a new line; not while an input method is composing a character.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) send(event);
    if (event.key === 'Escape') onClose();
  };
  const openLink = (url: string): void => {
    // Allowed (eng-disable below): `url` passed safeHttpsUrl (https, a host, no credentials), and the host checks it again.
    bridge.openExternal(url).catch(() => setError('This link could not be opened.')); // eng-disable OPEN_EXTERNAL_JS_CHECK
  };
  const exportTranscript = (): void => {
    const now = new Date();
    downloadTranscript(formatTranscript(chat, { selfName: snapshot.selfName ?? 'You', peerName, exportedAt: now.getTime() }), now);
    setExported(`Transcript exported at ${clockTime(now.getTime())}.`);
  };
  const length = [...draft].length;

  return (
    <section className="chat" id={id} data-testid="chat-panel" aria-label={`Chat with ${peerName}`}>
      <header className="chat__head">
        <h2 className="chat__title">Chat</h2>
        {clinician && (
          <button type="button" className="button chat__action" data-testid="chat-export" onClick={exportTranscript}>
            Export
          </button>
        )}
        <button type="button" className="button button--quiet chat__action" aria-label="Close chat" onClick={onClose}>
          ✕
        </button>
      </header>
      <p className="chat__note">
        {clinician
          ? 'Not saved anywhere: export the chat to keep it. It is gone when the consultation ends.'
          : 'Not saved anywhere: it is gone when the consultation ends.'}
        {exported && (
          <span role="status" data-testid="chat-exported">
            {' '}
            {exported}
          </span>
        )}
      </p>
      <ol className="chat__messages" ref={list} data-testid="chat-messages">
        {chat.messages.length === 0 && <li className="chat__empty">No messages yet.</li>}
        {chat.messages.map((message) => (
          <li
            key={`${message.direction}-${message.id}`}
            className={`chat__message chat__message--${message.direction}`}
            data-testid="chat-message"
            data-direction={message.direction}
            data-state={message.state}
          >
            <span className="visually-hidden">{message.direction === 'out' ? 'You' : peerName}: </span>
            <p className="chat__text">
              {splitLinks(message.text).map((part, index) =>
                part.kind === 'link' ? (
                  <a
                    // biome-ignore lint/suspicious/noArrayIndexKey: parts of one immutable text, in order
                    key={index}
                    href={part.url}
                    target="_blank"
                    rel="noopener noreferrer"
                    data-testid="chat-link"
                    onClick={(event) => {
                      event.preventDefault(); // the host opens it, through its checks
                      openLink(part.url);
                    }}
                  >
                    {part.text}
                  </a>
                ) : (
                  // biome-ignore lint/suspicious/noArrayIndexKey: parts of one immutable text, in order
                  <span key={index}>{part.text}</span>
                ),
              )}
            </p>
            <p className="chat__meta">
              <time dateTime={new Date(message.at).toISOString()}>{clockTime(message.at)}</time>
              {message.direction === 'out' && <Delivery state={message.state} />}
            </p>
          </li>
        ))}
      </ol>
      <form className="chat__form" onSubmit={send}>
        <label className="visually-hidden" htmlFor={inputId}>
          Message to {peerName}
        </label>
        <textarea
          id={inputId}
          ref={input}
          className="chat__input"
          data-testid="chat-input"
          rows={2}
          value={draft}
          placeholder={`Message ${peerName}`}
          aria-invalid={error !== null && length > MAX_CHAT_CHARS}
          aria-describedby={error ? `${inputId}-error` : undefined}
          onChange={(event) => {
            setDraft(event.target.value);
            if (error && [...event.target.value].length <= MAX_CHAT_CHARS) setError(null);
          }}
          onKeyDown={onKeyDown}
        />
        <button type="submit" className="button button--primary chat__send" data-testid="chat-send">
          Send
        </button>
      </form>
      {length >= COUNT_FROM && (
        <p className={`chat__count${length > MAX_CHAT_CHARS ? ' chat__count--over' : ''}`} data-testid="chat-count">
          {length.toLocaleString('en')} / {MAX_CHAT_CHARS.toLocaleString('en')} characters
        </p>
      )}
      {error && (
        <p className="chat__error" id={`${inputId}-error`} role="alert" data-testid="chat-error">
          {error}
        </p>
      )}
    </section>
  );
}

const DELIVERY_TEXT: Record<ChatDelivery, string> = {
  sending: 'Sending…',
  sent: 'Sent',
  delivered: 'Delivered',
  'not-delivered': 'Not delivered',
  received: '',
};

/** Ticks as messaging apps have them: one = sent, two = delivered to the other app. */
function Delivery({ state }: { state: ChatDelivery }) {
  const glyph = state === 'sent' ? '✓' : state === 'delivered' ? '✓✓' : null;
  return (
    <span className={`chat__delivery chat__delivery--${state}`} data-testid="chat-delivery" title={DELIVERY_TEXT[state]}>
      {glyph ? (
        <>
          <span aria-hidden="true">{glyph}</span>
          <span className="visually-hidden">{DELIVERY_TEXT[state]}</span>
        </>
      ) : (
        DELIVERY_TEXT[state]
      )}
    </span>
  );
}

const ChatIcon = () => (
  <svg className="control__icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
    <path d="M4 5h16v11H9l-5 4z" />
  </svg>
);
