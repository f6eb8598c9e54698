/**
 * Screen share in the desktop app. Chromium's getDisplayMedia has no picker inside Electron: main answers it with
 * `session.setDisplayMediaRequestHandler`. The flow, for one request of the app's own page only:
 *   page: getDisplayMedia() → Electron asks the permission handler (`display-capture`, permissions.ts) → this
 *   handler: on macOS, the OS's screen-recording state (like the camera's, media-access.ts) → desktopCapturer's
 *   screens and windows with thumbnails → the page's in-app picker (ScreenPicker.tsx) over IPC → the person's
 *   choice back → `callback({ video: source })`, or `callback(null)` (the page's getDisplayMedia then fails as
 *   cancelled).
 * The decisions (which requests to answer, what the OS state means, what a choice may be) are pure functions and
 * the `ScreenPicks` class here; the Electron glue at the end is thin.
 */
import { randomUUID } from 'node:crypto';
import type { Session } from 'electron';
import type { ScreenPickRequest, ScreenSource } from '../contract/bridge';
import { MAX_SCREEN_SOURCE_NAME_LENGTH, MAX_SCREEN_SOURCES, MAX_SCREEN_THUMBNAIL_LENGTH } from '../contract/ipc';
import { isAppOrigin, originOf } from './app-origin';

/** What of Electron's request decides whether the app answers it. */
export interface DisplayMediaRequestInput {
  /** The origin of the page making the request (`request.securityOrigin`). */
  securityOrigin: string | null;
  /** The requesting frame's URL, and whether it is the top frame (null: the frame is gone). */
  frameUrl: string | null;
  isMainFrame: boolean;
  videoRequested: boolean;
}

/** Only the app's own page, in its top frame, asking for video (a screen): never anything else. Pure. */
export function shouldOfferPicker(input: DisplayMediaRequestInput): boolean {
  if (!input.videoRequested || !input.isMainFrame) return false;
  return isAppOrigin(originOf(input.securityOrigin)) && isAppOrigin(originOf(input.frameUrl));
}

/**
 * The OS's screen-recording gate, handled like the camera's (media-access.ts): macOS asks once per app and keeps the
 * answer; a refusal (or a managed Mac's restriction) can only be changed in System Settings. Null: go on (granted,
 * not asked yet — listing the sources is what makes macOS ask — or a platform without such a gate). Pure.
 */
export function screenRecordingBlock(platform: string, status: string | null): string | null {
  if (platform !== 'darwin') return null;
  if (status === 'restricted') {
    return 'Screen recording is restricted by your organisation’s device management. Ask your IT team to allow Clinic Consult.';
  }
  if (status === 'denied') {
    return (
      'Your Mac does not let Clinic Consult record the screen. Turn on Clinic Consult in System Settings > Privacy & Security > ' +
      'Screen & System Audio Recording, then quit and reopen Clinic Consult.'
    );
  }
  return null;
}

/** The part of a DesktopCapturerSource used here. */
export interface DesktopSourceLike {
  id: string;
  name: string;
  thumbnail: { isEmpty(): boolean; toJPEG(quality: number): Buffer | Uint8Array };
}

/** Thumbnail size asked of desktopCapturer: big enough to tell windows apart, small enough for the IPC. */
export const THUMBNAIL_SIZE = { width: 320, height: 180 };
const THUMBNAIL_QUALITY = 70;

/** desktopCapturer's sources as the picker shows them: screens first, bounded, thumbnails as JPEG data URLs. Pure. */
export function toScreenSources(sources: readonly DesktopSourceLike[]): ScreenSource[] {
  const listed: ScreenSource[] = [];
  for (const source of sources) {
    const kind = source.id.startsWith('screen:') ? 'screen' : source.id.startsWith('window:') ? 'window' : null;
    if (!kind || !/^(screen|window):[\w:-]{1,64}$/.test(source.id)) continue;
    let thumbnail = '';
    if (!source.thumbnail.isEmpty()) {
      const url = `data:image/jpeg;base64,${Buffer.from(source.thumbnail.toJPEG(THUMBNAIL_QUALITY)).toString('base64')}`;
      if (url.length <= MAX_SCREEN_THUMBNAIL_LENGTH) thumbnail = url;
    }
    const name = source.name.trim().slice(0, MAX_SCREEN_SOURCE_NAME_LENGTH) || (kind === 'screen' ? 'Screen' : 'Window');
    listed.push({ id: source.id, name, kind, thumbnail });
  }
  listed.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'screen' ? -1 : 1));
  return listed.slice(0, MAX_SCREEN_SOURCES);
}

/** How long a picker may stay unanswered before the request is cancelled (the page's getDisplayMedia fails). */
export const PICK_TIMEOUT_MS = 5 * 60_000;

interface PendingPick {
  request: ScreenPickRequest;
  resolve: (source: ScreenSource | null) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Main's pick requests, one at a time: a newer request cancels an older one (one picker on screen). The page can
 * only answer a pending request, once, with one of the sources main offered it, or null. Pure: `push` hands a
 * request to the page (the page also takes unanswered ones from `pending()` when it subscribes).
 */
export class ScreenPicks {
  private current: PendingPick | null = null;

  constructor(
    private readonly push: (request: ScreenPickRequest) => void,
    private readonly options: { newId?: () => string; timeoutMs?: number } = {},
  ) {}

  /** Asks the person to choose; resolves with the chosen source, or null (cancelled, timed out, replaced). */
  ask(sources: ScreenSource[], blocked: string | null): Promise<ScreenSource | null> {
    if (this.current) this.settle(this.current.request.id, null);
    const request: ScreenPickRequest = { id: (this.options.newId ?? randomUUID)(), sources: blocked ? [] : sources, blocked };
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(request.id, null), this.options.timeoutMs ?? PICK_TIMEOUT_MS);
      timer.unref?.();
      this.current = { request, resolve, timer };
      this.push(request);
    });
  }

  pending(): ScreenPickRequest[] {
    return this.current ? [structuredClone(this.current.request)] : [];
  }

  /** The page's answer. False (nothing happens) for an unknown or answered id, or a source main did not offer. */
  answer(id: string, sourceId: string | null): boolean {
    const pending = this.current;
    if (!pending || pending.request.id !== id) return false;
    if (sourceId === null) return this.settle(id, null);
    const source = pending.request.sources.find((candidate) => candidate.id === sourceId);
    if (!source) return false;
    return this.settle(id, source);
  }

  private settle(id: string, source: ScreenSource | null): boolean {
    const pending = this.current;
    if (!pending || pending.request.id !== id) return false;
    this.current = null;
    clearTimeout(pending.timer);
    pending.resolve(source);
    return true;
  }
}

type DisplayMediaHandler = NonNullable<Parameters<Session['setDisplayMediaRequestHandler']>[0]>;

export interface DisplayMediaOptions {
  platform: string;
  /** systemPreferences.getMediaAccessStatus('screen') (macOS and Windows only). */
  screenAccess: () => string;
  /** desktopCapturer.getSources for screens and windows. */
  getSources: () => Promise<DesktopSourceLike[]>;
  picks: Pick<ScreenPicks, 'ask'>;
  log?: (message: string, detail?: unknown) => void;
}

/** The handler for `session.setDisplayMediaRequestHandler`: the glue between Electron, the pure parts, and the page. */
export function createDisplayMediaHandler(options: DisplayMediaOptions): DisplayMediaHandler {
  return (request, callback) => {
    const frame = request.frame;
    const offer = shouldOfferPicker({
      securityOrigin: request.securityOrigin,
      frameUrl: frame?.url ?? null,
      isMainFrame: frame !== null && frame.parent === null,
      videoRequested: request.videoRequested,
    });
    if (!offer) {
      options.log?.('display media request refused', { origin: request.securityOrigin });
      callback(null);
      return;
    }
    const pick = async (): Promise<ScreenSource | null> => {
      const blocked = screenRecordingBlock(options.platform, options.platform === 'darwin' ? options.screenAccess() : null);
      const sources = blocked ? [] : toScreenSources(await options.getSources());
      return options.picks.ask(sources, blocked);
    };
    pick().then(
      // Video only: the app never asks for the computer's sound.
      (source) => callback(source ? { video: { id: source.id, name: source.name } } : null),
      (err: unknown) => {
        options.log?.('screen sources could not be listed', err);
        callback(null);
      },
    );
  };
}

/** Installs the handler on the app's session (index.ts), with Electron's own picker off everywhere. */
export function installDisplayMediaHandler(session: Session, options: DisplayMediaOptions): void {
  session.setDisplayMediaRequestHandler(createDisplayMediaHandler(options), { useSystemPicker: false });
}
