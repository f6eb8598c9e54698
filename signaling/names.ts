/**
 * People's names as the relay accepts them: what a patient types is shown to a clinician, so it must be text
 * a person can read as it is. Normalised (NFC, trimmed, one space between words); refused when it holds
 * control or formatting characters (a right-to-left override can make "Sam" read as anything) or nothing
 * visible; flagged when it mixes alphabets whose letters look alike (a Cyrillic "а" in a Latin name).
 */

/** NFC, trimmed, runs of white space made one space. */
export function normalizeName(raw: string): string {
  return raw.normalize('NFC').trim().replace(/\s+/gu, ' ');
}

// Control, format, private-use, unassigned and surrogate code points, and line/paragraph separators.
const UNREADABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\p{Cs}\p{Zl}\p{Zp}]/u;
// Zero-width (non-)joiners belong inside some scripts' words (Persian, Indic): allowed between letters only.
const JOINER_IN_WORD = /(?<=[\p{L}\p{M}])[\u200C\u200D](?=[\p{L}\p{M}])/gu;

/** Why a (normalised) name cannot be shown, in words for the person typing it; null when it is fine. */
export function nameProblem(name: string): string | null {
  if (UNREADABLE.test(name.replace(JOINER_IN_WORD, ''))) {
    return 'name contains invisible or control characters; type it with letters, digits and spaces';
  }
  if (!/[\p{L}\p{N}]/u.test(name)) return 'name needs at least one letter or digit';
  return null;
}

/** Alphabets whose letters are easily mistaken for one another's. */
const LOOK_ALIKE_SCRIPTS = ['Latin', 'Cyrillic', 'Greek', 'Armenian', 'Cherokee'] as const;
const SCRIPT_PATTERNS = LOOK_ALIKE_SCRIPTS.map((script) => ({ script, pattern: new RegExp(`\\p{Script=${script}}`, 'u') }));

/** A warning for the clinician when a name mixes look-alike alphabets; null otherwise. */
export function nameWarning(name: string): string | null {
  const scripts = SCRIPT_PATTERNS.filter(({ pattern }) => pattern.test(name)).map(({ script }) => script);
  if (scripts.length < 2) return null;
  return `mixes ${scripts.join(' and ')} letters, which look alike: check who this is`;
}

/** The longest name anyone is shown under (protocol.ts LIMITS.maxDisplayNameLength is this). */
export const MAX_NAME_LENGTH = 60;

/** A name as the relay keeps it (normalised), or why it cannot be one: the one rule, for the protocol and IT's commands. */
export function checkedName(raw: string): { ok: true; name: string } | { ok: false; problem: string } {
  const name = normalizeName(raw);
  if (name.length === 0) return { ok: false, problem: 'name is empty' };
  if (name.length > MAX_NAME_LENGTH) return { ok: false, problem: `name is longer than ${MAX_NAME_LENGTH} characters` };
  const problem = nameProblem(name);
  return problem ? { ok: false, problem } : { ok: true, name };
}

/** The longest note a clinician sends to the waiting room (protocol.ts LIMITS.maxNoteLength is this). */
export const MAX_NOTE_LENGTH = 280;

/** A clinician's note as the patient is shown it (one line, normalised), or why it cannot be sent. */
export function checkedNote(raw: string): { ok: true; text: string } | { ok: false; problem: string } {
  const text = normalizeName(raw);
  if (text.length === 0) return { ok: false, problem: 'the note is empty' };
  if (text.length > MAX_NOTE_LENGTH) return { ok: false, problem: `a note has at most ${MAX_NOTE_LENGTH} characters` };
  if (UNREADABLE.test(text.replace(JOINER_IN_WORD, ''))) {
    return { ok: false, problem: 'the note contains invisible or control characters' };
  }
  return { ok: true, text };
}
