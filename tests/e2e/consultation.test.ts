/**
 * Whole consultations in real Chromium (fake camera/microphone), real WebRTC, real relay: the scenarios
 * of the product's core promise. One call at a time; each test gets its own relay.
 */
import { describe, expect, it } from 'vitest';
import type { AppWindow, TestRelay } from '../harness/browser';
import { browserSuite } from '../harness/suite';

const suite = browserSuite();
let relay: TestRelay;

/**
 * Records the page's RTCPeerConnections as the app makes them (the app subclasses the global when it creates
 * one, so it gets this subclass), so the test can read the call's own getStats: who sends what, not only how much.
 */
function recordPeerConnections(): void {
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

function open(label: string, init?: () => void, url?: string): Promise<AppWindow> {
  return suite.open(relay, label, `(${recordPeerConnections})();${init ? `(${init})();` : ''}`, url);
}

/** What one side's call carries, from that side's getStats. SSRCs as "kind:ssrc", sorted. */
interface CallMedia {
  /** Which of the page's peer connections: a replaced call gets a new one. */
  connection: number;
  framesDecoded: number;
  audioPackets: number;
  sent: string[];
  received: string[];
}

async function callMedia(side: AppWindow): Promise<CallMedia | null> {
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
async function expectCallsConnected(...calls: [AppWindow, AppWindow][]): Promise<void> {
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

async function expectConnected(clinician: AppWindow, patient: AppWindow): Promise<void> {
  await expectCallsConnected([clinician, patient]);
}

function callStarts(timeline: { event: string; detail?: string }[]): string[] {
  return timeline.filter((e) => e.event === 'call-start').map((e) => e.detail?.split(' ')[0] ?? '');
}

describe('consultation end to end', () => {
  it('(a) patient waits first, clinician arrives and admits', async () => {
    relay = await suite.relay();
    const clinician = await open('clinician');
    const code = await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
    // The clinician steps away (the window leaves the app); the consultation keeps its place.
    await clinician.page.goto('about:blank');

    const patient = await open('patient');
    await patient.joinConsultation(code, 'Anna Berg');
    await expect.poll(() => patient.page.getByTestId('clinician-presence').getAttribute('data-present')).toBe('false');

    // The clinician comes back to the same window and finds the patient waiting.
    await clinician.page.goto(`${relay.url}/`);
    await clinician.page.getByTestId('consult-code').waitFor();
    await expect.poll(() => clinician.page.getByTestId('arrival-alert').textContent()).toContain('Anna Berg has arrived');
    await expect.poll(() => patient.page.getByTestId('clinician-presence').getAttribute('data-present')).toBe('true');
    await clinician.admit('Anna Berg');
    await expectConnected(clinician, patient);
  });

  it('(b) clinician first, patient later', async () => {
    relay = await suite.relay();
    const clinician = await open('clinician');
    const code = await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
    await clinician.page.getByTestId('waiting-list-empty').waitFor();
    expect(await clinician.state()).toBe('waiting');

    // The patient opens the join link the clinician shared: the code is already filled in.
    const joinUrl = await clinician.page.getByTestId('join-link').getAttribute('href');
    expect(joinUrl).toBe(`${relay.url}/?code=${code}`);
    const patient = await open('patient', undefined, joinUrl ?? '');
    await patient.joinViaLink(code, 'Ben Okafor');
    await clinician.admit('Ben Okafor');
    await expectConnected(clinician, patient);
  });

  it('(c) patient reloads while waiting, keeps their place, then is admitted', async () => {
    relay = await suite.relay();
    const clinician = await open('clinician');
    const code = await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
    const first = await open('first patient');
    await first.joinConsultation(code.toLowerCase(), 'Chen Li'); // codes are forgiving about case
    const second = await open('second patient');
    await second.joinConsultation(code, 'Dana Cruz');

    await first.page.reload();
    await first.waitForState('waiting');
    const names = clinician.page.locator('[data-testid="waiting-patient"] .waiting-list__name');
    await expect.poll(() => names.allTextContents()).toEqual(['Chen Li', 'Dana Cruz']);
    await expect.poll(() => clinician.page.locator('[data-testid="waiting-patient"][data-present="true"]').count()).toBe(2);

    await clinician.admit('Chen Li');
    await expectConnected(clinician, first);
    expect(await second.state()).toBe('waiting');
  });

  it('(d) Admit clicked twice fast with every message duplicated on the wire: exactly one call', async () => {
    relay = await suite.relay();
    // Every frame either window sends goes out twice: a doubled handler, a retried send.
    const duplicateEverySend = () => {
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (this: WebSocket, data) {
        send.call(this, data);
        send.call(this, data);
      };
    };
    const clinician = await open('clinician', duplicateEverySend);
    const code = await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
    const patient = await open('patient', duplicateEverySend);
    await patient.joinConsultation(code, 'Eli Novak');

    const admit = clinician.admitButton('Eli Novak');
    await admit.waitFor();
    await admit.dblclick();
    await expectConnected(clinician, patient);

    const clinicianCalls = callStarts(await clinician.timeline());
    const patientCalls = callStarts(await patient.timeline());
    expect(clinicianCalls).toHaveLength(1);
    expect(patientCalls).toEqual(clinicianCalls);
    const duplicates = (await patient.timeline()).filter((e) => e.event === 'signal-duplicate');
    expect(duplicates.length).toBeGreaterThan(0); // the duplicates did arrive, and were dropped
  });

  it('(e) hang-up from either side ends the call for both; the next call in the same consultation works', async () => {
    relay = await suite.relay();
    const clinician = await open('clinician');
    const code = await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
    const patient = await open('patient');
    await patient.joinConsultation(code, 'Farah Haddad');

    await clinician.admit('Farah Haddad');
    await expectConnected(clinician, patient);
    await clinician.hangUp();
    await patient.waitForState('ended');
    await clinician.waitForState('ended');

    await clinician.admit('Farah Haddad');
    await expectConnected(clinician, patient);
    await patient.hangUp();
    await clinician.waitForState('ended');
    await patient.waitForState('ended');

    const calls = callStarts(await clinician.timeline());
    expect(calls).toHaveLength(2);
    expect(new Set(calls).size).toBe(2);
  });

  // Four windows on two cores: under load each takes 2 to 4 s just to open (measured); 60 s did not always do.
  it('(f) two consultations on one relay at once never cross', async () => {
    relay = await suite.relay();
    const doctorA = await open('clinician A');
    const doctorB = await open('clinician B');
    const codeA = await doctorA.openConsultation(await relay.staffCode('Dr. Adams'));
    const codeB = await doctorB.openConsultation(await relay.staffCode('Dr. Baker'));
    expect(codeA).not.toBe(codeB);
    const patientA = await open('patient A');
    const patientB = await open('patient B');
    await patientA.joinConsultation(codeA, 'Gus Adler');
    await patientB.joinConsultation(codeB, 'Hana Bauer');

    // Each clinician sees only their own patient.
    await expect
      .poll(() => doctorA.page.locator('[data-testid="waiting-patient"]').allTextContents())
      .toEqual([expect.stringContaining('Gus Adler')]);
    await expect
      .poll(() => doctorB.page.locator('[data-testid="waiting-patient"]').allTextContents())
      .toEqual([expect.stringContaining('Hana Bauer')]);

    await doctorA.admit('Gus Adler');
    await doctorB.admit('Hana Bauer');
    await expectCallsConnected([doctorA, patientA], [doctorB, patientB]);
    // Four senders, eight different streams: each side hearing only its own peer's SSRCs tells the calls apart.
    const sent = await Promise.all([doctorA, patientA, doctorB, patientB].map(async (side) => (await callMedia(side))?.sent ?? []));
    expect(new Set(sent.flat()).size).toBe(8);

    const [callA] = callStarts(await doctorA.timeline());
    const [callB] = callStarts(await doctorB.timeline());
    expect(callStarts(await patientA.timeline())).toEqual([callA]);
    expect(callStarts(await patientB.timeline())).toEqual([callB]);
    expect(callA).not.toBe(callB);
    await expect(patientA.page.getByRole('region', { name: 'Consultation with Dr. Adams' }).count()).resolves.toBe(1);
    await expect(patientB.page.getByRole('region', { name: 'Consultation with Dr. Baker' }).count()).resolves.toBe(1);

    // Ending one call leaves the other untouched.
    await doctorA.hangUp();
    await patientA.waitForState('ended');
    await expectCallsConnected([doctorB, patientB]);
    expect(await doctorB.state()).toBe('connected');
  }, 120_000);

  it('(g) patient reloads mid-call: the call restarts by itself and media flows again', async () => {
    relay = await suite.relay();
    const clinician = await open('clinician');
    const code = await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
    const patient = await open('patient');
    await patient.joinConsultation(code, 'Noor Aziz');
    await clinician.admit('Noor Aziz');
    await expectConnected(clinician, patient);

    await patient.page.reload();
    // The reloaded page resumes its place without a call; the relay replaces the call, the clinician's
    // side shows it reconnecting, and both get a fresh peer: nobody clicks anything.
    await expectConnected(clinician, patient);
    const calls = callStarts(await clinician.timeline());
    expect(calls).toHaveLength(2);
    expect((await clinician.timeline()).some((e) => e.event === 'call-restart')).toBe(true);
    expect(callStarts(await patient.timeline())).toEqual([calls[1]]);
  });

  it('(h) the TURN server configured is down: the relay-first call falls back to direct paths and connects', async () => {
    // Port 9 (discard) on loopback: nothing listens, so no relay candidate can ever be gathered.
    relay = await suite.relay({
      ice: {
        stunUrls: [],
        turnUrls: ['turn:127.0.0.1:9?transport=udp'],
        turnSecret: 'e2e-test-secret-0123456789',
        turnTtlSeconds: 600,
        relayOnly: false,
      },
    });
    const clinician = await open('clinician');
    const code = await clinician.openConsultation(await relay.staffCode('Dr. Rivera'));
    const patient = await open('patient');
    await patient.joinConsultation(code, 'Iris Novak');
    await clinician.admit('Iris Novak');
    await expectConnected(clinician, patient);
    const timeline = await clinician.timeline();
    expect(timeline.find((e) => e.event === 'ice-plan')?.detail).toBe('starts relay, widens to all');
    // The initiator widened: at the deadline here (Chromium keeps retrying a silent TURN server, so its
    // gathering does not end early), or at once where the server refuses or the gathering ends empty.
    expect(timeline.find((e) => e.event === 'ice-widened')?.detail).toMatch(/^(no-relay-candidates|deadline)$/);
    expect((await patient.timeline()).find((e) => e.event === 'ice-widened')?.detail).toBe('initiator-restarted');
    expect(callStarts(timeline)).toHaveLength(1);
  });
});
