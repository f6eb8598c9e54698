/** Keeps the relay's resume token in sessionStorage: a reload keeps its place, another window does not share it. */
import type { SessionStore, StoredSession } from '../engine/engine';

const KEY = 'clinic-consult.session';

export function createSessionStore(storage: Storage = window.sessionStorage): SessionStore {
  return {
    load: () => {
      try {
        const value: unknown = JSON.parse(storage.getItem(KEY) ?? 'null');
        if (
          typeof value === 'object' &&
          value !== null &&
          typeof (value as StoredSession).resumeToken === 'string' &&
          ((value as StoredSession).role === 'clinician' || (value as StoredSession).role === 'patient')
        ) {
          return value as StoredSession;
        }
      } catch {
        // unreadable: start fresh
      }
      return null;
    },
    save: (session) => storage.setItem(KEY, JSON.stringify(session)),
    clear: () => storage.removeItem(KEY),
  };
}
