/**
 * Low bandwidth (issue 11, item 5): when the call's quality indicator stays poor, cap the video this side sends
 * and offer "audio only"; when it has been fine for a while, lift the cap. The decision is a pure function of
 * the indicator's readings (one a second, from the diagnostics collector: features/diagnostics/stats/quality.ts
 * decides good / fair / poor / lost); `BandwidthGuard` applies it to the call's video sender and tells the engine.
 *
 * - Cap after POOR_FOR_MS of readings that are poor (or lost). One stray better reading between poor ones (the
 *   indicator flickers at the edge) does not start the count again; two in a row do.
 * - Lift after RECOVER_AFTER_MS without a poor (or lost) reading. Fair counts as recovered: with the cap on,
 *   the indicator may read fair only because this side now sends less than it expects for the picture size.
 * - The cap is `maxBitrate` on the camera sender's encodings (RTCRtpSender.setParameters): nothing renegotiates,
 *   the encoder lowers its frame rate or resolution to fit. Audio only is the camera-off path (local-media.ts:
 *   the camera stops, the sender sends nothing, receiving goes on), labelled so the person knows why; turning
 *   the camera back on leaves it.
 * Each step is in the engine's timeline (the diagnostics timeline shows it).
 */

/** The indicator's levels (features/diagnostics/stats/quality.ts; the engine does not import features). */
export type QualityReading = 'good' | 'fair' | 'poor' | 'lost';

export const VIDEO_CAP_BPS = 250_000;
export const POOR_FOR_MS = 8000;
export const RECOVER_AFTER_MS = 20_000;
/** Better readings in a row that end a poor stretch. */
const STRAY_READINGS = 1;

export interface BandwidthTimings {
  poorForMs: number;
  recoverAfterMs: number;
}

const DEFAULT_TIMINGS: BandwidthTimings = { poorForMs: POOR_FOR_MS, recoverAfterMs: RECOVER_AFTER_MS };

export interface BandwidthPolicyState {
  /** When the current poor stretch began (null: none). */
  poorSince: number | null;
  /** Better readings since the last poor one. */
  betterInRow: number;
  /** The last poor (or lost) reading, for recovery. */
  lastPoorAt: number | null;
  /** When readings stopped being poor, with the cap on (recovery counts from here). */
  calmSince: number | null;
  capped: boolean;
}

export const INITIAL_BANDWIDTH_POLICY: BandwidthPolicyState = {
  poorSince: null,
  betterInRow: 0,
  lastPoorAt: null,
  calmSince: null,
  capped: false,
};

export type BandwidthDecision = 'cap' | 'lift' | null;

/** One reading of the indicator at `at` (ms): the next state, and what to do now. Pure. */
export function stepBandwidth(
  state: BandwidthPolicyState,
  reading: QualityReading,
  at: number,
  timings: BandwidthTimings = DEFAULT_TIMINGS,
): { state: BandwidthPolicyState; decision: BandwidthDecision } {
  if (reading === 'poor' || reading === 'lost') {
    const poorSince = state.poorSince ?? at;
    const next: BandwidthPolicyState = { ...state, poorSince, betterInRow: 0, lastPoorAt: at, calmSince: null };
    if (!state.capped && at - poorSince >= timings.poorForMs) return { state: { ...next, capped: true }, decision: 'cap' };
    return { state: next, decision: null };
  }
  const betterInRow = state.betterInRow + 1;
  const next: BandwidthPolicyState = {
    ...state,
    betterInRow,
    poorSince: betterInRow > STRAY_READINGS ? null : state.poorSince,
    calmSince: state.capped ? (state.calmSince ?? at) : null,
  };
  if (state.capped && next.calmSince !== null && at - next.calmSince >= timings.recoverAfterMs) {
    return { state: { ...next, capped: false, poorSince: null, calmSince: null }, decision: 'lift' };
  }
  return { state: next, decision: null };
}

/** What the person sees of it (snapshot `lowBandwidth`). */
export interface LowBandwidthState {
  /** The cap on the video this side sends, kbps (null: none). */
  videoCapKbps: number | null;
  /** "Switch to audio only" is offered (the connection stayed poor). */
  offerAudioOnly: boolean;
  /** The camera is off because the person switched to audio only (until they turn it on). */
  audioOnly: boolean;
}

export const NO_LOW_BANDWIDTH: LowBandwidthState = { videoCapKbps: null, offerAudioOnly: false, audioOnly: false };

/** The part of RTCRtpSender the cap uses. */
export interface SenderLike {
  getParameters(): RTCRtpSendParameters;
  setParameters(parameters: RTCRtpSendParameters): Promise<void>;
}

/**
 * The camera's sender: the first video transceiver (the peer is made with the camera's track; a track of its own
 * added later, such as a shared screen, comes after it). Found by the receiver's kind, since a camera that is off
 * leaves the sender without a track.
 */
export function cameraSender(connection: Pick<RTCPeerConnection, 'getTransceivers'>): SenderLike | null {
  const transceiver = connection.getTransceivers().find((t) => t.receiver.track.kind === 'video' && t.direction !== 'inactive');
  return transceiver?.sender ?? null;
}

/** Sets (bps) or removes (null) `maxBitrate` on every encoding of `sender`. False when it has no encodings. */
export async function setVideoMaxBitrate(sender: SenderLike, bps: number | null): Promise<boolean> {
  const parameters = sender.getParameters(); // fresh: setParameters must get this call's transactionId
  if (!parameters.encodings || parameters.encodings.length === 0) return false;
  for (const encoding of parameters.encodings) {
    if (bps === null) delete encoding.maxBitrate;
    else encoding.maxBitrate = bps;
  }
  await sender.setParameters(parameters);
  return true;
}

export interface BandwidthGuardDeps {
  /** The live call's connection (null between peers and in unit tests' fakes). */
  connection(): Pick<RTCPeerConnection, 'getTransceivers'> | null;
  changed(state: LowBandwidthState): void;
  log(event: string, detail?: string): void;
  now?: () => number;
  capBps?: number;
  timings?: BandwidthTimings;
}

/** Applies the policy to the live call. One per engine; `peerChanged` begins again for each new peer. */
export class BandwidthGuard {
  private policy = INITIAL_BANDWIDTH_POLICY;
  private view = NO_LOW_BANDWIDTH;
  /** Bumped per peer: a cap still being applied to a finished call's sender changes nothing visible. */
  private generation = 0;
  private readonly now: () => number;
  private readonly capBps: number;
  private readonly timings: BandwidthTimings;

  constructor(private readonly deps: BandwidthGuardDeps) {
    this.now = deps.now ?? Date.now;
    this.capBps = deps.capBps ?? VIDEO_CAP_BPS;
    this.timings = deps.timings ?? DEFAULT_TIMINGS;
  }

  get state(): LowBandwidthState {
    return this.view;
  }

  /** One reading of the quality indicator for the connected call. */
  reading(reading: QualityReading): void {
    const { state, decision } = stepBandwidth(this.policy, reading, this.now(), this.timings);
    this.policy = state;
    if (decision === 'cap') void this.apply(this.capBps, `after ${Math.round(this.timings.poorForMs / 1000)} s of poor quality`);
    if (decision === 'lift') void this.apply(null, `${Math.round(this.timings.recoverAfterMs / 1000)} s without poor quality`);
  }

  /** The person chose audio only (their camera is now off). */
  audioOnlyChosen(): void {
    this.deps.log('audio-only', 'on: the connection stayed poor');
    this.set({ ...this.view, audioOnly: true, offerAudioOnly: false });
  }

  /** "Not now": the offer goes until the connection is poor again after a recovery. */
  dismissOffer(): void {
    if (this.view.offerAudioOnly) this.set({ ...this.view, offerAudioOnly: false });
  }

  /** The camera is on again: no longer audio only. */
  cameraOn(): void {
    if (!this.view.audioOnly) return;
    this.deps.log('audio-only', 'off: camera on');
    this.set({ ...this.view, audioOnly: false });
  }

  /** The peer changed (a new call, a restart) or the call ended: a new peer sends uncapped, counted afresh. Audio only stays. */
  peerChanged(): void {
    this.generation += 1;
    this.policy = INITIAL_BANDWIDTH_POLICY;
    this.set({ ...this.view, videoCapKbps: null, offerAudioOnly: false });
  }

  private async apply(bps: number | null, why: string): Promise<void> {
    const generation = this.generation;
    const connection = this.deps.connection();
    const sender = connection ? cameraSender(connection) : null;
    let failure: string | null = sender ? null : 'no video sender';
    if (sender) {
      try {
        if (!(await setVideoMaxBitrate(sender, bps))) failure = 'the sender has no encodings';
      } catch (err) {
        failure = err instanceof Error ? `${err.name}: ${err.message}` : 'setParameters failed';
      }
    }
    if (generation !== this.generation) return;
    if (failure) this.deps.log(bps === null ? 'bitrate-cap-lift-failed' : 'bitrate-cap-failed', failure);
    if (bps !== null) {
      if (!failure) this.deps.log('bitrate-capped', `video at most ${Math.round(bps / 1000)} kbps, ${why}`);
      // Offered even when the cap could not be set: audio only helps all the same.
      this.set({ ...this.view, videoCapKbps: failure ? null : Math.round(bps / 1000), offerAudioOnly: !this.view.audioOnly });
      return;
    }
    if (!failure) this.deps.log('bitrate-cap-lifted', why);
    this.set({ ...this.view, videoCapKbps: null, offerAudioOnly: false });
  }

  private set(view: LowBandwidthState): void {
    if (
      view.videoCapKbps === this.view.videoCapKbps &&
      view.offerAudioOnly === this.view.offerAudioOnly &&
      view.audioOnly === this.view.audioOnly
    ) {
      return;
    }
    this.view = view;
    this.deps.changed(view);
  }
}
