import { useSyncExternalStore } from 'react';
import type { ConsultEngine, EngineSnapshot } from '../../engine/engine';

/** The engine's current state; components re-render when it changes and never change it themselves. */
export function useEngineSnapshot(engine: ConsultEngine): EngineSnapshot {
  return useSyncExternalStore(engine.subscribe, engine.getSnapshot);
}
