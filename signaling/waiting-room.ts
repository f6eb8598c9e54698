/**
 * A clinician's waiting list travels as changes: the whole list once (when the clinician takes its seat),
 * then only the patients that changed and the ids that left. The relay computes the changes against what it
 * last sent (`waitingRoomChanges`); the app applies them (`applyWaitingRoom`). Shared by both, so the two
 * never disagree on what a change means.
 */
import type { ServerMessageOf, WaitingPatient } from './protocol';

/** A whole list or a set of changes, with or without the protocol's version field. */
export type WaitingRoomMessage = Omit<ServerMessageOf<'waiting-room'>, 'v'> | Omit<ServerMessageOf<'waiting-room-changes'>, 'v'>;

export interface WaitingRoomChanges {
  patients: WaitingPatient[];
  removed: string[];
}

/** What turns `sent` into `current`: new or changed patients, and the ids no longer there. */
export function waitingRoomChanges(sent: ReadonlyMap<string, WaitingPatient>, current: readonly WaitingPatient[]): WaitingRoomChanges {
  const patients = current.filter((patient) => {
    const before = sent.get(patient.id);
    return !before || !samePatient(before, patient);
  });
  const present = new Set(current.map((patient) => patient.id));
  const removed = [...sent.keys()].filter((id) => !present.has(id));
  return { patients, removed };
}

/** The list after a full list or a set of changes, in arrival order. */
export function applyWaitingRoom(list: readonly WaitingPatient[], message: WaitingRoomMessage): WaitingPatient[] {
  if (message.type === 'waiting-room') return [...message.patients];
  const byId = new Map(list.map((patient) => [patient.id, patient]));
  for (const id of message.removed) byId.delete(id);
  for (const patient of message.patients) byId.set(patient.id, patient);
  return [...byId.values()].sort((a, b) => a.joinedAt - b.joinedAt);
}

function samePatient(a: WaitingPatient, b: WaitingPatient): boolean {
  return (
    a.name === b.name &&
    a.invitedAs === b.invitedAs &&
    a.nameWarning === b.nameWarning &&
    a.joinedAt === b.joinedAt &&
    a.present === b.present &&
    a.inCall === b.inCall
  );
}
