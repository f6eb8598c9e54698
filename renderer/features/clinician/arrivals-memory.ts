/**
 * The patients this tab has already announced (or found there) in its consultation, kept in sessionStorage:
 * a reload keeps its place in the consultation (session-store.ts) and so must not announce everyone again,
 * while a patient who arrived during the reload is still news.
 */
const KEY = 'clinic-consult.arrivals-seen';
/** A day's patients many times over; the oldest go first. */
const MAX_REMEMBERED = 1000;

export interface SeenStore {
  /** Null when nothing is kept for this consultation: the first list is then what was there already. */
  load(consultationId: string): ReadonlySet<string> | null;
  save(consultationId: string, seen: ReadonlySet<string>): void;
}

export function createSeenStore(storage: Pick<Storage, 'getItem' | 'setItem'> | null): SeenStore {
  return {
    load: (consultationId) => {
      try {
        const value: unknown = JSON.parse(storage?.getItem(KEY) ?? 'null');
        if (typeof value !== 'object' || value === null) return null;
        const { consultation, ids } = value as { consultation?: unknown; ids?: unknown };
        if (consultation !== consultationId || !Array.isArray(ids)) return null;
        return new Set(ids.filter((id): id is string => typeof id === 'string'));
      } catch {
        return null; // unreadable: treat the next list as the first
      }
    },
    save: (consultationId, seen) => {
      try {
        storage?.setItem(KEY, JSON.stringify({ consultation: consultationId, ids: [...seen].slice(-MAX_REMEMBERED) }));
      } catch {
        // Storage full or refused: only a reload would announce these patients again.
      }
    },
  };
}
