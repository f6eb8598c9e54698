/**
 * CallRecovery's decisions on their own (renderer/engine/recovery.ts); the engine tests cover the same
 * through the engine, and tests/network with real broken networks.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallRecovery, type RecoveryActions } from '../../../renderer/engine/recovery';

const OPTIONS = { disconnectedGraceMs: 4000, maxAttempts: 3, attemptTimeoutMs: 10_000 };

describe('CallRecovery', () => {
  let live: string | null;
  let present: boolean;
  let relayUp: boolean;
  let iceDisconnected: boolean;
  let done: string[];
  let recovery: CallRecovery;

  beforeEach(() => {
    vi.useFakeTimers();
    live = 'c_1';
    present = true;
    relayUp = true;
    iceDisconnected = false;
    done = [];
    const actions: RecoveryActions = {
      liveCallId: () => live,
      requestRestart: (callId) => {
        done.push(`restart ${callId}${relayUp ? '' : ' (relay down)'}`);
        return relayUp;
      },
      peerPresent: () => present,
      stillDisconnected: () => iceDisconnected,
      attempting: (attempt) => done.push(`attempt ${attempt}`),
      giveUp: (callId) => done.push(`give up ${callId}`),
      log: () => {},
    };
    recovery = new CallRecovery(OPTIONS, actions);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('restarts only when ICE stays disconnected past the grace period', () => {
    iceDisconnected = true;
    recovery.iceState('c_1', 'disconnected');
    vi.advanceTimersByTime(OPTIONS.disconnectedGraceMs - 1);
    recovery.iceState('c_1', 'connected'); // healed by itself
    vi.advanceTimersByTime(OPTIONS.disconnectedGraceMs);
    expect(done).toEqual([]);
    recovery.iceState('c_1', 'disconnected');
    vi.advanceTimersByTime(OPTIONS.disconnectedGraceMs);
    expect(done).toEqual(['attempt 1', 'restart c_1']);
    expect(recovery.active).toBe(true);
  });

  it('each attempt has a deadline; after the last one it gives up', () => {
    recovery.broke('peer failed');
    live = 'c_2'; // the relay replaced the call; it does not connect either
    vi.advanceTimersByTime(OPTIONS.attemptTimeoutMs);
    vi.advanceTimersByTime(OPTIONS.attemptTimeoutMs);
    vi.advanceTimersByTime(OPTIONS.attemptTimeoutMs);
    expect(done).toEqual(['attempt 1', 'restart c_1', 'attempt 2', 'restart c_2', 'attempt 3', 'restart c_2', 'give up c_2']);
  });

  it('waits for an absent other side without spending attempts, then restarts when it is back', () => {
    present = false;
    recovery.broke('connection lost');
    vi.advanceTimersByTime(OPTIONS.attemptTimeoutMs * 5);
    expect(done).toEqual(['attempt 1']);
    present = true;
    recovery.peerBack();
    expect(done).toEqual(['attempt 1', 'restart c_1']);
    recovery.recovered();
    expect(recovery.active).toBe(false);
    vi.advanceTimersByTime(OPTIONS.attemptTimeoutMs * 5);
    expect(done).toHaveLength(2);
  });

  it('asks again for a restart it could not send once the relay is back, unless the call changed', () => {
    relayUp = false;
    recovery.broke('peer failed');
    relayUp = true;
    recovery.relayBack();
    expect(done).toEqual(['attempt 1', 'restart c_1 (relay down)', 'restart c_1']);
    relayUp = false;
    recovery.broke('peer failed');
    live = 'c_9';
    relayUp = true;
    recovery.relayBack();
    expect(done.at(-1)).toBe('restart c_1 (relay down)');
  });
});
