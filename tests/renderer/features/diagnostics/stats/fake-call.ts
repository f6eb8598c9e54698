/** A stand-in for the engine and its peer connection, feeding recorded getStats reports to the collector. */
import { vi } from 'vitest';
import type { TimelineEntry } from '../../../../../renderer/engine/timeline';
import type { CallSnapshot, CallSource } from '../../../../../renderer/features/diagnostics/stats/collector';
import type { RawStat } from '../../../../../renderer/features/diagnostics/stats/stats-map';

export const IDLE: CallSnapshot = {
  phase: 'waiting',
  selfName: 'Dr. Rivera',
  consultation: { id: 'k_1', clinicianName: 'Dr. Rivera' },
  invites: [
    {
      id: 'i_1',
      expectedName: 'Anna Berg',
      expiresAt: 1_900_000_000_000,
      shortCode: 'ABCD-2345',
      secret: 'k3Q9vX2mP7wR4tY8uB1nC6dF0gH5jL2aS9eW3zV7xQ1',
      joinUrl: 'http://127.0.0.1/?invite=k3Q9vX2mP7wR4tY8uB1nC6dF0gH5jL2aS9eW3zV7xQ1',
    },
  ],
  waitingRoom: [],
  peer: null,
  callId: null,
  relay: 'open',
  lowBandwidth: { videoCapKbps: null, offerAudioOnly: false, audioOnly: false },
};

/** A peer connection whose `getStats` returns the given reports in turn (the last one repeats). */
export function fakePeerConnection(reports: RawStat[][]) {
  let next = 0;
  const pc = {
    signalingState: 'stable',
    iceGatheringState: 'complete',
    iceConnectionState: 'connected',
    connectionState: 'connected',
    getStats: vi.fn(async () => {
      const report = reports[Math.min(next, reports.length - 1)] ?? [];
      next += 1;
      return {
        forEach: (callback: (stat: RawStat) => void) => {
          for (const stat of report) callback(stat);
        },
      };
    }),
    getConfiguration: () => ({
      iceServers: [
        { urls: 'stun:turn.clinic.example:3478' },
        {
          urls: ['turn:user:pw@turn.clinic.example:3478?transport=udp', 'turns:turn.clinic.example:5349'],
          username: '1700000000:nurse',
          credential: 'S3cr3t',
        },
      ],
      iceTransportPolicy: 'all' as RTCIceTransportPolicy,
    }),
  };
  return pc;
}

export class FakeCall implements CallSource {
  peerConnection: RTCPeerConnection | null = null;
  readonly entries: TimelineEntry[] = [{ t: 1, event: 'welcome', detail: 'clinician' }];
  readonly timeline = { list: (): readonly TimelineEntry[] => this.entries };
  private snapshot: CallSnapshot = IDLE;
  private readonly listeners = new Set<() => void>();

  getSnapshot = (): CallSnapshot => this.snapshot;
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
  get listenerCount(): number {
    return this.listeners.size;
  }

  update(patch: Partial<CallSnapshot>, pc?: ReturnType<typeof fakePeerConnection> | null): void {
    if (pc !== undefined) this.peerConnection = pc as unknown as RTCPeerConnection | null;
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of [...this.listeners]) listener();
  }

  startCall(callId: string, pc: ReturnType<typeof fakePeerConnection>): void {
    this.update({ phase: 'connecting', callId, peer: { id: 'p1', name: 'Anna Berg', role: 'patient', present: true } }, pc);
  }

  endCall(): void {
    this.update({ phase: 'ended' }, null);
  }
}
