/**
 * Links in chat messages. A message is shown as text, never as HTML; only `https:` addresses become links, and
 * they open through the host's vetted path (the bridge's openExternal: main's isSafeExternalUrl in the desktop
 * app, a noopener window in a browser). Every other scheme (javascript:, data:, file:, http:) stays plain text.
 * Pure.
 */

export type ChatPart = { kind: 'text'; text: string } | { kind: 'link'; text: string; url: string };

/** The desktop app's own bound on links it hands to the OS (main/navigation.ts). */
export const MAX_LINK_LENGTH = 2048;

/**
 * A candidate starts a word (after a space, an opening bracket or a quote, or at the start): the `https://` inside
 * `javascript:https://…` is not one. It runs to the next space or character that cannot be in a typed address.
 */
const CANDIDATE = /(?<=^|[\s([{<"'«“‘])https:\/\/[^\s<>"«»“”‘’]+/giu;
const TRAILING = /[.,;:!?'…]$/u;
const PAIRS: Record<string, string> = { ')': '(', ']': '[', '}': '{' };

/** Splits a message into text and https links, in order; adjacent text is joined. */
export function splitLinks(text: string): ChatPart[] {
  const parts: ChatPart[] = [];
  const pushText = (value: string): void => {
    if (value === '') return;
    const last = parts.at(-1);
    if (last?.kind === 'text') last.text += value;
    else parts.push({ kind: 'text', text: value });
  };
  let from = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index ?? 0;
    const candidate = trimEnd(match[0]);
    const url = safeHttpsUrl(candidate);
    pushText(text.slice(from, start));
    if (url) parts.push({ kind: 'link', text: candidate, url });
    else pushText(candidate);
    from = start + candidate.length;
  }
  pushText(text.slice(from));
  return parts;
}

/** Drops what ends a sentence after a link ("see https://x.org/a." → ".") and a bracket the link did not open. */
function trimEnd(candidate: string): string {
  let end = candidate;
  for (;;) {
    const last = end.at(-1) ?? '';
    const opener = PAIRS[last];
    if (TRAILING.test(end)) end = end.slice(0, -1);
    else if (opener && count(end, opener) < count(end, last)) end = end.slice(0, -1);
    else return end;
  }
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/**
 * The address to open, or null: https with a host, no credentials in it (`https://clinic.example@evil.example/`
 * disguises its host), of a sane length. The same rules main applies before it opens anything.
 */
export function safeHttpsUrl(candidate: string): string | null {
  if (candidate.length > MAX_LINK_LENGTH) return null;
  let parsed: URL;
  try {
    parsed = new URL(candidate);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'https:' || parsed.hostname === '' || parsed.username !== '' || parsed.password !== '') return null;
  return parsed.href;
}
