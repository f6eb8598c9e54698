/** What the page says about the desktop app's own update (renderer/features/updates/update-notice.ts). */
import { describe, expect, it } from 'vitest';
import type { UpdateStatus } from '../../../../contract/bridge';
import { PHASES, type Phase } from '../../../../renderer/engine/phase';
import { inCall, inConsultation, updateNotice } from '../../../../renderer/features/updates/update-notice';

const status = (state: UpdateStatus['state'], version: string | null = '1.2.3', percent: number | null = null): UpdateStatus => ({
  state,
  version,
  percent,
  waitingForCall: false,
});

describe('a consultation under way, for updates', () => {
  const busy: Phase[] = ['previewing', 'waiting', 'connecting', 'connected', 'reconnecting'];
  it.each(PHASES.map((phase) => [phase, busy.includes(phase)] as const))('%s: %s', (phase, consulting) => {
    expect(inConsultation(phase)).toBe(consulting);
  });
});

describe('a call under way, when nothing is checked or downloaded', () => {
  const calling: Phase[] = ['connecting', 'connected', 'reconnecting'];
  it.each(PHASES.map((phase) => [phase, calling.includes(phase)] as const))('%s: %s', (phase, expected) => {
    expect(inCall(phase)).toBe(expected);
  });
});

describe('the update notice', () => {
  it.each<[string, UpdateStatus | null, boolean, ReturnType<typeof updateNotice>]>([
    ['nothing before main answered', null, false, null],
    ['nothing when the app does not update itself', status('off', null), false, null],
    ['nothing while idle or checking', status('checking', null), false, null],
    [
      'the download with its progress',
      status('downloading', '1.2.3', 40),
      false,
      { text: 'Update 1.2.3 downloading 40 %', canRestart: false },
    ],
    [
      'the download during a consultation too',
      status('downloading', '1.2.3', 0),
      true,
      { text: 'Update 1.2.3 downloading 0 %', canRestart: false },
    ],
    [
      'a downloaded update, with the restart button, between consultations',
      status('downloaded'),
      false,
      { text: 'Update 1.2.3 is ready: it installs when you quit.', canRestart: true },
    ],
    [
      'no restart button during a consultation',
      status('downloaded'),
      true,
      { text: 'Update 1.2.3 is ready: it installs when you quit, or restart after this consultation.', canRestart: false },
    ],
  ])('%s', (_name, given, consulting, notice) => {
    expect(updateNotice(given, consulting)).toEqual(notice);
  });
});
