import { useState } from 'react';
import { CandidateTable, SelectedPairTable } from './CandidateTables';
import { useDiagnosticsServices, useDiagnosticsState } from './diagnostics-context';
import * as f from './format';
import { MediaTable } from './MediaTable';
import { Sparkline } from './Sparkline';
import type { DiagnosticsState } from './stats/collector';
import { TimelineTable } from './TimelineTable';

type ExportStatus = { kind: 'idle' } | { kind: 'busy' } | { kind: 'done'; text: string } | { kind: 'error'; text: string };

/** Everything the collector knows about the call, for support: states, path, media, graphs, events. */
export function DiagnosticsPanel({ id }: { id: string }) {
  const services = useDiagnosticsServices();
  const state = useDiagnosticsState();
  const [exportStatus, setExportStatus] = useState<ExportStatus>({ kind: 'idle' });
  const [includeAddresses, setIncludeAddresses] = useState(false);
  if (!services || !state) return null;

  const onExport = async () => {
    setExportStatus({ kind: 'busy' });
    try {
      const result = await services.exportReport({ includeAddresses });
      const text = !result.saved ? 'Not saved.' : result.path ? `Saved to ${result.path}.` : 'Diagnostics downloaded.';
      setExportStatus({ kind: 'done', text });
    } catch (err) {
      setExportStatus({ kind: 'error', text: `Could not export: ${err instanceof Error ? err.message : String(err)}` });
    }
  };

  return (
    <section id={id} className="diagnostics" data-testid="diagnostics" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Connection details</h2>
      <p className="diagnostics__quality" data-testid="diagnostics-quality">
        Quality: <strong>{state.quality?.level ?? 'measuring…'}</strong>
        {state.quality?.percent !== null && state.quality?.percent !== undefined ? ` (${state.quality.percent} %)` : ''}
        {state.quality ? ` — ${state.quality.reason}` : ''}
      </p>

      <div className="diagnostics__grid">
        <div>
          <h3>Connection states</h3>
          <StatesTable state={state} />
        </div>
        <div>
          <h3>Selected path</h3>
          <SelectedPairTable pair={state.sample?.pair ?? null} />
        </div>
      </div>

      <h3>Media</h3>
      <MediaTable streams={state.sample?.streams ?? []} />

      <h3>Last 60 seconds</h3>
      <Graphs state={state} />

      <h3>Candidates</h3>
      <CandidateTable candidates={state.sample?.candidates ?? []} />

      <h3>Events</h3>
      <TimelineTable entries={state.timeline} />

      <div className="diagnostics__export">
        <label className="diagnostics__addresses">
          <input
            type="checkbox"
            data-testid="export-include-addresses"
            checked={includeAddresses}
            onChange={(event) => setIncludeAddresses(event.target.checked)}
          />
          Include network addresses (only when IT asks: they can show where you are)
        </label>
        <button
          type="button"
          className="button"
          data-testid="export-diagnostics"
          disabled={exportStatus.kind === 'busy'}
          onClick={() => void onExport()}
        >
          Export diagnostics
        </button>
        <span role="status" data-testid="export-status">
          {exportStatus.kind === 'done' || exportStatus.kind === 'error' ? exportStatus.text : ''}
        </span>
      </div>
    </section>
  );
}

function StatesTable({ state }: { state: DiagnosticsState }) {
  const rows: [string, string, string][] = [
    ['Clinic server (relay)', state.relay.status, 'relay'],
    ['Relay round-trip time', f.ms(state.relay.rttMs), 'relay-rtt'],
    ['Signaling', f.text(state.connection?.signaling), 'signaling'],
    ['ICE gathering', f.text(state.connection?.iceGathering), 'ice-gathering'],
    ['ICE connection', f.text(state.connection?.iceConnection), 'ice-connection'],
    ['Peer connection', f.text(state.connection?.connection), 'connection'],
  ];
  return (
    <table className="diagnostics__table diagnostics__table--keyed" data-testid="connection-states">
      <caption className="visually-hidden">Connection states</caption>
      <tbody>
        {rows.map(([label, value, key]) => (
          <tr key={key} data-state-of={key}>
            <th scope="row">{label}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Graphs({ state }: { state: DiagnosticsState }) {
  const times = state.history.map((p) => p.t);
  const pick = (key: 'sendKbps' | 'recvKbps' | 'rttMs' | 'lossPct' | 'fps') => state.history.map((p) => p[key]);
  return (
    <div className="diagnostics__graphs">
      <Sparkline
        testId="graph-bitrate"
        title="Bitrate"
        unit="kbps"
        times={times}
        series={[
          { name: 'sent', values: pick('sendKbps') },
          { name: 'received', values: pick('recvKbps') },
        ]}
      />
      <Sparkline testId="graph-rtt" title="Round-trip time" unit="ms" times={times} series={[{ name: 'media', values: pick('rttMs') }]} />
      <Sparkline
        testId="graph-loss"
        title="Incoming packet loss"
        unit="%"
        times={times}
        series={[{ name: 'worst stream', values: pick('lossPct') }]}
      />
      <Sparkline
        testId="graph-fps"
        title="Incoming video"
        unit="frames/s"
        times={times}
        series={[{ name: 'received', values: pick('fps') }]}
      />
    </div>
  );
}
