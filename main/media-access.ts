/**
 * Operating-system camera/microphone access (separate from Chromium's permission): macOS asks the user once
 * per app, Windows has global switches, Linux has no such gate. Pure apart from the injected
 * `systemPreferences` subset, so each platform's path is tested here without Electron.
 */
import type { MediaAccessState, MediaAccessStatus } from '../contract/bridge';

export type MediaKind = 'camera' | 'microphone';

/** The part of Electron's `systemPreferences` this module uses. */
export interface SystemMediaAccess {
  getMediaAccessStatus(kind: MediaKind): string;
  /** macOS only. */
  askForMediaAccess(kind: MediaKind): Promise<boolean>;
}

const KNOWN_STATES: readonly MediaAccessState[] = ['granted', 'denied', 'not-determined', 'restricted', 'unknown'];
const KINDS: readonly MediaKind[] = ['camera', 'microphone'];

/** Platforms where Electron can report the OS-level state. */
export function reportsMediaAccess(platform: string): boolean {
  return platform === 'darwin' || platform === 'win32';
}

export function readMediaAccess(platform: string, system: SystemMediaAccess): MediaAccessStatus {
  if (!reportsMediaAccess(platform)) return { camera: 'unknown', microphone: 'unknown', fixHint: null };
  const camera = toState(system.getMediaAccessStatus('camera'));
  const microphone = toState(system.getMediaAccessStatus('microphone'));
  return { camera, microphone, fixHint: mediaAccessFixHint(platform, camera, microphone) };
}

/**
 * On macOS, asks for whatever the user has not decided yet. The OS prompt must come before the first
 * getUserMedia, or the camera reads as "in use" until the app restarts. A recorded denial is not asked
 * again (macOS would not show a prompt); the status then carries the hint to fix it.
 */
export async function requestMediaAccess(
  platform: string,
  system: SystemMediaAccess,
  kinds: readonly MediaKind[] = KINDS,
): Promise<MediaAccessStatus> {
  if (platform === 'darwin') {
    for (const kind of kinds) {
      if (toState(system.getMediaAccessStatus(kind)) === 'not-determined') await system.askForMediaAccess(kind);
    }
  }
  return readMediaAccess(platform, system);
}

export function mediaAccessFixHint(platform: string, camera: MediaAccessState, microphone: MediaAccessState): string | null {
  const blocked = KINDS.filter((kind) => (kind === 'camera' ? camera : microphone) === 'denied');
  const managed = KINDS.filter((kind) => (kind === 'camera' ? camera : microphone) === 'restricted');
  if (managed.length > 0) {
    return (
      `Access to the ${joinKinds(managed)} is restricted by your organisation's device management.` +
      ' Ask your IT team to allow Clinic Consult.'
    );
  }
  if (blocked.length === 0) return null;
  if (platform === 'darwin') {
    const panes = blocked.map((kind) => `System Settings > Privacy & Security > ${kind === 'camera' ? 'Camera' : 'Microphone'}`);
    return `Turn on Clinic Consult in ${panes.join(' and in ')}, then quit and reopen Clinic Consult.`;
  }
  if (platform === 'win32') {
    const steps = blocked.map((kind) => {
      const page = kind === 'camera' ? 'Camera' : 'Microphone';
      return `Settings > Privacy & security > ${page}: turn on "${page} access" and "Let desktop apps access your ${kind}"`;
    });
    return `${steps.join('; ')}.`;
  }
  return null;
}

function toState(value: string): MediaAccessState {
  return (KNOWN_STATES as readonly string[]).includes(value) ? (value as MediaAccessState) : 'unknown';
}

function joinKinds(kinds: readonly MediaKind[]): string {
  return kinds.join(' and ');
}
