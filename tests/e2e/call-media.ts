/**
 * Proof that a call carries media both ways, from each side's own getStats: shared by the browser suites that
 * need more than "connected" (the consultation scenarios, invites).
 */
import { expect } from 'vitest';
import type { AppWindow } from '../harness/browser';

/**
 * Records the page's RTCPeerConnections as the app makes them (the app subclasses the global when it creates
 * one, so it gets this subclass), so the test can read the call's own getStats: who sends what, not only how much.
 */
export function recordPeerConnections(): void {
  const Native = window.RTCPeerConnection;
  const made: RTCPeerConnection[] = [];
  Object.defineProperty(window, '__e2ePeerConnections', { value: made });
  window.RTCPeerConnection = class extends Native {
    constructor(config?: RTCConfiguration) {
      super(config);
      made.push(this);
    }
  };
}

/** What one side's call carries, from that side's getStats. SSRCs as "kind:ssrc", sorted. */
export interface CallMedia {
  /** Which of the page's peer connections: a replaced call gets a new one. */
  connection: number;
  framesDecoded: number;
  audioPackets: number;
  sent: string[];
  received: string[];
}

export async function callMedia(side: AppWindow): Promise<CallMedia | null> {
  return side.page.evaluate(async () => {
    const made = (globalThis as { __e2ePeerConnections?: RTCPeerConnection[] }).__e2ePeerConnections ?? [];
    // The call's connection is the newest one with media (the pre-call check's probe only has a data channel).
    const connection = made.findLastIndex((pc) => pc.getTransceivers().length > 0);
    const pc = made[connection];
    if (!pc) return null;
    const media: CallMedia = { connection, framesDecoded: 0, audioPackets: 0, sent: [], received: [] };
    (await pc.getStats()).forEach((stat: Record<string, unknown>) => {
      if (stat.type === 'outbound-rtp') media.sent.push(`${stat.kind}:${stat.ssrc}`);
      if (stat.type !== 'inbound-rtp' || !Number(stat.packetsReceived)) return;
      media.received.push(`${stat.kind}:${stat.ssrc}`);
      if (stat.kind === 'video') media.framesDecoded += Number(stat.framesDecoded ?? 0);
      else media.audioPackets += Number(stat.packetsReceived);
    });
    media.sent.sort();
    media.received.sort();
    return media;
  });
}

/*
 * Proof of media is an outcome, not a rate: from "connected", each side must decode MIN_NEW_FRAMES more video
 * frames and receive MIN_NEW_AUDIO_PACKETS more audio packets within MEDIA_WINDOW_MS. The old proof ("> 10
 * frames in the 2 s right after connected") measured the machine: in (f) four pages share one fake camera (one
 * Chromium: 4 capture buffers for a preview and an encoder per page) and two cores. When the buffers are all
 * held, Chromium drops every new frame for every page (NOTES). Measured here, two cores shared with other work:
 * 8.6 to 19.9 decoded frames/s per side, stalls up to 2.1 s, and before removed previews released the camera
 * all four pages stalled together up to 1.6 s after Admit (kBufferPoolMaxBufferCountExceeded); reaching 30
 * frames took 1.5 to 5.6 s, under a third of the window. A direction with no video or no audio stays at 0 and
 * fails when the window ends. How soon video starts after Admit is not what these tests prove.
 */
const MIN_NEW_FRAMES = 30; // 1.5 s of the fake camera's ~20 frames/s
const MIN_NEW_AUDIO_PACKETS = 25; // 0.5 s of 20 ms Opus packets
const MEDIA_WINDOW_MS = 20_000;

/** Media `side` gains on its call (counted on the connection in place) until it has enough or the window ends. */
async function mediaGained(side: AppWindow): Promise<{ frames: number; audioPackets: number }> {
  const deadline = Date.now() + MEDIA_WINDOW_MS;
  let base = await callMedia(side);
  let gained = { frames: 0, audioPackets: 0 };
  while (Date.now() < deadline && (gained.frames < MIN_NEW_FRAMES || gained.audioPackets < MIN_NEW_AUDIO_PACKETS)) {
    await side.page.waitForTimeout(250);
    const now = await callMedia(side);
    if (!base || !now || now.connection !== base.connection) base = now;
    else gained = { frames: now.framesDecoded - base.framesDecoded, audioPackets: now.audioPackets - base.audioPackets };
  }
  return gained;
}

/**
 * Each call (its two sides) is connected with media both ways, from the right peer: video frames and audio
 * packets keep arriving on every side at once, the remote video shows a picture (any size: under load the
 * sender may scale 640x480 down, NOTES), and each side receives exactly the audio and video SSRCs the other
 * side sends, nothing else.
 */
export async function expectCallsConnected(...calls: [AppWindow, AppWindow][]): Promise<void> {
  const sides = calls.flat();
  for (const side of sides) await side.waitForState('connected');
  const gained = await Promise.all(sides.map(mediaGained));
  sides.forEach((side, i) => {
    const within = `within ${MEDIA_WINDOW_MS / 1000} s of connected`;
    expect(gained[i]?.frames, `${side.label}: video frames decoded ${within}`).toBeGreaterThanOrEqual(MIN_NEW_FRAMES);
    expect(gained[i]?.audioPackets, `${side.label}: audio packets received ${within}`).toBeGreaterThanOrEqual(MIN_NEW_AUDIO_PACKETS);
  });
  for (const side of sides) {
    const video = await side.remoteVideoSize();
    expect(video.width * video.height, `${side.label}: remote video size`).toBeGreaterThan(0);
    expect(video.currentTime, `${side.label}: remote video playing`).toBeGreaterThan(0);
  }
  for (const [a, b] of calls) {
    const [mediaA, mediaB] = await Promise.all([callMedia(a), callMedia(b)]);
    const kinds = (media: CallMedia | null) => media?.sent.map((ssrc) => ssrc.split(':')[0]);
    expect(kinds(mediaA), `${a.label} sends audio and video`).toEqual(['audio', 'video']);
    expect(kinds(mediaB), `${b.label} sends audio and video`).toEqual(['audio', 'video']);
    expect(mediaA?.received, `${a.label} receives exactly what ${b.label} sends`).toEqual(mediaB?.sent);
    expect(mediaB?.received, `${b.label} receives exactly what ${a.label} sends`).toEqual(mediaA?.sent);
  }
}

export async function expectConnected(clinician: AppWindow, patient: AppWindow): Promise<void> {
  await expectCallsConnected([clinician, patient]);
}

/** The call ids a side started, in order (from its timeline). */
export function callStarts(timeline: { event: string; detail?: string }[]): string[] {
  return timeline.filter((e) => e.event === 'call-start').map((e) => e.detail?.split(' ')[0] ?? '');
}
