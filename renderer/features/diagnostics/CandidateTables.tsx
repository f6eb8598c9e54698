import * as f from './format';
import type { CandidateInfo, SelectedPair } from './stats/derive';

function describe(candidate: CandidateInfo | null): string {
  if (!candidate) return '—';
  const relay = candidate.relayProtocol ? ` via ${candidate.relayProtocol}` : '';
  return `${candidate.candidateType} / ${candidate.protocol}${relay} — ${f.text(candidate.address)}:${candidate.port ?? '—'}`;
}

/** The path ICE chose (host / srflx / prflx / relay, protocol), its round trip and the bandwidth estimate. */
export function SelectedPairTable({ pair }: { pair: SelectedPair | null }) {
  return (
    <table
      className="diagnostics__table diagnostics__table--keyed"
      data-testid="selected-pair"
      data-local-type={pair?.local?.candidateType ?? ''}
      data-remote-type={pair?.remote?.candidateType ?? ''}
      data-protocol={pair?.local?.protocol ?? ''}
    >
      <caption className="visually-hidden">Selected candidate pair</caption>
      <tbody>
        <tr>
          <th scope="row">This side</th>
          <td>{describe(pair?.local ?? null)}</td>
        </tr>
        <tr>
          <th scope="row">Other side</th>
          <td>{describe(pair?.remote ?? null)}</td>
        </tr>
        <tr>
          <th scope="row">Round-trip time</th>
          <td>{f.ms(pair?.rttMs)}</td>
        </tr>
        <tr>
          <th scope="row">Available outgoing bitrate</th>
          <td>{f.kbps(pair?.availableOutgoingBitrateBps)}</td>
        </tr>
      </tbody>
    </table>
  );
}

/** Every candidate gathered here and received from the other side. */
export function CandidateTable({ candidates }: { candidates: readonly CandidateInfo[] }) {
  return (
    <table className="diagnostics__table" data-testid="candidates">
      <caption className="visually-hidden">ICE candidates</caption>
      <thead>
        <tr>
          <th scope="col">Side</th>
          <th scope="col">Type</th>
          <th scope="col">Protocol</th>
          <th scope="col">Address</th>
          <th scope="col">Port</th>
        </tr>
      </thead>
      <tbody>
        {candidates.map((c) => (
          <tr key={c.id} data-side={c.side} data-type={c.candidateType}>
            <td>{c.side === 'local' ? 'This side' : 'Other side'}</td>
            <td>{c.candidateType}</td>
            <td>
              {c.protocol}
              {c.relayProtocol ? ` (to TURN: ${c.relayProtocol})` : ''}
            </td>
            <td>{f.text(c.address)}</td>
            <td>{c.port ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
