/**
 * Why a call could not connect, named from evidence rather than guessed: which ICE servers were configured,
 * which candidate types each side gathered, and what the TURN server answered. Pure: unit-tested with
 * hand-made evidence, fed by the call session with real candidates.
 */

export type CandidateType = 'host' | 'srflx' | 'prflx' | 'relay';

export interface CandidateSummary {
  host: number;
  srflx: number;
  prflx: number;
  relay: number;
  /** How this side reached its TURN server for each relay candidate: udp, tcp or tls (local side only). */
  relayProtocols: string[];
}

export interface IceEvidence {
  configured: { stun: boolean; turn: boolean; relayOnly: boolean };
  local: CandidateSummary;
  remote: CandidateSummary;
  /** `icecandidateerror` events: 401/403/437/441 are refusals, 701 an unreachable server. */
  candidateErrors: { url: string; errorCode: number; errorText: string }[];
}

export type DiagnosisCode =
  | 'NO_TURN_CONFIGURED'
  | 'TURN_CREDENTIALS_REJECTED'
  | 'TURN_UNREACHABLE'
  | 'REMOTE_TURN_UNREACHABLE'
  | 'REMOTE_SENT_NO_CANDIDATES'
  | 'RELAY_PATH_FAILED';

export interface Diagnosis {
  code: DiagnosisCode;
  /** What happened, for the person in the call. */
  summary: string;
  /** What to do, for the person or for IT. */
  advice: string;
  /** Extra observations (e.g. UDP blocked here, TCP used). */
  notes: string[];
  evidence: IceEvidence;
}

export function emptyCandidates(): CandidateSummary {
  return { host: 0, srflx: 0, prflx: 0, relay: 0, relayProtocols: [] };
}

/** Reads `typ` and the transport of an ICE candidate line ("candidate:1 1 udp 2122260223 10.0.0.2 5000 typ host ..."). */
export function parseCandidateLine(line: string): { type: CandidateType; protocol: string } | null {
  const match = /^(?:a=)?candidate:\S+ \d+ (\w+) \d+ \S+ \d+ typ (host|srflx|prflx|relay)\b/i.exec(line.trim());
  if (!match?.[1] || !match[2]) return null;
  return { protocol: match[1].toLowerCase(), type: match[2].toLowerCase() as CandidateType };
}

export function countCandidate(summary: CandidateSummary, type: CandidateType): void {
  summary[type] += 1;
}

const total = (s: CandidateSummary): number => s.host + s.srflx + s.prflx + s.relay;
const AUTH_ERRORS = new Set([401, 403, 437, 441]);

export function diagnoseConnectionFailure(evidence: IceEvidence): Diagnosis {
  const { configured, local, remote, candidateErrors } = evidence;
  const notes: string[] = [];
  if (local.relay > 0 && local.relayProtocols.length > 0 && !local.relayProtocols.includes('udp')) {
    notes.push(`UDP to the TURN server is blocked on this network; it was reached over ${local.relayProtocols.join('/').toUpperCase()}.`);
  }
  if (configured.relayOnly) notes.push('Clinic policy: calls go only through the TURN server.');
  const make = (code: DiagnosisCode, summary: string, advice: string): Diagnosis => ({ code, summary, advice, notes, evidence });

  if (!configured.turn) {
    return make(
      'NO_TURN_CONFIGURED',
      'The two computers could not reach each other directly, and no TURN server is configured to relay the call.',
      'Ask IT to configure a TURN server on the clinic relay (see the README, "TURN"). Calls on the same network still work without one.',
    );
  }
  if (local.relay === 0) {
    const refused = candidateErrors.find((e) => AUTH_ERRORS.has(e.errorCode));
    if (refused) {
      return make(
        'TURN_CREDENTIALS_REJECTED',
        `The TURN server refused this computer's credentials (${refused.errorCode} ${refused.errorText}).`,
        "IT: the relay's TURN secret must equal coturn's static-auth-secret, and the relay's clock must be right.",
      );
    }
    return make(
      'TURN_UNREACHABLE',
      'This computer could not reach the TURN server, over UDP or TCP.',
      'This network blocks the TURN ports (3478 UDP/TCP, 5349 TLS). Try another network, or ask IT to offer TURN over TLS on port 443.',
    );
  }
  if (total(remote) === 0) {
    return make(
      'REMOTE_SENT_NO_CANDIDATES',
      'No network addresses arrived from the other side.',
      'The other side may have lost its connection while the call was set up. Try admitting again.',
    );
  }
  if (remote.relay === 0) {
    return make(
      'REMOTE_TURN_UNREACHABLE',
      'The other side could not reach the TURN server, so the call could not be relayed.',
      'The other side is on a network that blocks the TURN ports; they could try another network (e.g. mobile data).',
    );
  }
  return make(
    'RELAY_PATH_FAILED',
    'Both sides reached the TURN server, but no connection worked through it.',
    "IT: check coturn's relay port range is open and its denied-peer-ip rules do not block the relayed addresses.",
  );
}
