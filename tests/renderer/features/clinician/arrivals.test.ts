/**
 * Arrival alerts: who is announced and how (the policy), what a reload remembers, and the chime's scheduling
 * (WebAudio replaced by a recorder at its boundary: no audio device here).
 */
import { describe, expect, it, vi } from 'vitest';
import { type ArrivalSettings, DEFAULT_ARRIVAL_SETTINGS, DEFAULT_SETTINGS, settingsSchema } from '../../../../contract/bridge';
import { browserArrivals } from '../../../../renderer/bridge/browser-arrivals';
import { ArrivalChime } from '../../../../renderer/features/clinician/arrivals-chime';
import { createSeenStore } from '../../../../renderer/features/clinician/arrivals-memory';
import {
  type ArrivalDecision,
  type ArrivalInput,
  arrivalNotice,
  badgeTitle,
  decideArrivals,
  waitingCount,
} from '../../../../renderer/features/clinician/arrivals-policy';
import type { WaitingPatient } from '../../../../signaling/protocol';

function patient(id: string, name: string, extra: Partial<WaitingPatient> = {}): WaitingPatient {
  return { id, name, invitedAs: null, nameWarning: null, joinedAt: Number(id.replace(/\D/g, '')), present: true, inCall: false, ...extra };
}
const ANNA = patient('p_1', 'Anna Berg');
const BEN = patient('p_2', 'Ben Okafor');
const CHEN = patient('p_3', 'Chen Li');
const ALL_ON: ArrivalSettings = { sound: true, notifications: true, showNames: false };

/** Feeds the policy a sequence of lists, as the hook does, and returns each decision. */
function run(lists: WaitingPatient[][], options: Partial<Omit<ArrivalInput, 'seen' | 'patients'>> = {}): ArrivalDecision[] {
  let seen: ReadonlySet<string> | null = null;
  return lists.map((patients) => {
    const decision = decideArrivals({ seen, patients, focused: false, settings: ALL_ON, canNotify: true, ...options });
    seen = decision.seen;
    return decision;
  });
}

describe('arrival policy', () => {
  it('announces nobody from the first list (a reload, a fresh window), then only the new ones', () => {
    const [first, second] = run([
      [ANNA, BEN],
      [ANNA, BEN, CHEN],
    ]);
    expect(first).toMatchObject({ arrived: [], chime: false, notice: null, waiting: 2 });
    expect(second?.arrived.map((p) => p.id)).toEqual(['p_3']);
    expect(second).toMatchObject({ chime: true, notice: { title: '3 patients are waiting' }, waiting: 3 });
  });

  it('never announces the same patient twice, even after they drop off and come back or leave and rejoin', () => {
    const decisions = run([[], [ANNA], [{ ...ANNA, present: false }], [ANNA], [], [ANNA]]);
    expect(decisions.map((d) => d.arrived.length)).toEqual([0, 1, 0, 0, 0, 0]);
    expect(decisions.map((d) => d.chime)).toEqual([false, true, false, false, false, false]);
  });

  it('coalesces several arrivals in one list into one chime and one notice with the count', () => {
    const [, both] = run([[], [ANNA, BEN]]);
    expect(both?.arrived).toHaveLength(2);
    expect(both?.chime).toBe(true);
    expect(both?.notice).toEqual({ title: '2 patients are waiting', body: 'Open Clinic Consult to see the waiting room.' });
  });

  it('waits for a new patient to be connected before announcing them', () => {
    const decisions = run([[], [{ ...ANNA, present: false }], [ANNA]]);
    expect(decisions.map((d) => d.arrived.map((p) => p.id))).toEqual([[], [], ['p_1']]);
    expect(decisions.map((d) => d.waiting)).toEqual([0, 0, 1]);
  });

  it('counts as waiting only the connected patients not in the call', () => {
    expect(waitingCount([ANNA, { ...BEN, inCall: true }, { ...CHEN, present: false }])).toBe(1);
  });

  it('notifies only when the app is not in front, notifications are on and allowed', () => {
    const lists = [[], [ANNA]];
    expect(run(lists, { focused: true })[1]).toMatchObject({ chime: true, notice: null });
    expect(run(lists, { settings: { ...ALL_ON, notifications: false } })[1]).toMatchObject({ chime: true, notice: null });
    expect(run(lists, { canNotify: false })[1]).toMatchObject({ chime: true, notice: null });
    expect(run(lists)[1]).toMatchObject({ notice: { title: 'A patient is waiting' } });
  });

  it('chimes only when the sound is on', () => {
    const [, decision] = run([[], [ANNA]], { settings: { ...ALL_ON, sound: false } });
    expect(decision).toMatchObject({ chime: false, notice: { title: 'A patient is waiting' } });
  });

  it('keeps names out of notifications unless the clinician allows them', () => {
    const [, anonymous] = run([[], [ANNA]]);
    expect(JSON.stringify(anonymous?.notice)).not.toContain('Anna');
    const [, named] = run([[BEN], [BEN, ANNA, CHEN]], { settings: { ...ALL_ON, showNames: true } });
    expect(named?.notice).toEqual({ title: '3 patients are waiting', body: 'Anna Berg and Chen Li have arrived.' });
  });

  it('words notices for one, several and many arrivals', () => {
    expect(arrivalNotice(1, ['Anna Berg'])).toEqual({ title: 'A patient is waiting', body: 'Anna Berg has arrived.' });
    expect(arrivalNotice(5, ['A', 'B', 'C', 'D', 'E']).body).toBe('A, B, C and 2 more have arrived.');
    expect(arrivalNotice(2, null).title).toBe('2 patients are waiting');
  });

  it('the defaults: sound on, notifications off, no names; saved with the settings, absent in older ones', () => {
    expect(DEFAULT_ARRIVAL_SETTINGS).toEqual({ sound: true, notifications: false, showNames: false });
    expect(settingsSchema.parse(DEFAULT_SETTINGS).arrivals).toBeUndefined();
    expect(settingsSchema.parse({ ...DEFAULT_SETTINGS, arrivals: ALL_ON }).arrivals).toEqual(ALL_ON);
    expect(settingsSchema.safeParse({ ...DEFAULT_SETTINGS, arrivals: { ...ALL_ON, sound: 'yes' } }).success).toBe(false);
  });

  it('puts the waiting count in front of the title, and takes it away at zero', () => {
    expect(badgeTitle('Clinic Consult', 2)).toBe('(2) Clinic Consult');
    expect(badgeTitle('Clinic Consult', 0)).toBe('Clinic Consult');
  });
});

describe('arrival memory', () => {
  function memoryStorage() {
    const items = new Map<string, string>();
    return { getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value) };
  }

  it('remembers who was seen across a reload, for the same consultation only', () => {
    const storage = memoryStorage();
    createSeenStore(storage).save('k_1', new Set(['p_1', 'p_2']));
    const reloaded = createSeenStore(storage);
    expect(reloaded.load('k_1')).toEqual(new Set(['p_1', 'p_2']));
    expect(reloaded.load('k_2')).toBeNull();
    // After the reload, one who was there stays quiet; one who came during the reload is news.
    const decision = decideArrivals({
      seen: reloaded.load('k_1'),
      patients: [ANNA, BEN, CHEN],
      focused: false,
      settings: ALL_ON,
      canNotify: true,
    });
    expect(decision.arrived.map((p) => p.id)).toEqual(['p_3']);
  });

  it('treats unreadable or missing storage as nothing remembered', () => {
    const storage = memoryStorage();
    storage.setItem('clinic-consult.arrivals-seen', '{not json');
    expect(createSeenStore(storage).load('k_1')).toBeNull();
    expect(createSeenStore(null).load('k_1')).toBeNull();
    expect(() => createSeenStore(null).save('k_1', new Set(['p_1']))).not.toThrow();
  });
});

/** Records what the chime asks of WebAudio. */
function recordingAudio(state: AudioContextState = 'running') {
  const log: string[] = [];
  const param = () => ({
    value: 0,
    setValueAtTime: (v: number, t: number) => log.push(`set ${v}@${t.toFixed(2)}`),
    exponentialRampToValueAtTime: (v: number, t: number) => log.push(`ramp ${v}@${t.toFixed(2)}`),
  });
  const context = {
    state,
    currentTime: 1,
    destination: { node: 'destination' },
    resume: vi.fn(async () => {
      context.state = 'running';
    }),
    suspend: vi.fn(async () => {
      context.state = 'suspended';
    }),
    close: vi.fn(async () => {}),
    createGain: () => ({ gain: param(), connect: (to: unknown) => to }),
    createOscillator: () => {
      const oscillator = {
        type: '',
        frequency: param(),
        connect: (to: unknown) => to,
        start: (t: number) => log.push(`start ${oscillator.frequency.value}Hz@${t.toFixed(2)}`),
        stop: (t: number) => log.push(`stop@${t.toFixed(2)}`),
      };
      return oscillator;
    },
  };
  return { context, log, factory: () => context as unknown as AudioContext };
}

describe('arrival chime', () => {
  it('plays two notes, resuming a suspended context first, with one context for every chime', async () => {
    const audio = recordingAudio('suspended');
    const factory = vi.fn(audio.factory);
    const chime = new ArrivalChime(factory);
    expect(await chime.play()).toBe(true);
    expect(audio.context.resume).toHaveBeenCalledTimes(1);
    expect(audio.log.filter((line) => line.startsWith('start'))).toEqual(['start 659.25Hz@1.02', 'start 880Hz@1.20']);
    expect(await chime.play()).toBe(true);
    expect(factory).toHaveBeenCalledTimes(1);
    chime.close();
    expect(audio.context.close).toHaveBeenCalled();
  });

  it('never throws when there is no audio', async () => {
    const chime = new ArrivalChime(() => {
      throw new Error('no audio device');
    });
    expect(await chime.play()).toBe(false);
  });
});

describe('browser host: Notification API and badge', () => {
  /** A page's window with a recording Notification API and Badging API. */
  function page(permission: NotificationPermission, answer: NotificationPermission = 'granted') {
    const made: { title: string; options: NotificationOptions | undefined; closed: boolean }[] = [];
    const badge: string[] = [];
    class RecordingNotification {
      static permission = permission;
      static requestPermission = vi.fn(async () => {
        RecordingNotification.permission = answer;
        return answer;
      });
      onclick: (() => void) | null = null;
      private readonly entry: (typeof made)[number];
      constructor(title: string, options?: NotificationOptions) {
        this.entry = { title, options, closed: false };
        made.push(this.entry);
      }
      close(): void {
        this.entry.closed = true;
      }
    }
    const win = {
      Notification: RecordingNotification,
      focus: vi.fn(),
      navigator: {
        setAppBadge: async (count: number) => void badge.push(`set ${count}`),
        clearAppBadge: async () => {
          badge.push('clear');
          throw new DOMException('not installed', 'NotAllowedError');
        },
      },
    };
    return { win: win as unknown as Window, made, badge, api: RecordingNotification };
  }

  it('asks for permission only when asked to, shows one notice at a time, and badges the count', async () => {
    const { win, made, badge, api } = page('default');
    const arrivals = browserArrivals(win);
    expect(await arrivals?.permission()).toBe('default');
    expect(await arrivals?.notify({ title: 'A patient is waiting', body: '' })).toBe(false);
    expect(api.requestPermission).not.toHaveBeenCalled();
    expect(await arrivals?.requestPermission()).toBe('granted');
    expect(await arrivals?.notify({ title: 'A patient is waiting', body: 'b' })).toBe(true);
    expect(await arrivals?.notify({ title: '2 patients are waiting', body: 'b' })).toBe(true);
    expect(made.map((m) => [m.title, m.options?.tag, m.options?.silent, m.closed])).toEqual([
      ['A patient is waiting', 'clinic-consult-arrivals', true, true],
      ['2 patients are waiting', 'clinic-consult-arrivals', true, false],
    ]);
    await arrivals?.setBadge(2);
    await arrivals?.setBadge(0); // clearAppBadge refuses (not an installed app): no error reaches the page
    expect(badge).toEqual(['set 2', 'clear']);
    expect(made[1]?.closed).toBe(true);
  });

  it('a refusal is the answer, and the browser is not asked twice', async () => {
    const { win, api } = page('denied');
    const arrivals = browserArrivals(win);
    expect(await arrivals?.requestPermission()).toBe('denied');
    expect(api.requestPermission).not.toHaveBeenCalled();
    expect(await arrivals?.notify({ title: 'A patient is waiting', body: '' })).toBe(false);
  });
});
