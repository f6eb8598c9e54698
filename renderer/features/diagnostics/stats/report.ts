/**
 * Builds the diagnostics report (report-schema.ts) from what the collector recorded and what the host
 * knows. Pure. Nothing identifying leaves: names and consultation codes seen during the session are
 * replaced in every string of the report, device labels are reduced to counts per kind, the relay address
 * loses credentials and query, ICE servers lose usernames and passwords (collector.ts `iceSummary`), and
 * network addresses are masked to their kind unless the person chose to include them (addresses.ts).
 */
import type { AppInfo } from '../../../../contract/bridge';
import type { Role } from '../../../../signaling/protocol';
import type { CallEndReason, Phase } from '../../../engine/engine';
import { maskAddresses } from './addresses';
import type { CollectorRecord } from './collector';
import { DIAGNOSTICS_REPORT_SCHEMA, DIAGNOSTICS_REPORT_VERSION, type DiagnosticsReport } from './report-schema';

export const REDACTED = '[redacted]';

export interface ReportInput {
  record: CollectorRecord;
  app: AppInfo;
  userAgent: string;
  relayUrl: string | null;
  call: { role: Role | null; phase: Phase; endReason: CallEndReason | null };
  devices: readonly { kind: string }[];
  createdAt: Date;
  /** Keep network addresses in the report (for IT, by the person's explicit choice); masked otherwise. */
  includeAddresses?: boolean;
}

export function buildDiagnosticsReport(input: ReportInput): DiagnosticsReport {
  const { record } = input;
  const { state } = record;
  const report: DiagnosticsReport = {
    schema: DIAGNOSTICS_REPORT_SCHEMA,
    version: DIAGNOSTICS_REPORT_VERSION,
    createdAt: input.createdAt.toISOString(),
    addresses: input.includeAddresses ? 'included' : 'masked',
    app: { ...input.app, userAgent: input.userAgent },
    relay: { url: input.relayUrl === null ? null : safeRelayUrl(input.relayUrl), status: state.relay.status, rttMs: state.relay.rttMs },
    ice: state.ice,
    call: { role: input.call.role, callId: state.callId, phase: input.call.phase, endReason: input.call.endReason },
    devices: countDevices(input.devices),
    connection: state.connection,
    quality: state.quality,
    timeline: state.timeline.map((entry) => ({ ...entry })),
    samples: [...record.samples],
    lastReport: record.lastReport.map((stat) => ({ ...stat })),
  };
  const scrubbed = scrub(report, record.sensitive);
  if (input.includeAddresses) return scrubbed;
  // Where the call's network addresses are: not the app's versions (140.0.0.0 is no address) nor the relay's
  // (the clinic's own server, which IT needs to see).
  const { connection, timeline, samples, lastReport } = scrubbed;
  return { ...scrubbed, ...maskAddresses({ connection, timeline, samples, lastReport }) };
}

export function countDevices(devices: readonly { kind: string }[]): DiagnosticsReport['devices'] {
  const counts = { audioinput: 0, videoinput: 0, audiooutput: 0 };
  for (const device of devices) if (device.kind in counts) counts[device.kind as keyof typeof counts] += 1;
  return counts;
}

/** Scheme, host, port and path: a relay address may carry credentials or a token in its query. */
export function safeRelayUrl(raw: string): string | null {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return null;
  }
}

/** Replaces each sensitive value, as a whole word in any letter case, in every string of `value`. */
export function scrub<T>(value: T, sensitive: readonly string[]): T {
  const patterns = [...new Set(sensitive.map((s) => s.trim()).filter((s) => s.length >= 2))]
    // Longest first, so "Anna Berg" goes before "Anna".
    .sort((a, b) => b.length - a.length)
    .map((s) => new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(s)}(?![\\p{L}\\p{N}])`, 'giu'));
  if (patterns.length === 0) return value;
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') return patterns.reduce((text, pattern) => text.replace(pattern, REDACTED), node);
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  return walk(value) as T;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
