/** Loads the getStats reports recorded from Chromium (tests/fixtures/capture-stats.ts) as stats maps. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RawStat, type StatsMap, toStatsMap } from '../../../../../renderer/features/diagnostics/stats/stats-map';

export type Side = 'clinician' | 'patient';

interface Fixture {
  side: Side;
  chromium: string;
  reports: [RawStat[], RawStat[]];
}

export function loadFixture(side: Side): { chromium: string; first: StatsMap; second: StatsMap; raw: [RawStat[], RawStat[]] } {
  const fixture = JSON.parse(readFileSync(join(import.meta.dirname, '../../../../fixtures/stats', `${side}.json`), 'utf8')) as Fixture;
  return {
    chromium: fixture.chromium,
    first: toStatsMap(fixture.reports[0]),
    second: toStatsMap(fixture.reports[1]),
    raw: fixture.reports,
  };
}

/** A copy of `map` with some fields of one stats object changed (to make loss, restarts, …). */
export function withChanges(map: StatsMap, id: string, changes: Record<string, unknown>): Map<string, RawStat> {
  const copy = new Map(map);
  const stat = copy.get(id);
  if (!stat) throw new Error(`no stats object ${id}`);
  copy.set(id, { ...stat, ...changes });
  return copy;
}

/** The id of the only stats object matching `type` (and `kind`). */
export function idOf(map: StatsMap, type: string, kind?: string): string {
  const found = [...map.values()].filter((s) => s.type === type && (kind === undefined || s.kind === kind));
  if (found.length !== 1 || !found[0]) throw new Error(`expected one ${type} ${kind ?? ''}, found ${found.length}`);
  return found[0].id;
}
