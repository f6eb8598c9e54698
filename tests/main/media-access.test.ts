import { describe, expect, it, vi } from 'vitest';
import { type MediaKind, mediaAccessFixHint, readMediaAccess, requestMediaAccess, type SystemMediaAccess } from '../../main/media-access';

function fakeSystem(initial: Record<MediaKind, string>, answer: 'granted' | 'denied' = 'granted') {
  const state = { ...initial };
  const system: SystemMediaAccess = {
    getMediaAccessStatus: (kind) => state[kind],
    askForMediaAccess: vi.fn(async (kind: MediaKind) => {
      state[kind] = answer;
      return answer === 'granted';
    }),
  };
  return system;
}

describe('readMediaAccess', () => {
  it('reports unknown with no hint on Linux, without asking the OS', () => {
    const system = fakeSystem({ camera: 'denied', microphone: 'denied' });
    expect(readMediaAccess('linux', system)).toEqual({ camera: 'unknown', microphone: 'unknown', fixHint: null });
  });
  it('reports the macOS state and where to fix a denial', () => {
    const status = readMediaAccess('darwin', fakeSystem({ camera: 'denied', microphone: 'granted' }));
    expect(status).toEqual({
      camera: 'denied',
      microphone: 'granted',
      fixHint: 'Turn on Clinic Consult in System Settings > Privacy & Security > Camera, then quit and reopen Clinic Consult.',
    });
  });
  it('names both Windows switches for a blocked microphone', () => {
    const status = readMediaAccess('win32', fakeSystem({ camera: 'granted', microphone: 'denied' }));
    expect(status.fixHint).toBe(
      'Settings > Privacy & security > Microphone: turn on "Microphone access" and "Let desktop apps access your microphone".',
    );
  });
  it('maps values Electron might add later to unknown', () => {
    expect(readMediaAccess('win32', fakeSystem({ camera: 'something-new', microphone: 'granted' })).camera).toBe('unknown');
  });
});

describe('requestMediaAccess', () => {
  it('asks macOS for each undecided kind before reporting', async () => {
    const system = fakeSystem({ camera: 'not-determined', microphone: 'not-determined' });
    const status = await requestMediaAccess('darwin', system);
    expect(system.askForMediaAccess).toHaveBeenCalledTimes(2);
    expect(status).toEqual({ camera: 'granted', microphone: 'granted', fixHint: null });
  });
  it('asks only for the kinds requested', async () => {
    const system = fakeSystem({ camera: 'not-determined', microphone: 'not-determined' });
    await requestMediaAccess('darwin', system, ['microphone']);
    expect(system.askForMediaAccess).toHaveBeenCalledWith('microphone');
    expect(system.askForMediaAccess).toHaveBeenCalledTimes(1);
  });
  it('does not ask again after a recorded denial (macOS shows no prompt) and returns the fix', async () => {
    const system = fakeSystem({ camera: 'denied', microphone: 'granted' });
    const status = await requestMediaAccess('darwin', system);
    expect(system.askForMediaAccess).not.toHaveBeenCalled();
    expect(status.fixHint).toMatch(/Privacy & Security > Camera/);
  });
  it('never calls the macOS-only prompt on Windows', async () => {
    const system = fakeSystem({ camera: 'not-determined', microphone: 'granted' });
    await requestMediaAccess('win32', system);
    expect(system.askForMediaAccess).not.toHaveBeenCalled();
  });
  it('reports a user who says no at the prompt with the fix', async () => {
    const status = await requestMediaAccess('darwin', fakeSystem({ camera: 'not-determined', microphone: 'not-determined' }, 'denied'));
    expect(status.camera).toBe('denied');
    expect(status.fixHint).toMatch(/Camera and in System Settings > Privacy & Security > Microphone/);
  });
});

describe('mediaAccessFixHint', () => {
  it('sends managed machines to IT', () => {
    expect(mediaAccessFixHint('darwin', 'restricted', 'granted')).toMatch(/organisation's device management/);
  });
  it('has nothing to say when nothing is blocked', () => {
    expect(mediaAccessFixHint('darwin', 'granted', 'not-determined')).toBeNull();
  });
});
