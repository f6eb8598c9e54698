/**
 * Network check: the relay answers and how fast, and (when the relay has ICE servers, handed out with
 * short-lived TURN credentials for this check) whether STUN and TURN candidates can be gathered here over UDP
 * and TCP.
 */
import type { IceSettings } from '../../../signaling/protocol';
import { encode, parseServerMessage } from '../../../signaling/protocol';
import type { CheckLine } from './check-line';

export async function pingRelay(relayUrl: string, timeoutMs = 5000, WebSocketImpl: typeof WebSocket = WebSocket): Promise<number | null> {
  return new Promise((resolve) => {
    const socket = new WebSocketImpl(relayUrl);
    const started = performance.now();
    const done = (rtt: number | null): void => {
      clearTimeout(timer);
      socket.onopen = socket.onmessage = socket.onerror = null;
      socket.close();
      resolve(rtt);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.onopen = () => socket.send(encode({ type: 'ping', t: Date.now() }));
    socket.onmessage = (event: MessageEvent) => {
      const parsed = typeof event.data === 'string' ? parseServerMessage(event.data) : null;
      if (parsed?.ok && parsed.message.type === 'pong') done(performance.now() - started);
    };
    socket.onerror = () => done(null);
  });
}

export function judgeRelay(rttMs: number | null): CheckLine {
  if (rttMs === null)
    return {
      id: 'relay',
      label: 'Clinic server',
      status: 'fail',
      detail: 'The clinic server does not answer. Check the network or the server address.',
    };
  const ms = Math.round(rttMs);
  if (ms > 400) return { id: 'relay', label: 'Clinic server', status: 'warn', detail: `Reachable, but slow (${ms} ms round trip).` };
  return { id: 'relay', label: 'Clinic server', status: 'pass', detail: `Reachable (${ms} ms round trip).` };
}

export interface GatheredCandidates {
  srflx: number;
  /** Transports over which a TURN relay candidate was obtained: udp, tcp, tls. */
  relayProtocols: string[];
}

/** Gathers candidates with the relay's ICE servers, without calling anyone. */
export async function gatherCandidates(ice: IceSettings, timeoutMs = 6000): Promise<GatheredCandidates> {
  const pc = new RTCPeerConnection({ iceServers: ice.iceServers, iceTransportPolicy: 'all' });
  const result: GatheredCandidates = { srflx: 0, relayProtocols: [] };
  try {
    pc.createDataChannel('probe');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      pc.onicecandidate = (event) => {
        const candidate = event.candidate as (RTCIceCandidate & { relayProtocol?: string | null }) | null;
        if (!candidate) {
          clearTimeout(timer);
          resolve();
          return;
        }
        if (candidate.type === 'srflx') result.srflx += 1;
        if (candidate.type === 'relay' && candidate.relayProtocol && !result.relayProtocols.includes(candidate.relayProtocol)) {
          result.relayProtocols.push(candidate.relayProtocol);
        }
      };
      void pc.createOffer().then((offer) => pc.setLocalDescription(offer));
    });
  } finally {
    pc.close();
  }
  return result;
}

/** `ice` null: the relay did not hand out its ICE settings for the check (no answer, or refused). */
export function judgeIce(ice: IceSettings | null, gathered: GatheredCandidates | null): CheckLine {
  const label = 'Connection from outside';
  if (!ice) {
    return {
      id: 'ice',
      label,
      status: 'fail',
      detail: 'The clinic server did not send its connection settings, so this could not be checked. Try again.',
    };
  }
  const urls = ice.iceServers.flatMap((server) => server.urls);
  const hasTurn = urls.some((url) => url.startsWith('turn'));
  const hasStun = urls.some((url) => url.startsWith('stun'));
  if (!hasTurn && !hasStun) {
    return {
      id: 'ice',
      label,
      status: 'warn',
      detail: 'No STUN/TURN server is configured: calls work inside the clinic network, but may fail from outside.',
    };
  }
  if (!gathered) return { id: 'ice', label, status: 'fail', detail: 'The network check could not run.' };
  if (hasTurn) {
    if (gathered.relayProtocols.includes('udp'))
      return { id: 'ice', label, status: 'pass', detail: 'The TURN server is reachable over UDP: calls can connect from any network.' };
    if (gathered.relayProtocols.length > 0) {
      return {
        id: 'ice',
        label,
        status: 'warn',
        detail:
          `UDP is blocked here; the TURN server is reachable over ${gathered.relayProtocols.join('/').toUpperCase()} ` +
          '(calls work, with a little more delay).',
      };
    }
    return { id: 'ice', label, status: 'fail', detail: 'The TURN server cannot be reached from this network: calls from here may fail.' };
  }
  return gathered.srflx > 0
    ? { id: 'ice', label, status: 'pass', detail: 'The STUN server answers over UDP.' }
    : { id: 'ice', label, status: 'fail', detail: 'The STUN server does not answer: UDP may be blocked on this network.' };
}
