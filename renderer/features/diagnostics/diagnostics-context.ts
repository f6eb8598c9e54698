/**
 * What the call view needs for diagnostics: the collector to render and the export action. Provided once in
 * main.tsx; null when the collector is switched off (`?diagnostics=off`, a benchmarking switch).
 */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { DiagnosticsSaveResult } from '../../../contract/bridge';
import type { DiagnosticsState, StatsCollector } from './stats/collector';

export interface DiagnosticsServices {
  collector: StatsCollector;
  /** Builds, validates and saves (desktop) or downloads (browser) the report. */
  /** Network addresses are masked unless the person asks to include them (for IT). */
  exportReport(options: { includeAddresses: boolean }): Promise<DiagnosticsSaveResult>;
}

export const DiagnosticsContext = createContext<DiagnosticsServices | null>(null);

export function useDiagnosticsServices(): DiagnosticsServices | null {
  return useContext(DiagnosticsContext);
}

const NO_STATE = (): null => null;
const NO_SUBSCRIPTION = (): (() => void) => () => {};

/** The collector's state; components re-render once per tick and compute nothing themselves. */
export function useDiagnosticsState(): DiagnosticsState | null {
  const services = useDiagnosticsServices();
  return useSyncExternalStore(services?.collector.subscribe ?? NO_SUBSCRIPTION, services?.collector.getSnapshot ?? NO_STATE);
}
