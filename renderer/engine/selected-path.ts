/**
 * Which kinds of candidates a connected call's selected pair joins (host, srflx, prflx, relay): what the
 * clinic's record keeps of how calls connect. Never addresses.
 */
export type CandidateKind = 'host' | 'srflx' | 'prflx' | 'relay';

const KINDS: readonly string[] = ['host', 'srflx', 'prflx', 'relay'];

/** The selected pair's candidate kinds from a getStats report; null before a pair is selected. */
export function selectedPath(report: RTCStatsReport): { local: CandidateKind; remote: CandidateKind } | null {
  const stats = new Map<string, Record<string, unknown>>();
  report.forEach((stat: Record<string, unknown>) => {
    stats.set(String(stat.id), stat);
  });
  let pairId: string | null = null;
  for (const stat of stats.values()) {
    if (stat.type === 'transport' && typeof stat.selectedCandidatePairId === 'string') pairId = stat.selectedCandidatePairId;
  }
  const pair =
    (pairId ? stats.get(pairId) : undefined) ??
    [...stats.values()].find((stat) => stat.type === 'candidate-pair' && stat.nominated === true && stat.state === 'succeeded');
  if (!pair) return null;
  const local = stats.get(String(pair.localCandidateId))?.candidateType;
  const remote = stats.get(String(pair.remoteCandidateId))?.candidateType;
  if (typeof local !== 'string' || typeof remote !== 'string' || !KINDS.includes(local) || !KINDS.includes(remote)) return null;
  return { local: local as CandidateKind, remote: remote as CandidateKind };
}
