import { describe, expect, it } from 'vitest';
import { StatsCollector } from '../../../../../renderer/features/diagnostics/stats/collector';
import {
  buildDiagnosticsReport,
  countDevices,
  type ReportInput,
  safeRelayUrl,
  scrub,
} from '../../../../../renderer/features/diagnostics/stats/report';
import { DIAGNOSTICS_REPORT_VERSION, diagnosticsReportSchema } from '../../../../../renderer/features/diagnostics/stats/report-schema';
import { FakeCall, fakePeerConnection } from './fake-call';
import { loadFixture } from './fixtures';

/** A collector that ran two ticks of the recorded call, with names in its timeline. */
async function recordedInput(): Promise<ReportInput> {
  const { raw } = loadFixture('patient');
  const call = new FakeCall();
  call.entries.push(
    { t: 2, event: 'peer-away', detail: 'Anna Berg' },
    { t: 3, event: 'welcome', detail: 'patient in abcd-2345 for dr. rivera' },
    { t: 4, event: 'invite-shared', detail: 'http://127.0.0.1/?invite=k3Q9vX2mP7wR4tY8uB1nC6dF0gH5jL2aS9eW3zV7xQ1' },
  );
  let now = 5000;
  const collector = new StatsCollector({ current: () => call, onSourceChange: () => () => {}, relayRttMs: () => 3, now: () => now });
  collector.start();
  call.startCall('c-42', fakePeerConnection(raw));
  await collector.tick();
  now += 1000;
  await collector.tick();
  collector.stop();
  return {
    record: collector.record(),
    app: { host: 'browser', appVersion: '0.1.0', platform: 'Linux x86_64', chromeVersion: '156.0.7000.1' },
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0.7000.1',
    relayUrl: 'wss://relay:secret@clinic.example:8443/ws?token=abc#x',
    call: { role: 'patient', phase: 'connected', endReason: null },
    devices: [{ kind: 'videoinput' }, { kind: 'videoinput' }, { kind: 'audioinput' }, { kind: 'audiooutput' }],
    createdAt: new Date('2026-03-01T10:00:00.000Z'),
  };
}

describe('buildDiagnosticsReport', () => {
  it('produces a report the versioned schema accepts, also after a JSON round trip', async () => {
    const report = buildDiagnosticsReport(await recordedInput());
    expect(diagnosticsReportSchema.parse(report)).toEqual(report);
    expect(diagnosticsReportSchema.safeParse(JSON.parse(JSON.stringify(report))).success).toBe(true);
    expect(report).toMatchObject({
      schema: 'clinic-consult/diagnostics',
      version: DIAGNOSTICS_REPORT_VERSION,
      createdAt: '2026-03-01T10:00:00.000Z',
    });
    expect(report.samples).toHaveLength(2);
    expect(report.samples[1]?.streams.find((s) => s.direction === 'inbound' && s.kind === 'video')?.bitrateBps).toBeGreaterThan(200_000);
    expect(report.lastReport.length).toBeGreaterThan(10);
    expect(report.lastReport.some((s) => s.type === 'certificate')).toBe(false);
    expect(report.call).toEqual({ role: 'patient', callId: 'c-42', phase: 'connected', endReason: null });
    expect(report.connection?.connection).toBe('connected');
  });

  it('contains no names, invite codes or invite links anywhere, and says where they were', async () => {
    const report = buildDiagnosticsReport(await recordedInput());
    const text = JSON.stringify(report);
    for (const secret of [
      'Anna',
      'Berg',
      'Rivera',
      'ABCD-2345',
      'abcd-2345',
      'k3Q9vX2mP7wR4tY8uB1nC6dF0gH5jL2aS9eW3zV7xQ1',
      'secret',
      'token=abc',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(report.timeline.map((e) => e.detail)).toEqual([
      'clinician',
      '[redacted]',
      'patient in [redacted] for [redacted]',
      'http://[loopback IPv4]/?invite=[redacted]',
    ]);
  });

  it('masks every network address to its kind by default, and keeps them only when the person asks', async () => {
    const input = await recordedInput();
    const ips = (text: string): string[] => text.match(/\b\d{1,3}(?:\.\d{1,3}){3}\b/g) ?? [];
    const unmasked = buildDiagnosticsReport({ ...input, includeAddresses: true });
    expect(unmasked.addresses).toBe('included');
    expect(ips(JSON.stringify(unmasked)).length).toBeGreaterThan(0); // the recorded call has candidates with addresses
    const masked = buildDiagnosticsReport(input);
    expect(masked.addresses).toBe('masked');
    expect(ips(JSON.stringify(masked))).toEqual([]);
    expect(JSON.stringify(masked)).toMatch(/\[(private|public|loopback) IPv4\]/);
    // The kinds of candidates stay: IT still reads host, srflx and relay.
    expect(masked.samples[1]?.candidates.map((c) => c.candidateType).sort()).toEqual(
      unmasked.samples[1]?.candidates.map((c) => c.candidateType).sort(),
    );
    expect(diagnosticsReportSchema.safeParse(masked).success).toBe(true);
    // The app's versions and the clinic's relay are no personal addresses: left as they are.
    expect(masked.app).toEqual(unmasked.app);
    expect(masked.relay).toEqual(unmasked.relay);
  });

  it('keeps the relay address without credentials, query or fragment', async () => {
    expect(buildDiagnosticsReport(await recordedInput()).relay).toEqual({ url: 'wss://clinic.example:8443/ws', status: 'open', rttMs: 3 });
    expect(safeRelayUrl('not a url')).toBeNull();
  });

  it('counts devices by kind and never lists their labels', async () => {
    const input = await recordedInput();
    const report = buildDiagnosticsReport({
      ...input,
      devices: [...input.devices, { kind: 'videoinput', label: "Anna's iPhone" } as { kind: string }],
    });
    expect(report.devices).toEqual({ videoinput: 3, audioinput: 1, audiooutput: 1 });
    expect(JSON.stringify(report)).not.toContain('iPhone');
    expect(countDevices([])).toEqual({ audioinput: 0, videoinput: 0, audiooutput: 0 });
  });
});

describe('diagnosticsReportSchema', () => {
  it('refuses another version, a missing part and any field it does not define', async () => {
    const report = buildDiagnosticsReport(await recordedInput());
    expect(diagnosticsReportSchema.safeParse({ ...report, version: 1 }).success).toBe(false);
    expect(diagnosticsReportSchema.safeParse({ ...report, addresses: 'some' }).success).toBe(false);
    const { timeline: _timeline, ...withoutTimeline } = report;
    expect(diagnosticsReportSchema.safeParse(withoutTimeline).success).toBe(false);
    expect(diagnosticsReportSchema.safeParse({ ...report, patientName: 'Anna Berg' }).success).toBe(false);
    expect(diagnosticsReportSchema.safeParse({ ...report, call: { ...report.call, peerName: 'Anna Berg' } }).success).toBe(false);
    expect(diagnosticsReportSchema.safeParse({ ...report, devices: { ...report.devices, labels: ['cam'] } }).success).toBe(false);
  });
});

describe('scrub', () => {
  it('replaces whole words in any case, longest first, and leaves other words alone', () => {
    expect(scrub({ a: ['Li met li', 'Linux', 'Anna Berg and Anna'], n: 5 }, ['Li', 'Anna', 'Anna Berg'])).toEqual({
      a: ['[redacted] met [redacted]', 'Linux', '[redacted] and [redacted]'],
      n: 5,
    });
  });
  it('handles names with letters beyond ASCII and characters special to patterns', () => {
    expect(scrub('Zoë (Ødegård) saw Dr. J. Smith+', ['Ødegård', 'Zoë', 'Dr. J. Smith+'])).toBe('[redacted] ([redacted]) saw [redacted]');
  });
});
