/**
 * When a clinician is told that patients arrived, and in what words. Pure: the hook in arrivals.tsx feeds it
 * each new waiting list and carries out what it decides (chime, OS notification, badge).
 *
 * - Only patients never seen before are announced, each once: not the ones already there when the page first
 *   sees the list (a reload, a window opened again), not one who drops off and comes back.
 * - Several arrivals in one list make one chime and one notification.
 * - The chime plays whenever someone arrives (if the clinician wants it); the OS notification only when the
 *   app is not in front and notifications are on.
 * - Notifications show on lock screens, so names go in only when the clinician allows it.
 */
import {
  type ArrivalNotice,
  type ArrivalSettings,
  MAX_BADGE_COUNT,
  MAX_NOTICE_BODY_LENGTH,
  MAX_NOTICE_TITLE_LENGTH,
} from '../../../contract/bridge';
import type { WaitingPatient } from '../../../signaling/protocol';

export interface ArrivalInput {
  /** Patients seen so far in this consultation; null before the first list, which is never announced. */
  seen: ReadonlySet<string> | null;
  patients: readonly WaitingPatient[];
  /** The app is in front and focused: the clinician sees the waiting list. */
  focused: boolean;
  settings: ArrivalSettings;
  /** The host may show OS notifications (permission granted). */
  canNotify: boolean;
}

export interface ArrivalDecision {
  seen: ReadonlySet<string>;
  /** The patients announced now, in arrival order. */
  arrived: WaitingPatient[];
  chime: boolean;
  notice: ArrivalNotice | null;
  /** How many wait to be admitted: the badge's number. */
  waiting: number;
}

/** Someone waiting to be admitted: connected, and not in the call. */
export function isWaiting(patient: WaitingPatient): boolean {
  return patient.present && !patient.inCall;
}

export function waitingCount(patients: readonly WaitingPatient[]): number {
  return patients.filter(isWaiting).length;
}

export function decideArrivals({ seen, patients, focused, settings, canNotify }: ArrivalInput): ArrivalDecision {
  const waiting = waitingCount(patients);
  if (seen === null) {
    // The first list is what was there already: remember everyone in it, announce nobody.
    return { seen: new Set(patients.map((patient) => patient.id)), arrived: [], chime: false, notice: null, waiting };
  }
  // Someone new but not connected (yet) is not waiting: announced when they are.
  const arrived = patients.filter((patient) => !seen.has(patient.id) && isWaiting(patient));
  if (arrived.length === 0) return { seen, arrived, chime: false, notice: null, waiting };
  const next = new Set(seen);
  for (const patient of arrived) next.add(patient.id);
  const notify = settings.notifications && canNotify && !focused;
  return {
    seen: next,
    arrived,
    chime: settings.sound,
    notice: notify ? arrivalNotice(waiting, settings.showNames ? arrived.map((patient) => patient.name) : null) : null,
    waiting,
  };
}

/** Names shown at most, then "and N more". */
const MAX_NAMES = 3;

/**
 * "A patient is waiting" / "3 patients are waiting"; the body names who arrived only when `names` is given (the
 * clinician allowed names), else it says nothing about anyone.
 */
export function arrivalNotice(waiting: number, names: readonly string[] | null): ArrivalNotice {
  const title = waiting <= 1 ? 'A patient is waiting' : `${waiting} patients are waiting`;
  if (names === null || names.length === 0) {
    return { title, body: 'Open Clinic Consult to see the waiting room.' };
  }
  const listed = names.slice(0, MAX_NAMES);
  const more = names.length - listed.length;
  const who = more > 0 ? `${listed.join(', ')} and ${more} more` : joinNames(listed);
  const body = `${who} ${names.length === 1 ? 'has' : 'have'} arrived.`;
  return { title: title.slice(0, MAX_NOTICE_TITLE_LENGTH), body: body.slice(0, MAX_NOTICE_BODY_LENGTH) };
}

function joinNames(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The page's title with the waiting count in front, "(2) Clinic Consult"; the plain title when nobody waits. */
export function badgeTitle(title: string, waiting: number): string {
  return waiting > 0 ? `(${Math.min(waiting, MAX_BADGE_COUNT)}) ${title}` : title;
}
