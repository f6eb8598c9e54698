/**
 * Screen share in the desktop app (main/display-media.ts): which getDisplayMedia requests main answers, what the
 * OS's screen-recording state means, how sources become the picker's list, what the page may answer, and the
 * handler that ties them together, with Electron's request, frame and callback stood in.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ScreenSource } from '../../contract/bridge';
import { isScreenPickRequest, MAX_SCREEN_SOURCES } from '../../contract/ipc';
import {
  createDisplayMediaHandler,
  type DesktopSourceLike,
  type DisplayMediaOptions,
  ScreenPicks,
  screenRecordingBlock,
  shouldOfferPicker,
  toScreenSources,
} from '../../main/display-media';

const APP = 'app://clinic';
const request = { securityOrigin: APP, frameUrl: `${APP}/index.html`, isMainFrame: true, videoRequested: true };

function source(id: string, name: string, jpeg: number[] | null = [1, 2, 3]): DesktopSourceLike {
  return {
    id,
    name,
    thumbnail: { isEmpty: () => jpeg === null, toJPEG: () => Buffer.from(jpeg ?? []) },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('which requests main answers', () => {
  it('the app’s own page, in its top frame, asking for a screen', () => {
    expect(shouldOfferPicker(request)).toBe(true);
  });

  it('nothing else: another origin, a look-alike, a subframe, a frame gone, no video', () => {
    expect(shouldOfferPicker({ ...request, securityOrigin: 'https://evil.example' })).toBe(false);
    expect(shouldOfferPicker({ ...request, securityOrigin: 'app://clinic.evil' })).toBe(false);
    expect(shouldOfferPicker({ ...request, frameUrl: 'https://evil.example/frame.html' })).toBe(false);
    expect(shouldOfferPicker({ ...request, isMainFrame: false })).toBe(false);
    expect(shouldOfferPicker({ ...request, frameUrl: null })).toBe(false);
    expect(shouldOfferPicker({ ...request, videoRequested: false })).toBe(false);
  });
});

describe('the OS’s screen-recording gate (macOS), like the camera’s', () => {
  it('a refusal or a managed Mac’s restriction: what to do, in words; anything else goes on', () => {
    expect(screenRecordingBlock('darwin', 'denied')).toContain('Screen & System Audio Recording');
    expect(screenRecordingBlock('darwin', 'restricted')).toContain('IT team');
    expect(screenRecordingBlock('darwin', 'granted')).toBeNull();
    // Not asked yet: listing the sources is what makes macOS ask.
    expect(screenRecordingBlock('darwin', 'not-determined')).toBeNull();
    expect(screenRecordingBlock('win32', 'denied')).toBeNull();
    expect(screenRecordingBlock('linux', null)).toBeNull();
  });
});

describe('the picker’s list', () => {
  it('screens first, windows after, thumbnails as JPEG data URLs, names bounded, nothing else listed', () => {
    const listed = toScreenSources([
      source('window:42:0', 'Lab results — Viewer'),
      source('screen:0:0', 'Entire screen'),
      source('window:43:0', '   ', null),
      source('tab:1', 'a tab'),
      source('screen:<x>', 'bad id'),
      source('window:44:0', 'x'.repeat(1000)),
    ]);
    expect(listed.map((s) => [s.id, s.kind])).toEqual([
      ['screen:0:0', 'screen'],
      ['window:42:0', 'window'],
      ['window:43:0', 'window'],
      ['window:44:0', 'window'],
    ]);
    expect(listed[0]?.thumbnail).toBe(`data:image/jpeg;base64,${Buffer.from([1, 2, 3]).toString('base64')}`);
    expect(listed[2]).toMatchObject({ name: 'Window', thumbnail: '' });
    expect(listed[3]?.name).toHaveLength(256);
    expect(isScreenPickRequest({ id: 'x', sources: listed, blocked: null })).toBe(true);
  });

  it('keeps to the contract’s bounds', () => {
    const many = Array.from({ length: 100 }, (_, i) => source(`window:${i}:0`, `w${i}`));
    expect(toScreenSources(many)).toHaveLength(MAX_SCREEN_SOURCES);
    const huge = toScreenSources([
      source(
        'screen:0:0',
        'big',
        Array.from({ length: 400_000 }, () => 7),
      ),
    ]);
    expect(huge[0]?.thumbnail).toBe(''); // too big for a thumbnail: listed without one
  });
});

describe('ScreenPicks: the page answers main’s own requests only', () => {
  const sources: ScreenSource[] = [
    { id: 'screen:0:0', name: 'Entire screen', kind: 'screen', thumbnail: '' },
    { id: 'window:42:0', name: 'Viewer', kind: 'window', thumbnail: '' },
  ];

  it('resolves with the chosen source; a second answer, an unknown id or a source not offered changes nothing', async () => {
    const pushed: unknown[] = [];
    const picks = new ScreenPicks((r) => pushed.push(r), { newId: () => 'pick-1' });
    const chosen = picks.ask(sources, null);
    expect(pushed).toEqual([{ id: 'pick-1', sources, blocked: null }]);
    expect(picks.pending()).toEqual([{ id: 'pick-1', sources, blocked: null }]);
    expect(picks.answer('pick-1', 'window:99:0')).toBe(false); // not offered
    expect(picks.answer('other', 'window:42:0')).toBe(false);
    expect(picks.answer('pick-1', 'window:42:0')).toBe(true);
    expect(await chosen).toEqual(sources[1]);
    expect(picks.answer('pick-1', 'screen:0:0')).toBe(false);
    expect(picks.pending()).toEqual([]);
  });

  it('null is Cancel; a newer request cancels an older one; an unanswered one times out', async () => {
    vi.useFakeTimers();
    let n = 0;
    const picks = new ScreenPicks(() => {}, { newId: () => `pick-${++n}`, timeoutMs: 1000 });
    const first = picks.ask(sources, null);
    const second = picks.ask(sources, null);
    expect(await first).toBeNull();
    expect(picks.answer('pick-2', null)).toBe(true);
    expect(await second).toBeNull();
    const third = picks.ask(sources, null);
    vi.advanceTimersByTime(1000);
    expect(await third).toBeNull();
    expect(picks.answer('pick-3', 'screen:0:0')).toBe(false);
  });

  it('a blocked request offers no sources, only the words', () => {
    const picks = new ScreenPicks(() => {}, { newId: () => 'pick-1' });
    void picks.ask(sources, 'Turn it on in System Settings');
    expect(picks.pending()).toEqual([{ id: 'pick-1', sources: [], blocked: 'Turn it on in System Settings' }]);
  });
});

describe('the handler', () => {
  type Handler = ReturnType<typeof createDisplayMediaHandler>;
  type Request = Parameters<Handler>[0];
  type Callback = Parameters<Handler>[1];

  function electronRequest(overrides: Partial<{ origin: string; url: string; parent: unknown; video: boolean }> = {}): Request {
    const frame = { url: overrides.url ?? `${APP}/index.html`, parent: overrides.parent ?? null };
    return {
      frame,
      securityOrigin: overrides.origin ?? APP,
      videoRequested: overrides.video ?? true,
      audioRequested: false,
      userGesture: true,
    } as unknown as Request;
  }

  function setup(overrides: Partial<DisplayMediaOptions> = {}) {
    const pushed: { id: string; sources: ScreenSource[]; blocked: string | null }[] = [];
    const picks = new ScreenPicks((r) => pushed.push(r), { newId: () => 'pick-1' });
    const getSources = vi.fn(async () => [source('screen:0:0', 'Entire screen'), source('window:42:0', 'Viewer')]);
    const handler = createDisplayMediaHandler({ platform: 'linux', screenAccess: () => 'granted', getSources, picks, ...overrides });
    let run: (req: Request) => void = () => {};
    const answered = new Promise<Parameters<Callback>[0]>((resolve) => {
      run = (req) => handler(req, resolve as Callback);
    });
    return { pushed, picks, getSources, answered, run: (req: Request) => run(req) };
  }

  it('lists screens and windows, asks the page, and grants the chosen one as video only', async () => {
    const t = setup();
    t.run(electronRequest());
    await vi.waitFor(() => expect(t.pushed).toHaveLength(1));
    expect(t.pushed[0]?.sources.map((s) => s.id)).toEqual(['screen:0:0', 'window:42:0']);
    t.picks.answer('pick-1', 'window:42:0');
    expect(await t.answered).toEqual({ video: { id: 'window:42:0', name: 'Viewer' } });
  });

  it('Cancel in the picker: nothing is granted', async () => {
    const t = setup();
    t.run(electronRequest());
    await vi.waitFor(() => expect(t.pushed).toHaveLength(1));
    t.picks.answer('pick-1', null);
    expect(await t.answered).toBeNull();
  });

  it('another origin or a subframe: refused at once, nothing listed, nothing shown', async () => {
    for (const req of [electronRequest({ origin: 'https://evil.example' }), electronRequest({ parent: {} })]) {
      const t = setup();
      t.run(req);
      expect(await t.answered).toBeNull();
      expect(t.getSources).not.toHaveBeenCalled();
      expect(t.pushed).toEqual([]);
    }
  });

  it('macOS with screen recording denied: the picker says what to do, no sources are listed', async () => {
    const t = setup({ platform: 'darwin', screenAccess: () => 'denied' });
    t.run(electronRequest());
    await vi.waitFor(() => expect(t.pushed).toHaveLength(1));
    expect(t.getSources).not.toHaveBeenCalled();
    expect(t.pushed[0]).toMatchObject({ sources: [], blocked: expect.stringContaining('System Settings') });
    t.picks.answer('pick-1', null);
    expect(await t.answered).toBeNull();
  });

  it('sources that cannot be listed: refused, not left hanging', async () => {
    const t = setup({ getSources: vi.fn(async () => Promise.reject(new Error('no display'))) });
    t.run(electronRequest());
    expect(await t.answered).toBeNull();
  });
});
