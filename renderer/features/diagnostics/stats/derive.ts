/**
 * From two consecutive `getStats()` reports to the figures people read: bitrates, loss, jitter, frame rate,
 * resolution, codec and the connection path. Pure: the collector calls it once per tick; tests call it on
 * reports recorded from Chromium.
 *
 * Rates are deltas of cumulative counters divided by the delta of the stats objects' own timestamps, so a
 * late tick does not inflate them. A counter that went backwards (a new stream, a new connection) gives no
 * rate rather than a negative one.
 */
import { num, type RawStat, type StatsMap, statsOfType, str } from './stats-map';

export type Direction = 'outbound' | 'inbound';
export type MediaKind = 'audio' | 'video';

export interface CandidateInfo {
  id: string;
  side: 'local' | 'remote';
  /** host / srflx / prflx / relay */
  candidateType: string;
  /** udp / tcp */
  protocol: string;
  address: string | null;
  port: number | null;
  /** For a local relay candidate: how this side reaches the TURN server (udp / tcp / tls). */
  relayProtocol: string | null;
}

export interface SelectedPair {
  local: CandidateInfo | null;
  remote: CandidateInfo | null;
  rttMs: number | null;
  availableOutgoingBitrateBps: number | null;
}

export interface StreamStats {
  direction: Direction;
  kind: MediaKind;
  bitrateBps: number | null;
  /** Outbound: the share the other side reported lost (RTCP fraction lost); inbound: lost in this interval. */
  packetLossPct: number | null;
  /** Outbound: jitter the other side measured; inbound: jitter measured here. */
  jitterMs: number | null;
  fps: number | null;
  width: number | null;
  height: number | null;
  /** e.g. "VP8", "opus" */
  codec: string | null;
  /** Outbound video: why the encoder holds back (none / bandwidth / cpu / other). */
  qualityLimitationReason: string | null;
  /** Cumulative packets sent or received. */
  packets: number;
}

export interface StatsSample {
  /** Epoch ms of the report. */
  t: number;
  /** In a fixed order: outbound audio, outbound video, inbound audio, inbound video (those present). */
  streams: StreamStats[];
  pair: SelectedPair | null;
  candidates: CandidateInfo[];
  /** The pair's RTT, or else the RTT the other side's receiver reports measured. */
  rttMs: number | null;
}

const STREAM_ORDER: [Direction, MediaKind][] = [
  ['outbound', 'audio'],
  ['outbound', 'video'],
  ['inbound', 'audio'],
  ['inbound', 'video'],
];

export function deriveSample(previous: StatsMap | null, current: StatsMap): StatsSample {
  const pair = selectedPair(current);
  const streams: StreamStats[] = [];
  for (const [direction, kind] of STREAM_ORDER) {
    const stat = mainRtp(current, direction === 'outbound' ? 'outbound-rtp' : 'inbound-rtp', kind);
    if (!stat) continue;
    const before = previous?.get(stat.id);
    streams.push(direction === 'outbound' ? outbound(current, stat, before) : inbound(current, stat, before));
  }
  return {
    t: latestTimestamp(current),
    streams,
    pair,
    candidates: [...statsOfType(current, 'local-candidate'), ...statsOfType(current, 'remote-candidate')].map(candidate),
    rttMs: pair?.rttMs ?? remoteRttMs(current),
  };
}

/** The pair ICE actually uses: the transport names it; without that, the nominated succeeded pair. */
export function selectedPair(map: StatsMap): SelectedPair | null {
  let stat: RawStat | undefined;
  for (const transport of statsOfType(map, 'transport')) {
    const id = str(transport, 'selectedCandidatePairId');
    if (id) stat = map.get(id);
    if (stat) break;
  }
  stat ??= statsOfType(map, 'candidate-pair').find((p) => p.nominated === true && p.state === 'succeeded');
  if (!stat) return null;
  const local = map.get(str(stat, 'localCandidateId') ?? '');
  const remote = map.get(str(stat, 'remoteCandidateId') ?? '');
  const rtt = num(stat, 'currentRoundTripTime');
  return {
    local: local ? candidate(local) : null,
    remote: remote ? candidate(remote) : null,
    rttMs: rtt === null ? null : rtt * 1000,
    availableOutgoingBitrateBps: num(stat, 'availableOutgoingBitrate'),
  };
}

function candidate(stat: RawStat): CandidateInfo {
  return {
    id: stat.id,
    side: stat.type === 'local-candidate' ? 'local' : 'remote',
    candidateType: str(stat, 'candidateType') ?? 'unknown',
    protocol: str(stat, 'protocol') ?? 'unknown',
    address: str(stat, 'address') ?? str(stat, 'ip'),
    port: num(stat, 'port'),
    relayProtocol: str(stat, 'relayProtocol'),
  };
}

/** With several streams of one kind (renegotiation leftovers), the one that carried the most bytes. */
function mainRtp(map: StatsMap, type: 'outbound-rtp' | 'inbound-rtp', kind: MediaKind): RawStat | undefined {
  const bytesField = type === 'outbound-rtp' ? 'bytesSent' : 'bytesReceived';
  let best: RawStat | undefined;
  for (const stat of statsOfType(map, type)) {
    if ((str(stat, 'kind') ?? str(stat, 'mediaType')) !== kind) continue;
    if (!best || (num(stat, bytesField) ?? 0) > (num(best, bytesField) ?? 0)) best = stat;
  }
  return best;
}

function outbound(map: StatsMap, stat: RawStat, before: RawStat | undefined): StreamStats {
  const kind = stat.kind === 'video' ? 'video' : 'audio';
  // The other side's receiver report about this stream.
  const report = statsOfType(map, 'remote-inbound-rtp').find((r) => r.localId === stat.id);
  const fractionLost = num(report, 'fractionLost');
  const jitter = num(report, 'jitter');
  return {
    direction: 'outbound',
    kind,
    bitrateBps: rate(stat, before, 'bytesSent', 8),
    packetLossPct: fractionLost === null ? null : fractionLost * 100,
    jitterMs: jitter === null ? null : jitter * 1000,
    fps: kind === 'video' ? (rate(stat, before, 'framesEncoded', 1) ?? num(stat, 'framesPerSecond')) : null,
    width: num(stat, 'frameWidth'),
    height: num(stat, 'frameHeight'),
    codec: codecName(map, stat),
    qualityLimitationReason: str(stat, 'qualityLimitationReason'),
    packets: num(stat, 'packetsSent') ?? 0,
  };
}

function inbound(map: StatsMap, stat: RawStat, before: RawStat | undefined): StreamStats {
  const kind = stat.kind === 'video' ? 'video' : 'audio';
  const jitter = num(stat, 'jitter');
  return {
    direction: 'inbound',
    kind,
    bitrateBps: rate(stat, before, 'bytesReceived', 8),
    packetLossPct: inboundLossPct(stat, before),
    jitterMs: jitter === null ? null : jitter * 1000,
    fps: kind === 'video' ? (rate(stat, before, 'framesDecoded', 1) ?? num(stat, 'framesPerSecond')) : null,
    width: num(stat, 'frameWidth'),
    height: num(stat, 'frameHeight'),
    codec: codecName(map, stat),
    qualityLimitationReason: null,
    packets: num(stat, 'packetsReceived') ?? 0,
  };
}

/**
 * Lost / expected over the interval; over the whole stream when there is no earlier report. `packetsLost`
 * can go negative (duplicates), so it is clamped. No packets expected in the interval: unknown, not 0 %.
 */
export function inboundLossPct(stat: RawStat, before: RawStat | undefined): number | null {
  const lost = num(stat, 'packetsLost') ?? 0;
  const received = num(stat, 'packetsReceived') ?? 0;
  const lostBefore = before ? (num(before, 'packetsLost') ?? 0) : 0;
  const receivedBefore = before ? (num(before, 'packetsReceived') ?? 0) : 0;
  if (received < receivedBefore) return null;
  const dLost = Math.max(0, lost - lostBefore);
  const dReceived = received - receivedBefore;
  const expected = dLost + dReceived;
  return expected > 0 ? (dLost / expected) * 100 : null;
}

/** Per second rate of a cumulative counter, times `factor` (8: bytes to bits). */
export function rate(stat: RawStat, before: RawStat | undefined, field: string, factor: number): number | null {
  if (!before) return null;
  const now = num(stat, field);
  const then = num(before, field);
  const seconds = (stat.timestamp - before.timestamp) / 1000;
  if (now === null || then === null || seconds <= 0 || now < then) return null;
  return ((now - then) * factor) / seconds;
}

function codecName(map: StatsMap, stat: RawStat): string | null {
  const mime = str(map.get(str(stat, 'codecId') ?? ''), 'mimeType');
  return mime === null ? null : (mime.split('/')[1] ?? mime);
}

function remoteRttMs(map: StatsMap): number | null {
  for (const report of statsOfType(map, 'remote-inbound-rtp')) {
    const rtt = num(report, 'roundTripTime');
    if (rtt !== null) return rtt * 1000;
  }
  return null;
}

function latestTimestamp(map: StatsMap): number {
  let latest = 0;
  for (const stat of map.values()) if (stat.timestamp > latest) latest = stat.timestamp;
  return latest;
}

/** Total inbound packets, audio and video: when this stops rising, no media is arriving. */
export function inboundPackets(sample: StatsSample): number {
  return sample.streams.filter((s) => s.direction === 'inbound').reduce((sum, s) => sum + s.packets, 0);
}

export function streamOf(sample: StatsSample | null, direction: Direction, kind: MediaKind): StreamStats | null {
  return sample?.streams.find((s) => s.direction === direction && s.kind === kind) ?? null;
}
