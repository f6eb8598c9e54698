import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatsCollector } from '../../../../../renderer/features/diagnostics/stats/collector';
import type { RawStat } from '../../../../../renderer/features/diagnostics/stats/stats-map';
import { FakeCall, fakePeerConnection } from './fake-call';
import { loadFixture } from './fixtures';

const { raw } = loadFixture('clinician');
const [first, second] = raw;

function setup(call = new FakeCall()) {
  const clock = { now: 1_000_000 };
  const host = { current: call, listeners: new Set<() => void>() };
  const collector = new StatsCollector({
    current: () => host.current,
    onSourceChange: (listener) => {
      host.listeners.add(listener);
      return () => host.listeners.delete(listener);
    },
    relayRttMs: () => 12,
    now: () => clock.now,
  });
  const stop = collector.start();
  const swap = (next: FakeCall) => {
    host.current = next;
    for (const listener of host.listeners) listener();
  };
  return { collector, call, clock, stop, swap };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('StatsCollector', () => {
  it('ticks once a second only while a call is on', async () => {
    vi.useFakeTimers();
    const { collector, call } = setup();
    expect(collector.ticking).toBe(false);
    const pc = fakePeerConnection([first, second]);
    call.startCall('call-1', pc);
    expect(collector.ticking).toBe(true);
    await vi.advanceTimersByTimeAsync(3000);
    expect(pc.getStats).toHaveBeenCalledTimes(3);
    call.endCall();
    expect(collector.ticking).toBe(false);
    await vi.advanceTimersByTimeAsync(5000);
    expect(pc.getStats).toHaveBeenCalledTimes(3);
    // The last figures stay for an export after the call.
    expect(collector.getSnapshot()).toMatchObject({ running: false, callId: 'call-1' });
    expect(collector.getSnapshot().sample).not.toBeNull();
  });

  it('derives rates from consecutive reports and publishes states, quality and history', async () => {
    const { collector, call, clock } = setup();
    const pc = fakePeerConnection([first, second]);
    call.startCall('call-1', pc);
    const seen = vi.fn();
    collector.subscribe(seen);
    await collector.tick();
    expect(collector.getSnapshot().sample?.streams.every((s) => s.bitrateBps === null)).toBe(true);
    clock.now += 1000;
    await collector.tick();
    const state = collector.getSnapshot();
    expect(seen).toHaveBeenCalledTimes(2);
    expect(state.connection).toEqual({
      signaling: 'stable',
      iceGathering: 'complete',
      iceConnection: 'connected',
      connection: 'connected',
    });
    expect(state.relay).toEqual({ status: 'open', rttMs: 12 });
    expect(state.quality?.level).toBe('good');
    expect(state.history).toHaveLength(2);
    expect(state.history[1]?.recvKbps).toBeGreaterThan(300);
    expect(state.history[1]?.fps).toBeGreaterThan(18);
    expect(state.timeline).toEqual(call.entries);
  });

  it('keeps ICE server addresses and drops their credentials', async () => {
    const { collector, call } = setup();
    call.startCall('call-1', fakePeerConnection([first]));
    await collector.tick();
    expect(collector.getSnapshot().ice).toEqual({
      iceServers: [
        { urls: ['stun:turn.clinic.example:3478'], hasCredential: false },
        { urls: ['turn:turn.clinic.example:3478?transport=udp', 'turns:turn.clinic.example:5349'], hasCredential: true },
      ],
      iceTransportPolicy: 'all',
    });
    expect(JSON.stringify(collector.record())).not.toMatch(/S3cr3t|nurse|user:pw/);
  });

  it('calls the call lost after 3 s without a new incoming packet', async () => {
    const { collector, call, clock } = setup();
    call.startCall('call-1', fakePeerConnection([first, second]));
    await collector.tick();
    clock.now += 1000;
    await collector.tick(); // packets rose
    for (let i = 0; i < 2; i += 1) {
      clock.now += 1000;
      await collector.tick(); // the same report again: nothing arrived
    }
    expect(collector.getSnapshot().quality?.level).toBe('good');
    clock.now += 1000;
    await collector.tick();
    expect(collector.getSnapshot().quality).toMatchObject({ level: 'lost', reason: 'no media received for 3 s' });
  });

  it('starts each call afresh', async () => {
    const { collector, call, clock } = setup();
    call.startCall('call-1', fakePeerConnection([first, second]));
    await collector.tick();
    clock.now += 1000;
    await collector.tick();
    call.endCall();
    call.startCall('call-2', fakePeerConnection([second]));
    expect(collector.getSnapshot()).toMatchObject({ callId: 'call-2', sample: null, history: [] });
    await collector.tick();
    // A report of another connection is never diffed against the previous call's.
    expect(collector.getSnapshot().sample?.streams.every((s) => s.bitrateBps === null)).toBe(true);
  });

  it('keeps 60 s of history', async () => {
    const { collector, call, clock } = setup();
    call.startCall('call-1', fakePeerConnection([first, second]));
    for (let i = 0; i < 75; i += 1) {
      await collector.tick();
      clock.now += 1000;
    }
    const history = collector.getSnapshot().history;
    expect(history.length).toBe(60);
    expect((history.at(-1)?.t ?? 0) - (history[0]?.t ?? 0)).toBe(59_000);
  });

  it('drops a report that arrives after its call ended', async () => {
    const { collector, call } = setup();
    const pc = fakePeerConnection([first]);
    call.startCall('call-1', pc);
    const pending = collector.tick();
    call.endCall();
    await pending;
    expect(collector.getSnapshot().sample).toBeNull();
  });

  it('follows the engine that replaces the current one, and lets go of the old one', async () => {
    vi.useFakeTimers();
    const { collector, call, swap } = setup();
    const next = new FakeCall();
    swap(next);
    expect(call.listenerCount).toBe(0);
    call.startCall('old', fakePeerConnection([first]));
    expect(collector.ticking).toBe(false);
    next.startCall('new', fakePeerConnection([first]));
    expect(collector.ticking).toBe(true);
    expect(collector.getSnapshot().callId).toBe('new');
  });

  it('stops everything when stopped', () => {
    vi.useFakeTimers();
    const { collector, call, stop } = setup();
    call.startCall('call-1', fakePeerConnection([first]));
    stop();
    expect(collector.ticking).toBe(false);
    expect(call.listenerCount).toBe(0);
  });

  it('remembers the names, invite codes and links it saw, for scrubbing exports', () => {
    const { collector, call } = setup();
    call.update({
      waitingRoom: [{ id: 'w1', name: 'Chen', invitedAs: 'Chen Li', nameWarning: null, joinedAt: 1, present: true, inCall: false }],
    });
    call.startCall('call-1', fakePeerConnection([first]));
    expect(collector.record().sensitive).toEqual(
      expect.arrayContaining([
        'Dr. Rivera',
        'Anna Berg',
        'Chen',
        'Chen Li',
        'ABCD-2345',
        'ABCD2345',
        'k3Q9vX2mP7wR4tY8uB1nC6dF0gH5jL2aS9eW3zV7xQ1',
      ]),
    );
  });

  it('keeps ticking while a call reconnects, and calls it lost once no peer carries media', async () => {
    const { collector, call, clock } = setup();
    call.startCall('call-1', fakePeerConnection([first, second]));
    await collector.tick();
    clock.now += 1000;
    await collector.tick();
    call.update({ phase: 'reconnecting' }, null);
    expect(collector.ticking).toBe(true);
    clock.now += 1000;
    await collector.tick();
    expect(collector.getSnapshot().quality?.level).toBe('good'); // under 3 s: not yet
    clock.now += 2000;
    await collector.tick();
    expect(collector.getSnapshot().quality).toMatchObject({ level: 'lost', reason: 'no connection for 3 s' });
  });

  it('counts media on a replacement peer from zero again', async () => {
    const { collector, call, clock } = setup();
    call.startCall('call-1', fakePeerConnection([first, second]));
    await collector.tick();
    clock.now += 1000;
    await collector.tick();
    // Same call, new peer (recovery): its counters are far below the old peer's, yet media flows.
    const { raw } = loadFixture('patient');
    call.update({ phase: 'connected' }, fakePeerConnection(raw.map((report) => report.map((stat) => scaleCounters(stat, 0.1)))));
    for (let i = 0; i < 4; i += 1) {
      clock.now += 1000;
      await collector.tick();
    }
    expect(collector.getSnapshot().quality?.level).not.toBe('lost');
  });
});

/** A copy of a stats object with its packet counters scaled, as a younger stream would have them. */
function scaleCounters(stat: RawStat, factor: number): RawStat {
  return typeof stat.packetsReceived === 'number' ? { ...stat, packetsReceived: Math.round(stat.packetsReceived * factor) } : stat;
}
