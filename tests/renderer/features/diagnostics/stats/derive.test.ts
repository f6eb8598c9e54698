import { describe, expect, it } from 'vitest';
import {
  deriveSample,
  inboundLossPct,
  inboundPackets,
  rate,
  selectedPair,
  streamOf,
} from '../../../../../renderer/features/diagnostics/stats/derive';
import { idOf, loadFixture, type Side, withChanges } from './fixtures';

describe('deriveSample on reports recorded from Chromium', () => {
  it.each(['clinician', 'patient'] as Side[])('%s: rates, frame rate, resolution and codecs of all four streams', (side) => {
    const { first, second } = loadFixture(side);
    const sample = deriveSample(first, second);
    expect(sample.streams.map((s) => `${s.direction} ${s.kind}`)).toEqual([
      'outbound audio',
      'outbound video',
      'inbound audio',
      'inbound video',
    ]);
    for (const kind of ['audio', 'video'] as const) {
      for (const direction of ['outbound', 'inbound'] as const) {
        const stream = streamOf(sample, direction, kind);
        expect(stream?.codec).toBe(kind === 'audio' ? 'opus' : 'VP8');
        // Opus speech ~25 kbps; the fake camera's easy picture needs ~360 kbps of VP8.
        const [low, high] = kind === 'audio' ? [15_000, 60_000] : [200_000, 2_000_000];
        expect(stream?.bitrateBps).toBeGreaterThan(low);
        expect(stream?.bitrateBps).toBeLessThan(high);
      }
    }
    const video = streamOf(sample, 'inbound', 'video');
    expect(video).toMatchObject({ width: 640, height: 480, packetLossPct: 0 });
    expect(video?.fps).toBeGreaterThan(18);
    expect(video?.fps).toBeLessThan(22);
    expect(video?.jitterMs).toBeGreaterThanOrEqual(0);
    expect(streamOf(sample, 'outbound', 'video')?.qualityLimitationReason).toBe('none');
    expect(streamOf(sample, 'outbound', 'audio')?.fps).toBeNull();
    expect(inboundPackets(sample)).toBeGreaterThan(900);
  });

  it("computes the clinician video bitrate from the byte counters and the reports' own timestamps", () => {
    const { first, second } = loadFixture('clinician');
    const id = idOf(second, 'inbound-rtp', 'video');
    const [before, after] = [first.get(id), second.get(id)];
    const bytes = Number(after?.bytesReceived) - Number(before?.bytesReceived);
    const seconds = (Number(after?.timestamp) - Number(before?.timestamp)) / 1000;
    expect(streamOf(deriveSample(first, second), 'inbound', 'video')?.bitrateBps).toBeCloseTo((bytes * 8) / seconds, 6);
    expect(Math.round((bytes * 8) / seconds / 1000)).toBe(362); // the recording's figure, so a unit slip shows
  });

  it('finds the selected pair (host/udp on loopback), its RTT and available outgoing bitrate', () => {
    const { second } = loadFixture('clinician');
    const sample = deriveSample(null, second);
    expect(sample.pair?.local).toMatchObject({ side: 'local', candidateType: 'host', protocol: 'udp' });
    expect(sample.pair?.remote).toMatchObject({ side: 'remote', candidateType: 'host', protocol: 'udp' });
    expect(sample.pair?.rttMs).toBe(1);
    expect(sample.rttMs).toBe(1);
    expect(sample.pair?.availableOutgoingBitrateBps).toBe(3_709_142);
  });

  it('lists every local and remote candidate with its type', () => {
    const { second } = loadFixture('patient');
    const candidates = deriveSample(null, second).candidates;
    expect(candidates.filter((c) => c.side === 'local').length).toBeGreaterThan(0);
    expect(candidates.filter((c) => c.side === 'remote').length).toBeGreaterThan(0);
    for (const candidate of candidates) {
      expect(candidate.candidateType).toBe('host');
      expect(candidate.address).toEqual(expect.any(String));
      expect(candidate.port).toEqual(expect.any(Number));
    }
  });

  it('falls back to the nominated succeeded pair when no transport names one', () => {
    const { second } = loadFixture('clinician');
    const transportId = idOf(second, 'transport');
    const pair = selectedPair(withChanges(second, transportId, { selectedCandidatePairId: undefined }));
    expect(pair?.availableOutgoingBitrateBps).toBe(3_709_142);
  });

  it('gives no rates from a single report, but the frame rate Chromium reports', () => {
    const { second } = loadFixture('clinician');
    const sample = deriveSample(null, second);
    expect(sample.streams.every((s) => s.bitrateBps === null)).toBe(true);
    expect(streamOf(sample, 'inbound', 'video')?.fps).toBe(20);
  });

  it('gives no rate when a counter went backwards (a new stream), never a negative one', () => {
    const { first, second } = loadFixture('clinician');
    const id = idOf(second, 'outbound-rtp', 'video');
    const restarted = withChanges(second, id, { bytesSent: 1000, framesEncoded: 3 });
    const stream = streamOf(deriveSample(first, restarted), 'outbound', 'video');
    expect(stream?.bitrateBps).toBeNull();
    expect(stream?.fps).toBe(20); // falls back to Chromium's own framesPerSecond
  });

  it("reports outbound loss and jitter from the other side's receiver report", () => {
    const { first, second } = loadFixture('clinician');
    const reportId = idOf(second, 'remote-inbound-rtp', 'video');
    const lossy = withChanges(second, reportId, { fractionLost: 0.0625, jitter: 0.012 });
    const stream = streamOf(deriveSample(first, lossy), 'outbound', 'video');
    expect(stream?.packetLossPct).toBeCloseTo(6.25, 9);
    expect(stream?.jitterMs).toBeCloseTo(12, 9);
  });
});

describe('inboundLossPct', () => {
  const at = (packetsReceived: number, packetsLost: number) => ({
    id: 'IT',
    type: 'inbound-rtp',
    timestamp: 0,
    packetsReceived,
    packetsLost,
  });

  it('is lost over expected within the interval', () => {
    expect(inboundLossPct(at(1090, 10), at(1000, 0))).toBeCloseTo(10, 9);
    expect(inboundLossPct(at(1100, 5), at(1000, 5))).toBe(0);
  });
  it('covers the whole stream without an earlier report', () => {
    expect(inboundLossPct(at(97, 3), undefined)).toBeCloseTo(3, 9);
  });
  it('is unknown when no packet was expected, and ignores negative loss (duplicates)', () => {
    expect(inboundLossPct(at(1000, 0), at(1000, 0))).toBeNull();
    expect(inboundLossPct(at(1100, -2), at(1000, 0))).toBe(0);
  });
  it('is unknown when the counters restarted', () => {
    expect(inboundLossPct(at(10, 0), at(1000, 0))).toBeNull();
  });
});

describe('rate', () => {
  it('is per second of the stats timestamps, times the factor', () => {
    const before = { id: 'x', type: 'outbound-rtp', timestamp: 1000, bytesSent: 0 };
    expect(rate({ ...before, timestamp: 3000, bytesSent: 250_000 }, before, 'bytesSent', 8)).toBe(1_000_000);
    expect(rate({ ...before, bytesSent: 5 }, before, 'bytesSent', 8)).toBeNull(); // no time passed
  });
});
