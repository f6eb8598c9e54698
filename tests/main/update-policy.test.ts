/** When and where the desktop app looks for updates (main/update-policy.ts): pure decisions, as tables. */
import { describe, expect, it } from 'vitest';
import {
  feedFromRelay,
  INITIAL_SCHEDULE,
  mayRestart,
  type ScheduleAction,
  type ScheduleEvent,
  type ScheduleState,
  type ScheduleTimes,
  schedule,
  updateFeed,
  updateStatus,
} from '../../main/update-policy';

describe('the update feed of a relay', () => {
  it.each([
    ['wss://relay.clinic.example:8787/ws', 'https://relay.clinic.example:8787/downloads/'],
    ['wss://relay.clinic.example/ws', 'https://relay.clinic.example/downloads/'],
    ['wss://RELAY.Clinic.example:443/ws', 'https://relay.clinic.example/downloads/'],
    ['wss://192.168.1.5:8787/ws', 'https://192.168.1.5:8787/downloads/'],
    ['wss://[fd00::5]:8787/ws', 'https://[fd00::5]:8787/downloads/'],
    ['wss://relay.clinic.example:8787/some/path?x=1#y', 'https://relay.clinic.example:8787/downloads/'],
  ])('%s -> %s', (relay, feed) => {
    expect(feedFromRelay(relay)).toEqual({ provider: 'generic', url: feed });
  });

  it.each([
    ['plain ws: an update never rides an unauthenticated connection', 'ws://relay.clinic.example:8787/ws'],
    ['https is not a relay address', 'https://relay.clinic.example/'],
    ['credentials in the address', 'wss://it:secret@relay.clinic.example/ws'],
    ['not a URL', 'relay.clinic.example:8787'],
    ['empty', ''],
  ])('none for %s', (_why, relay) => {
    expect(feedFromRelay(relay)).toBeNull();
  });

  it.each([
    ['settings first', 'wss://a.clinic.example/ws', 'wss://b.clinic.example/ws', 'https://a.clinic.example/downloads/'],
    ['then the machine-wide relay IT set', null, 'wss://b.clinic.example/ws', 'https://b.clinic.example/downloads/'],
    ["none: electron-updater keeps the build's own feed", null, undefined, null],
    ['a plain ws:// relay in settings: not a feed (and not replaced by another)', 'ws://a.clinic.example/ws', 'wss://b/ws', null],
  ])('%s', (_why, settings, machine, feed) => {
    expect(updateFeed(settings, machine)?.url ?? null).toBe(feed);
  });
});

const TIMES: ScheduleTimes = { intervalMs: 4 * 3600_000, afterCallMs: 10 * 60_000 };
const MIN = 60_000;

/** Runs events from a state; returns the final state and every action, in order. */
function run(events: ScheduleEvent[], from: ScheduleState = INITIAL_SCHEDULE): { state: ScheduleState; actions: ScheduleAction[] } {
  let state = from;
  const actions: ScheduleAction[] = [];
  for (const event of events) {
    const step = schedule(state, event, TIMES);
    state = step.state;
    actions.push(...step.actions);
  }
  return { state, actions };
}

const checking: ScheduleEvent[] = [{ type: 'started', at: 0 }];
const downloading: ScheduleEvent[] = [...checking, { type: 'checked', version: '1.2.3' }];
const downloaded: ScheduleEvent[] = [...downloading, { type: 'downloaded' }];
const idleAfterCheck: ScheduleEvent[] = [...checking, { type: 'checked', version: null }];

describe('when the app checks, downloads and restarts', () => {
  it.each<[string, ScheduleEvent[], ScheduleAction[], Partial<ScheduleState>]>([
    ['checks at start', checking, ['check'], { work: 'checking', lastCheckAt: 0 }],
    ['downloads what the check found', downloading, ['check', 'download'], { work: 'downloading', version: '1.2.3', percent: 0 }],
    ['nothing more when the feed has nothing newer', idleAfterCheck, ['check'], { work: 'idle' }],
    ['one check at a time', [...checking, { type: 'tick', at: 5 * 3600_000 }, { type: 'feed-changed', at: 1 }], ['check'], {}],
    [
      'a desk left open looks again after the interval, not before',
      [...idleAfterCheck, { type: 'tick', at: 3 * 3600_000 }, { type: 'tick', at: 4 * 3600_000 }],
      ['check', 'check'],
      { lastCheckAt: 4 * 3600_000 },
    ],
    ['a new feed (settings saved) is looked at at once', [...idleAfterCheck, { type: 'feed-changed', at: MIN }], ['check', 'check'], {}],
    [
      'never during a consultation: a start inside one waits for its end',
      [
        { type: 'call', inCall: true, at: 0 },
        { type: 'started', at: 0 },
        { type: 'tick', at: 5 * 3600_000 },
      ],
      [],
      { owed: true, work: 'idle' },
    ],
    [
      '... and happens when it ends',
      [
        { type: 'call', inCall: true, at: 0 },
        { type: 'started', at: 0 },
        { type: 'call', inCall: false, at: MIN },
      ],
      ['check'],
      { owed: false, work: 'checking', lastCheckAt: MIN },
    ],
    [
      'between consultations: a call ending looks again',
      [...idleAfterCheck, { type: 'call', inCall: true, at: MIN }, { type: 'call', inCall: false, at: 30 * MIN }],
      ['check', 'check'],
      { lastCheckAt: 30 * MIN },
    ],
    [
      '... but not right after the last look (calls back to back)',
      [...idleAfterCheck, { type: 'call', inCall: true, at: MIN }, { type: 'call', inCall: false, at: 5 * MIN }],
      ['check'],
      { lastCheckAt: 0 },
    ],
    [
      'a download running when a consultation begins is cancelled',
      [...downloading, { type: 'call', inCall: true, at: MIN }],
      ['check', 'download', 'cancel-download'],
      { work: 'downloading', inCall: true },
    ],
    [
      '... owed for the end of the call',
      [...downloading, { type: 'call', inCall: true, at: MIN }, { type: 'cancelled', at: 2 * MIN }],
      ['check', 'download', 'cancel-download'],
      { work: 'idle', owed: true, percent: null },
    ],
    [
      '... and looked for again when it ends, however soon',
      [
        ...downloading,
        { type: 'call', inCall: true, at: MIN },
        { type: 'cancelled', at: 2 * MIN },
        { type: 'call', inCall: false, at: 3 * MIN },
      ],
      ['check', 'download', 'cancel-download', 'check'],
      { work: 'checking', owed: false },
    ],
    [
      'a call over before its cancellation landed: looked for again at once',
      [
        ...downloading,
        { type: 'call', inCall: true, at: MIN },
        { type: 'call', inCall: false, at: 2 * MIN },
        { type: 'cancelled', at: 3 * MIN },
      ],
      ['check', 'download', 'cancel-download', 'check'],
      { work: 'checking' },
    ],
    [
      'an update found just as a call began is fetched after it',
      [...checking, { type: 'call', inCall: true, at: 1 }, { type: 'checked', version: '1.2.3' }, { type: 'call', inCall: false, at: 2 }],
      ['check', 'check'],
      { work: 'checking' },
    ],
    ['progress is kept between 0 and 100', [...downloading, { type: 'progress', percent: 140 }], ['check', 'download'], { percent: 100 }],
    [
      'once downloaded, nothing more is looked for: it installs on quit',
      [
        ...downloaded,
        { type: 'tick', at: 9 * 3600_000 },
        { type: 'feed-changed', at: 9 * 3600_000 },
        { type: 'call', inCall: true, at: 1 },
      ],
      ['check', 'download'],
      { work: 'downloaded', percent: 100, inCall: true },
    ],
    [
      'a failed check is tried again on the schedule',
      [...checking, { type: 'failed' }, { type: 'tick', at: 4 * 3600_000 }],
      ['check', 'check'],
      {},
    ],
    ['a failed download too', [...downloading, { type: 'failed' }, { type: 'feed-changed', at: MIN }], ['check', 'download', 'check'], {}],
    ['a late answer of no check changes nothing', [{ type: 'checked', version: '9.9.9' }, { type: 'downloaded' }], [], INITIAL_SCHEDULE],
    ['the same call state twice is one change', [{ type: 'call', inCall: false, at: 0 }], [], INITIAL_SCHEDULE],
  ])('%s', (_name, events, actions, state) => {
    const result = run(events);
    expect(result.actions).toEqual(actions);
    expect(result.state).toMatchObject(state);
  });

  it.each<[string, ScheduleEvent[], boolean]>([
    ['with an update downloaded, between consultations', downloaded, true],
    ['not during a consultation', [...downloaded, { type: 'call', inCall: true, at: 1 }], false],
    ['and again after it', [...downloaded, { type: 'call', inCall: true, at: 1 }, { type: 'call', inCall: false, at: 2 }], true],
    ['not while downloading', downloading, false],
    ['not without an update', idleAfterCheck, false],
  ])('restart may happen: %s', (_name, events, allowed) => {
    expect(mayRestart(run(events).state)).toBe(allowed);
  });
});

describe('what the page is told', () => {
  it.each<[string, ScheduleEvent[], boolean, ReturnType<typeof updateStatus>]>([
    ['off when the app does not update itself', downloading, false, { state: 'off', version: null, percent: null, waitingForCall: false }],
    ['checking, quietly', checking, true, { state: 'checking', version: null, percent: null, waitingForCall: false }],
    [
      'downloading with whole percents',
      [...downloading, { type: 'progress', percent: 40.7 }],
      true,
      { state: 'downloading', version: '1.2.3', percent: 40, waitingForCall: false },
    ],
    ['downloaded', downloaded, true, { state: 'downloaded', version: '1.2.3', percent: null, waitingForCall: false }],
    [
      'waiting for the consultation to end',
      [
        { type: 'call', inCall: true, at: 0 },
        { type: 'started', at: 0 },
      ],
      true,
      { state: 'idle', version: null, percent: null, waitingForCall: true },
    ],
  ])('%s', (_name, events, enabled, status) => {
    expect(updateStatus(run(events).state, enabled)).toEqual(status);
  });
});
