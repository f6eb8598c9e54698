import { describe, expect, it } from 'vitest';
import { selectedPath } from '../../../renderer/engine/selected-path';

/** A getStats report as Chromium gives it: a Map-like of stats by id. */
function report(stats: Record<string, unknown>[]): RTCStatsReport {
  return new Map(stats.map((stat) => [String(stat.id), stat])) as unknown as RTCStatsReport;
}

const candidates = [
  { id: 'L1', type: 'local-candidate', candidateType: 'relay', address: '198.51.100.9' },
  { id: 'L2', type: 'local-candidate', candidateType: 'host', address: '192.168.1.2' },
  { id: 'R1', type: 'remote-candidate', candidateType: 'srflx', address: '203.0.113.4' },
];

describe('selectedPath', () => {
  it("reads the transport's selected pair: candidate kinds only, never addresses", () => {
    const path = selectedPath(
      report([
        ...candidates,
        { id: 'P1', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R1', nominated: true, state: 'succeeded' },
        { id: 'P2', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', nominated: true, state: 'succeeded' },
        { id: 'T', type: 'transport', selectedCandidatePairId: 'P2' },
      ]),
    );
    expect(path).toEqual({ local: 'relay', remote: 'srflx' });
    expect(JSON.stringify(path)).not.toMatch(/\d+\.\d+/);
  });

  it('falls back to the nominated, succeeded pair, and is null before one exists', () => {
    const pair = { id: 'P1', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R1', nominated: true, state: 'succeeded' };
    expect(selectedPath(report([...candidates, pair]))).toEqual({ local: 'host', remote: 'srflx' });
    expect(selectedPath(report([...candidates, { ...pair, state: 'in-progress' }]))).toBeNull();
    expect(selectedPath(report([]))).toBeNull();
  });
});
