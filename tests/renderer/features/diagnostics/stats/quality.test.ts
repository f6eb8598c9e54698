import { describe, expect, it } from 'vitest';
import { deriveSample, streamOf } from '../../../../../renderer/features/diagnostics/stats/derive';
import {
  assessQuality,
  levelFor,
  lossScore,
  type QualityInput,
  videoTargetBps,
} from '../../../../../renderer/features/diagnostics/stats/quality';
import { loadFixture } from './fixtures';

const steadyVideo: NonNullable<QualityInput['sendVideo']> = {
  bitrateBps: 600_000,
  width: 640,
  height: 480,
  qualityLimitationReason: 'bandwidth',
};
const steady: QualityInput = {
  connectionState: 'connected',
  msSinceInboundMedia: 200,
  msSinceMediaStart: 60_000,
  sendVideo: steadyVideo,
  sendVideoCapBps: null,
  availableOutgoingBitrateBps: 700_000,
  outboundLossPct: 0,
  inboundLossPct: 0,
};

describe('levelFor', () => {
  it.each([
    [100, 'good'],
    [50, 'good'],
    [49.9, 'fair'],
    [30, 'fair'],
    [29.9, 'poor'],
    [0, 'poor'],
  ] as const)('%d percent is %s', (percent, level) => {
    expect(levelFor(percent)).toBe(level);
  });
});

describe('lossScore (Jitsi bands)', () => {
  it.each([
    [0, 100],
    [2, 100],
    [2.1, 70],
    [4, 70],
    [6, 50],
    [6.1, 30],
    [8, 30],
    [12, 10],
    [12.1, 0],
    [null, 100],
  ] as const)('%s percent loss scores %d', (loss, score) => {
    expect(lossScore(loss)).toBe(score);
  });
});

describe('videoTargetBps', () => {
  it('uses the target of the largest format the resolution reaches, at 90 %', () => {
    expect(videoTargetBps(640, 480, 60_000)).toBe(450_000);
    expect(videoTargetBps(1280, 720, 60_000)).toBe(2_250_000);
    expect(videoTargetBps(320, 240, 60_000)).toBe(135_000);
    expect(videoTargetBps(160, 120, 60_000)).toBe(135_000); // below the smallest format: its target
  });
  it('ramps up from 150 kbps by 8 % a second after the media starts', () => {
    expect(videoTargetBps(640, 480, 0)).toBeCloseTo(135_000, 6);
    expect(videoTargetBps(640, 480, 5000)).toBeCloseTo(150_000 * 1.08 ** 5 * 0.9, 6);
  });
});

describe('assessQuality', () => {
  it('is good when the constrained sender reaches half its target, fair at 30 %, poor below', () => {
    expect(assessQuality({ ...steady, sendVideo: { ...steadyVideo, bitrateBps: 225_000 } }).level).toBe('good');
    expect(assessQuality({ ...steady, sendVideo: { ...steadyVideo, bitrateBps: 224_000 } }).level).toBe('fair');
    expect(assessQuality({ ...steady, sendVideo: { ...steadyVideo, bitrateBps: 135_000 } }).level).toBe('fair');
    const poor = assessQuality({ ...steady, sendVideo: { ...steadyVideo, bitrateBps: 100_000 } });
    expect(poor).toMatchObject({ level: 'poor', percent: 22 });
    expect(poor.reason).toBe('sending video at 100 kbps of 450 kbps expected (limited by bandwidth)');
  });

  it('does not blame the network for a cheap picture the encoder is not holding back', () => {
    const input = { ...steady, sendVideo: { ...steadyVideo, bitrateBps: 50_000, qualityLimitationReason: 'none' } };
    expect(assessQuality(input)).toMatchObject({ level: 'good', percent: 100 });
    // … unless the estimated bandwidth is below what the resolution needs
    expect(assessQuality({ ...input, availableOutgoingBitrateBps: 100_000 }).level).toBe('poor');
  });

  it('measures video this side capped for a poor connection against the cap, so the cap can be lifted', () => {
    // 720p wants 2,250 kbps; capped at 250 kbps it sends 240: what was asked for, not a poor connection.
    const hd = { ...steadyVideo, width: 1280, height: 720, bitrateBps: 240_000 };
    expect(assessQuality({ ...steady, sendVideo: hd }).level).toBe('poor');
    expect(assessQuality({ ...steady, sendVideo: hd, sendVideoCapBps: 250_000 })).toMatchObject({ level: 'good' });
    // Far below its cap, it is still poor.
    expect(assessQuality({ ...steady, sendVideo: { ...hd, bitrateBps: 40_000 }, sendVideoCapBps: 250_000 }).level).toBe('poor');
  });

  it('caps heavy outgoing loss at fair whatever the bitrate', () => {
    const result = assessQuality({ ...steady, outboundLossPct: 10 });
    expect(result).toMatchObject({ level: 'fair', percent: 30 });
    expect(result.reason).toContain('10.0 % of it is lost');
  });

  it('without video, scores the outgoing loss by the bands', () => {
    expect(assessQuality({ ...steady, sendVideo: null, outboundLossPct: 7 }).level).toBe('fair');
    expect(assessQuality({ ...steady, sendVideo: null, outboundLossPct: 13 }).level).toBe('poor');
    expect(assessQuality({ ...steady, sendVideo: null, outboundLossPct: null }).level).toBe('good');
  });

  it('takes the worse of sending and receiving, and says which', () => {
    const result = assessQuality({ ...steady, inboundLossPct: 7.5 });
    expect(result).toMatchObject({ level: 'fair', percent: 30, reason: '7.5 % of incoming packets lost' });
  });

  it('is lost after 3 s without incoming media, not before', () => {
    expect(assessQuality({ ...steady, msSinceInboundMedia: 2999 }).level).toBe('good');
    expect(assessQuality({ ...steady, msSinceInboundMedia: 3000 })).toMatchObject({
      level: 'lost',
      percent: null,
      reason: 'no media received for 3 s',
    });
  });

  it.each(['disconnected', 'failed', 'closed'])('is lost when the connection is %s', (state) => {
    expect(assessQuality({ ...steady, connectionState: state }).level).toBe('lost');
  });

  it('rates the recorded loopback call good', () => {
    const { first, second } = loadFixture('clinician');
    const sample = deriveSample(first, second);
    const video = streamOf(sample, 'outbound', 'video');
    const result = assessQuality({
      ...steady,
      sendVideo: video,
      availableOutgoingBitrateBps: sample.pair?.availableOutgoingBitrateBps ?? null,
      outboundLossPct: video?.packetLossPct ?? null,
      inboundLossPct: streamOf(sample, 'inbound', 'video')?.packetLossPct ?? null,
    });
    expect(result.level).toBe('good');
  });
});
