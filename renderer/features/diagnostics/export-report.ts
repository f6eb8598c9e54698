/**
 * The export action: what the collector recorded plus what the host knows, built into the versioned report,
 * checked against its schema (a report that would not validate is never handed out), then saved through
 * the host bridge. Framework-free; main.tsx binds it to the running app.
 */
import type { ClinicBridge, DiagnosticsSaveResult } from '../../../contract/bridge';
import type { ConsultEngine } from '../../engine/engine';
import type { StatsCollector } from './stats/collector';
import { buildDiagnosticsReport } from './stats/report';
import { diagnosticsReportSchema } from './stats/report-schema';

export interface ExportDeps {
  bridge: Pick<ClinicBridge, 'getAppInfo' | 'saveDiagnostics'>;
  collector: StatsCollector;
  engine: () => ConsultEngine;
  relayUrl: () => string;
  /** The browser's device list; only kinds are read. */
  listDevices: () => Promise<readonly { kind: string }[]>;
  userAgent: string;
}

export async function exportDiagnostics(deps: ExportDeps, options: { includeAddresses: boolean }): Promise<DiagnosticsSaveResult> {
  const snapshot = deps.engine().getSnapshot();
  const [app, devices] = await Promise.all([deps.bridge.getAppInfo(), deps.listDevices().catch(() => [])]);
  const report = buildDiagnosticsReport({
    record: deps.collector.record(),
    app,
    userAgent: deps.userAgent,
    relayUrl: deps.relayUrl(),
    call: { role: snapshot.role, phase: snapshot.phase, endReason: snapshot.endReason },
    devices,
    createdAt: new Date(),
    includeAddresses: options.includeAddresses,
  });
  return deps.bridge.saveDiagnostics(`${JSON.stringify(diagnosticsReportSchema.parse(report), null, 2)}\n`);
}
