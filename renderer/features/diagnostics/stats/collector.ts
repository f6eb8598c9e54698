/**
 * The diagnostics collector: framework-free, one `getStats()` per tick (1 s) on the current call's peer
 * connection, figures derived here (derive.ts, quality.ts), a 60 s history for the graphs. React only reads
 * `getSnapshot()` through `subscribe()`.
 *
 * It follows the engine in use (`current()`; the engine is replaced when the relay changes, announced by
 * `onSourceChange`) and ticks only while that engine is in a call: no timer runs between calls. The last
 * figures stay readable after a call ends (for an export), until the next call starts.
 */
import { type EngineSnapshot, isCallPhase } from '../../../engine/engine';
import type { TimelineEntry } from '../../../engine/timeline';
import type { RelayStatus } from '../../../engine/transport';
import { deriveSample, inboundPackets, type StatsSample, streamOf } from './derive';
import { assessQuality, LOST_AFTER_MS, type QualityAssessment } from './quality';
import { type RawStat, type StatsMap, type StatsSource, toStatsMap } from './stats-map';

/** The part of the engine's state the collector reads. */
export type CallSnapshot = Pick<
  EngineSnapshot,
  'phase' | 'callId' | 'relay' | 'selfName' | 'peer' | 'consultation' | 'waitingRoom' | 'invites' | 'lowBandwidth'
>;

/** What the collector needs from the engine; `ConsultEngine` satisfies it. */
export interface CallSource {
  readonly peerConnection: RTCPeerConnection | null;
  readonly timeline: { list(): readonly TimelineEntry[] };
  getSnapshot(): CallSnapshot;
  subscribe(listener: () => void): () => void;
}

export interface ConnectionStates {
  signaling: string;
  iceGathering: string;
  iceConnection: string;
  connection: string;
}

export interface HistoryPoint {
  t: number;
  sendKbps: number | null;
  recvKbps: number | null;
  rttMs: number | null;
  /** The worse of incoming audio and video loss, %. */
  lossPct: number | null;
  /** Frames per second of the incoming video. */
  fps: number | null;
}

/** ICE configuration as the export may show it: server addresses and whether they carry credentials. */
export interface IceSummary {
  iceServers: { urls: string[]; hasCredential: boolean }[];
  iceTransportPolicy: string;
}

export interface DiagnosticsState {
  /** True while a call is on and the collector ticks. */
  running: boolean;
  callId: string | null;
  relay: { status: RelayStatus; rttMs: number | null };
  connection: ConnectionStates | null;
  sample: StatsSample | null;
  quality: QualityAssessment | null;
  /** Oldest first, at most `historyMs` long. */
  history: readonly HistoryPoint[];
  timeline: readonly TimelineEntry[];
  ice: IceSummary | null;
}

/** What an export takes from the collector beyond its state. */
export interface CollectorRecord {
  state: DiagnosticsState;
  /** The derived samples of the last `historyMs`, oldest first. */
  samples: readonly StatsSample[];
  /** The last raw report, without certificates. */
  lastReport: readonly RawStat[];
  /** Names of people and consultation codes seen during this session, to scrub from exports. */
  sensitive: readonly string[];
}

export interface CollectorOptions {
  current: () => CallSource;
  /** Called with a listener; calls it whenever `current()` returns another engine. Returns an unsubscribe. */
  onSourceChange: (listener: () => void) => () => void;
  /** Round-trip time of the relay heartbeat, ms. */
  relayRttMs: () => number | null;
  intervalMs?: number;
  historyMs?: number;
  now?: () => number;
}

const EMPTY: DiagnosticsState = {
  running: false,
  callId: null,
  relay: { status: 'closed', rttMs: null },
  connection: null,
  sample: null,
  quality: null,
  history: [],
  timeline: [],
  ice: null,
};

export class StatsCollector {
  private state: DiagnosticsState = EMPTY;
  private readonly listeners = new Set<() => void>();
  private readonly options: Required<Omit<CollectorOptions, 'now'>> & { now: () => number };
  private source: CallSource | null = null;
  private unsubscribeSource: (() => void) | null = null;
  private unsubscribeHost: (() => void) | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private inFlight = false;
  private previous: { pc: RTCPeerConnection; map: StatsMap } | null = null;
  private samples: StatsSample[] = [];
  private lastReport: RawStat[] = [];
  private mediaStartedAt: number | null = null;
  private lastInboundAt = 0;
  private lastInboundPackets = 0;
  private readonly sensitive = new Set<string>();

  constructor(options: CollectorOptions) {
    this.options = { intervalMs: 1000, historyMs: 60_000, now: () => Date.now(), ...options };
  }

  /** Starts following the engine in use. Returns a function that stops everything. */
  start(): () => void {
    this.follow();
    this.unsubscribeHost = this.options.onSourceChange(() => this.follow());
    return () => this.stop();
  }

  stop(): void {
    this.unsubscribeHost?.();
    this.unsubscribeHost = null;
    this.unsubscribeSource?.();
    this.unsubscribeSource = null;
    this.source = null;
    this.stopTicking();
  }

  getSnapshot = (): DiagnosticsState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** True while a timer is set (tests and the benchmark check that nothing ticks between calls). */
  get ticking(): boolean {
    return this.timer !== null;
  }

  record(): CollectorRecord {
    return { state: this.state, samples: [...this.samples], lastReport: [...this.lastReport], sensitive: [...this.sensitive] };
  }

  /** One collection, now (the timer calls this; tests call it directly). */
  async tick(): Promise<void> {
    const source = this.source;
    const pc = source?.peerConnection ?? null;
    if (!source || this.inFlight) return;
    if (!pc) {
      // Between two peers of one call (recovery): nothing to ask, but the indicator must not freeze on "good".
      this.noteNoConnection();
      return;
    }
    const callId = source.getSnapshot().callId;
    this.inFlight = true;
    let report: StatsSource;
    try {
      report = (await pc.getStats()) as unknown as StatsSource;
    } catch {
      return; // the connection closed under us; the next tick (if any) sees the new state
    } finally {
      this.inFlight = false;
    }
    // The call may have ended or changed while getStats ran: drop a stale report.
    if (this.source !== source || source.peerConnection !== pc || source.getSnapshot().callId !== callId) return;
    this.absorb(source, pc, toStatsMap(report));
  }

  // ---- internals ---------------------------------------------------------------------------------------------

  private follow(): void {
    const next = this.options.current();
    if (next === this.source) return;
    this.unsubscribeSource?.();
    this.source = next;
    this.unsubscribeSource = next.subscribe(() => this.onSourceUpdate());
    this.onSourceUpdate();
  }

  private onSourceUpdate(): void {
    const source = this.source;
    if (!source) return;
    const snapshot = source.getSnapshot();
    this.remember(snapshot);
    const inCall = isCallPhase(snapshot.phase);
    if (inCall && snapshot.callId !== this.state.callId) this.beginCall(snapshot.callId);
    if (inCall) this.startTicking();
    else this.stopTicking();
    const relay = { status: snapshot.relay, rttMs: this.options.relayRttMs() };
    if (relay.status !== this.state.relay.status || this.state.running !== inCall) {
      this.publish({ relay, running: inCall, timeline: [...source.timeline.list()] });
    }
  }

  private beginCall(callId: string | null): void {
    const now = this.options.now();
    this.previous = null;
    this.samples = [];
    this.lastReport = [];
    this.mediaStartedAt = null;
    this.lastInboundAt = now;
    this.lastInboundPackets = 0;
    this.publish({ ...EMPTY, callId, relay: this.state.relay });
  }

  private startTicking(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs);
  }

  private stopTicking(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private absorb(source: CallSource, pc: RTCPeerConnection, map: StatsMap): void {
    const now = this.options.now();
    const samePeer = this.previous?.pc === pc;
    const previous = samePeer ? (this.previous?.map ?? null) : null;
    this.previous = { pc, map };
    if (!samePeer) this.lastInboundPackets = 0; // a new peer's counters start again from zero
    const sample = deriveSample(previous, map);
    this.lastReport = [...map.values()].filter((stat) => stat.type !== 'certificate');

    const packets = inboundPackets(sample);
    if (packets > this.lastInboundPackets) {
      this.lastInboundAt = now;
      this.mediaStartedAt ??= now;
    }
    this.lastInboundPackets = Math.max(packets, this.lastInboundPackets);

    const connection: ConnectionStates = {
      signaling: pc.signalingState,
      iceGathering: pc.iceGatheringState,
      iceConnection: pc.iceConnectionState,
      connection: pc.connectionState,
    };
    const sendVideo = streamOf(sample, 'outbound', 'video');
    const capKbps = source.getSnapshot().lowBandwidth.videoCapKbps;
    const worst = (direction: 'outbound' | 'inbound'): number | null => {
      const values = sample.streams
        .filter((s) => s.direction === direction && s.packetLossPct !== null)
        .map((s) => s.packetLossPct as number);
      return values.length ? Math.max(...values) : null;
    };
    const quality = assessQuality({
      connectionState: connection.connection,
      msSinceInboundMedia: now - this.lastInboundAt,
      msSinceMediaStart: this.mediaStartedAt === null ? 0 : now - this.mediaStartedAt,
      sendVideo,
      sendVideoCapBps: capKbps === null ? null : capKbps * 1000,
      availableOutgoingBitrateBps: sample.pair?.availableOutgoingBitrateBps ?? null,
      outboundLossPct: worst('outbound'),
      inboundLossPct: worst('inbound'),
    });

    const keepFrom = now - this.options.historyMs;
    this.samples = [...this.samples.filter((s) => s.t >= sample.t - this.options.historyMs), sample];
    const history = [...this.state.history.filter((p) => p.t > keepFrom), historyPoint(now, sample, worst('inbound'))];
    const snapshot = source.getSnapshot();
    this.publish({
      running: true,
      callId: snapshot.callId,
      relay: { status: snapshot.relay, rttMs: this.options.relayRttMs() },
      connection,
      sample,
      quality,
      history,
      timeline: [...source.timeline.list()],
      ice: this.state.ice ?? iceSummary(pc),
    });
  }

  private noteNoConnection(): void {
    const silentMs = this.options.now() - this.lastInboundAt;
    if (silentMs < LOST_AFTER_MS || this.state.quality?.level === 'lost') return;
    this.publish({
      connection: null,
      quality: { level: 'lost', percent: null, reason: `no connection for ${Math.floor(silentMs / 1000)} s` },
    });
  }

  /** Names, invite codes and links that must never leave the machine in an export. */
  private remember(snapshot: CallSnapshot): void {
    const add = (value: string | null | undefined): void => {
      if (value && value.trim().length >= 2) this.sensitive.add(value.trim());
    };
    add(snapshot.selfName);
    add(snapshot.peer?.name);
    add(snapshot.consultation?.clinicianName);
    for (const invite of snapshot.invites) {
      add(invite.expectedName);
      add(invite.shortCode);
      add(invite.shortCode.replace(/-/g, '')); // the same code as typed or normalized
      add(invite.secret);
    }
    for (const patient of snapshot.waitingRoom) {
      add(patient.name);
      add(patient.invitedAs);
    }
  }

  private publish(patch: Partial<DiagnosticsState>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of [...this.listeners]) listener();
  }
}

function historyPoint(t: number, sample: StatsSample, inboundLossPct: number | null): HistoryPoint {
  const total = (direction: 'outbound' | 'inbound'): number | null => {
    const rates = sample.streams.filter((s) => s.direction === direction && s.bitrateBps !== null).map((s) => s.bitrateBps as number);
    return rates.length ? rates.reduce((a, b) => a + b, 0) / 1000 : null;
  };
  return {
    t,
    sendKbps: total('outbound'),
    recvKbps: total('inbound'),
    rttMs: sample.rttMs,
    lossPct: inboundLossPct,
    fps: streamOf(sample, 'inbound', 'video')?.fps ?? null,
  };
}

/** Server addresses only: usernames and credentials (TURN secrets) are left out. */
export function iceSummary(pc: Pick<RTCPeerConnection, 'getConfiguration'>): IceSummary {
  const config = pc.getConfiguration();
  return {
    iceServers: (config.iceServers ?? []).map((server) => ({
      // `turn:user:password@host` is not valid, but a hand-written configuration may still carry it.
      urls: (Array.isArray(server.urls) ? server.urls : [server.urls]).map((url) => url.replace(/^([a-z]+:)(\/\/)?[^@/?]*@/i, '$1$2')),
      hasCredential: Boolean(server.username || server.credential),
    })),
    iceTransportPolicy: config.iceTransportPolicy ?? 'all',
  };
}
