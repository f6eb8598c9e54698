/**
 * What the desktop app says about its own update, as plain data for UpdateBanner (pure, so it is tested
 * without a DOM). Quiet unless there is something to see: a download under way, or an update ready.
 */
import type { UpdateStatus } from '../../../contract/bridge';
import type { Phase } from '../../engine/phase';

/**
 * A consultation under way, for updates: from the camera preview to the end of the call (the waiting room
 * included, a call may start any second). Between consultations: before one, after it ended or failed.
 */
export function inConsultation(phase: Phase): boolean {
  return phase !== 'idle' && phase !== 'ended' && phase !== 'failed';
}

/**
 * A call under way: connecting, connected or being restarted. The app neither checks for nor downloads an
 * update then (the call needs the bandwidth); in a waiting room it may, since a clinician may keep a
 * consultation open all day. Restarting to install waits for the whole consultation (`inConsultation`).
 */
export function inCall(phase: Phase): boolean {
  return phase === 'connecting' || phase === 'connected' || phase === 'reconnecting';
}

export interface UpdateNotice {
  text: string;
  /** The "Restart to update" button: only with an update downloaded, and never during a consultation. */
  canRestart: boolean;
}

export function updateNotice(status: UpdateStatus | null, consulting: boolean): UpdateNotice | null {
  if (!status || status.version === null) return null;
  if (status.state === 'downloading') return { text: `Update ${status.version} downloading ${status.percent ?? 0} %`, canRestart: false };
  if (status.state !== 'downloaded') return null;
  return consulting
    ? { text: `Update ${status.version} is ready: it installs when you quit, or restart after this consultation.`, canRestart: false }
    : { text: `Update ${status.version} is ready: it installs when you quit.`, canRestart: true };
}
