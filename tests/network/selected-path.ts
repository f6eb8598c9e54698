/**
 * Which path the media took: the selected ICE candidate pair from getStats. The app's diagnostics hook does
 * not expose it (yet), so a test-only init script records every RTCPeerConnection the page creates (the
 * engine's peer class extends the global one at call time) and we read stats from the newest.
 */
import type { Page } from 'playwright-core';

declare global {
  interface Window {
    __networkTestPeers?: RTCPeerConnection[];
  }
}

/**
 * Page init script (source text: it must not depend on bundler helpers). Besides the connections, it keeps
 * each one's history: the policy it started with, when it first connected, and the type of every candidate
 * it gathered, with times — so a test can tell which path a call connected on before it was widened.
 */
export const RECORD_PEER_CONNECTIONS = `(() => {
  const Native = window.RTCPeerConnection;
  const peers = [];
  const histories = [];
  class RecordedPeerConnection extends Native {
    constructor(...args) {
      super(...args);
      peers.push(this);
      const history = { startPolicy: this.getConfiguration().iceTransportPolicy, connectedAt: null, candidates: [] };
      histories.push(history);
      this.addEventListener('icecandidate', (event) => {
        if (event.candidate) history.candidates.push({ t: Date.now(), type: event.candidate.type });
      });
      this.addEventListener('connectionstatechange', () => {
        if (this.connectionState === 'connected' && history.connectedAt === null) history.connectedAt = Date.now();
      });
    }
  }
  window.RTCPeerConnection = RecordedPeerConnection;
  Object.defineProperty(window, '__networkTestPeers', { value: peers });
  Object.defineProperty(window, '__networkTestPeerHistories', { value: histories });
})();`;

export interface PeerHistory {
  /** The iceTransportPolicy the connection was created with. */
  startPolicy: string;
  /** Epoch ms of the first `connected`, or null. */
  connectedAt: number | null;
  /** Every local candidate gathered, in order (epoch ms and type). */
  candidates: { t: number; type: string }[];
}

/** The newest connection's history (see RECORD_PEER_CONNECTIONS). */
export async function peerHistory(page: Page): Promise<PeerHistory | null> {
  return page.evaluate(() => {
    const histories = (window as unknown as { __networkTestPeerHistories?: PeerHistory[] }).__networkTestPeerHistories ?? [];
    const newest = histories[histories.length - 1];
    return newest ? { ...newest, candidates: [...newest.candidates] } : null;
  });
}

/** Candidate types gathered before the connection first connected (what it could have connected on). */
export function typesBeforeConnected(history: PeerHistory | null): string[] {
  if (!history?.connectedAt) return [];
  const connectedAt = history.connectedAt;
  return [...new Set(history.candidates.filter((c) => c.t <= connectedAt).map((c) => c.type))].sort();
}

export interface CandidateInfo {
  candidateType: string;
  protocol: string;
  /** For relay candidates: how this side reaches the TURN server (udp, tcp, tls). */
  relayProtocol: string | null;
  address: string;
}

export interface SelectedPath {
  connectionState: string;
  local: CandidateInfo;
  remote: CandidateInfo;
  /** Every candidate type this side gathered (e.g. host, srflx, relay/udp). */
  gathered: string[];
  peersCreated: number;
}

/** The selected pair of the page's newest peer connection, or null when none is selected. */
export async function selectedPath(page: Page): Promise<SelectedPath | null> {
  return page.evaluate(async () => {
    const peers = window.__networkTestPeers ?? [];
    const pc = peers[peers.length - 1];
    if (!pc) return null;
    const stats = new Map<string, Record<string, unknown>>();
    (await pc.getStats()).forEach((stat: Record<string, unknown>) => {
      stats.set(String(stat.id), stat);
    });
    const describe = (id: unknown) => {
      const c = stats.get(String(id)) ?? {};
      return {
        candidateType: String(c.candidateType ?? ''),
        protocol: String(c.protocol ?? ''),
        relayProtocol: c.relayProtocol ? String(c.relayProtocol) : null,
        address: String(c.address ?? ''),
      };
    };
    const gathered = new Set<string>();
    let pairId: unknown = null;
    for (const stat of stats.values()) {
      if (stat.type === 'transport' && stat.selectedCandidatePairId) pairId = stat.selectedCandidatePairId;
      if (stat.type === 'local-candidate')
        gathered.add(stat.relayProtocol ? `${String(stat.candidateType)}/${String(stat.relayProtocol)}` : String(stat.candidateType));
    }
    const pair = pairId ? stats.get(String(pairId)) : undefined;
    if (!pair) return null;
    return {
      connectionState: pc.connectionState,
      local: describe(pair.localCandidateId),
      remote: describe(pair.remoteCandidateId),
      gathered: [...gathered].sort(),
      peersCreated: peers.length,
    };
  });
}

/** "relay/udp -> prflx" style, for reports. */
export function describePair(path: SelectedPath | null): string {
  if (!path) return 'none';
  const end = (c: CandidateInfo) => (c.relayProtocol ? `${c.candidateType}/${c.relayProtocol}` : `${c.candidateType}/${c.protocol}`);
  return `${end(path.local)} -> ${end(path.remote)}`;
}
