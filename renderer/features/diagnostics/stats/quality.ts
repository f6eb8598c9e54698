/**
 * The call quality indicator: good / fair / poor / lost, with the reason in words. Pure; thresholds here.
 *
 * Modelled on Jitsi Meet's connection indicator (ConnectionQuality.js), which scores a connection 0-100 %:
 * - Sending video: the video bitrate against what a healthy link would carry for the sent resolution
 *   (VIDEO_TARGETS_KBPS, ramping up after the media starts, at 90 %). Unlike Jitsi, a sender whose encoder
 *   reports no limitation (`qualityLimitationReason` "none") while the estimated outgoing bandwidth covers
 *   the target scores 100 %: a still picture legitimately needs few bits, and calling that "poor" would send
 *   people chasing a network problem that is not there. Heavy loss (>= 10 %) caps the score at 30 %.
 * - Not sending video: the packet loss the other side reports, by LOSS_BANDS (Jitsi's table).
 * - Receiving (Jitsi learns this from the other side; we measure it here): incoming loss by LOSS_BANDS.
 * The score is the worse of sending and receiving. Levels: >= 50 % good, >= 30 % fair, else poor.
 * "lost": no incoming media packet for LOST_AFTER_MS, or the peer connection is disconnected / failed.
 */

export type QualityLevel = 'good' | 'fair' | 'poor' | 'lost';

export const LOST_AFTER_MS = 3000;
export const GOOD_FROM_PERCENT = 50;
export const FAIR_FROM_PERCENT = 30;

/** Jitsi's loss -> score table: loss up to `maxLossPct` scores `percent`. */
export const LOSS_BANDS: readonly { maxLossPct: number; percent: number }[] = [
  { maxLossPct: 2, percent: 100 },
  { maxLossPct: 4, percent: 70 },
  { maxLossPct: 6, percent: 50 },
  { maxLossPct: 8, percent: 30 },
  { maxLossPct: 12, percent: 10 },
];

/** Expected video bitrate by resolution (Jitsi's simulcast format table, target column), largest first. */
export const VIDEO_TARGETS_KBPS: readonly { pixels: number; kbps: number }[] = [
  { pixels: 1920 * 1080, kbps: 4000 },
  { pixels: 1280 * 720, kbps: 2500 },
  { pixels: 960 * 540, kbps: 900 },
  { pixels: 640 * 360, kbps: 500 },
  { pixels: 480 * 270, kbps: 350 },
  { pixels: 320 * 180, kbps: 150 },
];

/** Bandwidth estimation starts low and grows: the target grows from this by 8 % a second (Jitsi's ramp). */
const RAMP_START_KBPS = 150;
const RAMP_PER_SECOND = 1.08;
/** Jitsi expects 90 % of the target in perfect conditions. */
const TARGET_SHARE = 0.9;
const HEAVY_LOSS_PCT = 10;

export interface QualityInput {
  connectionState: string | null;
  /** Time since the last incoming media packet (or since the call started, before the first one). */
  msSinceInboundMedia: number;
  /** Time since media started flowing, for the bitrate ramp. */
  msSinceMediaStart: number;
  sendVideo: { bitrateBps: number | null; width: number | null; height: number | null; qualityLimitationReason: string | null } | null;
  /**
   * The cap this side put on its video for a poor connection (bandwidth-policy.ts), or null: video that meets
   * the cap is what was asked for, and must not read as poor (the cap would then never be lifted).
   */
  sendVideoCapBps: number | null;
  availableOutgoingBitrateBps: number | null;
  /** The worst loss the other side reports about what we send, % (null: not known yet). */
  outboundLossPct: number | null;
  /** The worst loss of what we receive, %. */
  inboundLossPct: number | null;
}

export interface QualityAssessment {
  level: QualityLevel;
  /** 0-100; null when lost. */
  percent: number | null;
  reason: string;
}

export function lossScore(lossPct: number | null): number {
  if (lossPct === null) return 100; // nothing measured yet: do not alarm
  for (const band of LOSS_BANDS) if (lossPct <= band.maxLossPct) return band.percent;
  return 0;
}

export function videoTargetBps(width: number, height: number, msSinceMediaStart: number): number {
  const pixels = width * height;
  const format = VIDEO_TARGETS_KBPS.find((f) => pixels >= f.pixels) ?? VIDEO_TARGETS_KBPS[VIDEO_TARGETS_KBPS.length - 1];
  const ramp = RAMP_START_KBPS * RAMP_PER_SECOND ** (Math.max(0, msSinceMediaStart) / 1000);
  return Math.min(format?.kbps ?? RAMP_START_KBPS, ramp) * 1000 * TARGET_SHARE;
}

export function levelFor(percent: number): Exclude<QualityLevel, 'lost'> {
  if (percent >= GOOD_FROM_PERCENT) return 'good';
  if (percent >= FAIR_FROM_PERCENT) return 'fair';
  return 'poor';
}

export function assessQuality(input: QualityInput): QualityAssessment {
  if (input.connectionState === 'failed' || input.connectionState === 'disconnected' || input.connectionState === 'closed') {
    return { level: 'lost', percent: null, reason: `connection ${input.connectionState}` };
  }
  if (input.msSinceInboundMedia >= LOST_AFTER_MS) {
    return { level: 'lost', percent: null, reason: `no media received for ${Math.floor(input.msSinceInboundMedia / 1000)} s` };
  }
  const send = sendScore(input);
  const receive = lossScore(input.inboundLossPct);
  const percent = Math.min(send.percent, receive);
  const reason = receive < send.percent ? `${formatPct(input.inboundLossPct)} of incoming packets lost` : send.reason;
  // The level from the exact score; the rounded one is for display only.
  return { level: levelFor(percent), percent: Math.round(percent), reason };
}

function sendScore(input: QualityInput): { percent: number; reason: string } {
  const video = input.sendVideo;
  if (!video || video.bitrateBps === null || !video.width || !video.height) {
    const reason =
      input.outboundLossPct === null
        ? 'not sending video; no loss reported yet'
        : `${formatPct(input.outboundLossPct)} of outgoing packets lost`;
    return { percent: lossScore(input.outboundLossPct), reason };
  }
  const expected = videoTargetBps(video.width, video.height, input.msSinceMediaStart);
  const target = input.sendVideoCapBps === null ? expected : Math.min(expected, input.sendVideoCapBps * TARGET_SHARE);
  const unconstrained =
    video.qualityLimitationReason === 'none' && (input.availableOutgoingBitrateBps === null || input.availableOutgoingBitrateBps >= target);
  const percent = unconstrained ? 100 : Math.min(100, (100 * video.bitrateBps) / target);
  const sending = `sending video at ${Math.round(video.bitrateBps / 1000)} kbps`;
  if (input.outboundLossPct !== null && input.outboundLossPct >= HEAVY_LOSS_PCT && percent > FAIR_FROM_PERCENT) {
    return { percent: FAIR_FROM_PERCENT, reason: `${sending}, but ${formatPct(input.outboundLossPct)} of it is lost` };
  }
  const reason = unconstrained
    ? `${sending}, not limited`
    : `${sending} of ${Math.round(target / 1000)} kbps expected (limited by ${video.qualityLimitationReason ?? 'unknown'})`;
  return { percent, reason };
}

function formatPct(value: number | null): string {
  return `${(value ?? 0).toFixed(1)} %`;
}
