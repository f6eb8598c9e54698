/**
 * The shape the derivations read: a `getStats()` report as a plain map of stats objects by id. Pure
 * functions over this type run unchanged on a live `RTCStatsReport` and on recorded JSON fixtures.
 */

/** One stats object (`inbound-rtp`, `candidate-pair`, …); fields beyond these three vary by type. */
export interface RawStat {
  readonly id: string;
  readonly type: string;
  /** Milliseconds since the epoch, from the stats object itself (not the time `getStats` resolved). */
  readonly timestamp: number;
  readonly [field: string]: unknown;
}

export type StatsMap = ReadonlyMap<string, RawStat>;

/** Anything that can list stats objects: an `RTCStatsReport` or an array read from a fixture. */
export interface StatsSource {
  forEach(callback: (stat: RawStat) => void): void;
}

export function toStatsMap(source: StatsSource): StatsMap {
  const map = new Map<string, RawStat>();
  source.forEach((stat) => {
    if (typeof stat.id === 'string' && typeof stat.type === 'string') map.set(stat.id, stat);
  });
  return map;
}

export function num(stat: RawStat | undefined, field: string): number | null {
  const value = stat?.[field];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function str(stat: RawStat | undefined, field: string): string | null {
  const value = stat?.[field];
  return typeof value === 'string' ? value : null;
}

export function statsOfType(map: StatsMap, type: string): RawStat[] {
  const found: RawStat[] = [];
  for (const stat of map.values()) if (stat.type === type) found.push(stat);
  return found;
}
