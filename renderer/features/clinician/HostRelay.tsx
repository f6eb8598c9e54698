import { useEffect, useState } from 'react';
import type { HostedRelayStatus } from '../../../contract/bridge';
import { hostedRelayAddresses } from '../../../contract/join-link';
import { useHost } from '../../bridge/bridge-context';

const DEFAULT_PORT = 8787;

/**
 * Desktop only: run the relay inside this app for a clinic without an IT server. Patients' apps connect
 * to one of the LAN addresses shown; this app itself uses loopback.
 */
export function HostRelay() {
  const { bridge, host } = useHost();
  const [status, setStatus] = useState<HostedRelayStatus | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (bridge.hostedRelay.supported) void bridge.hostedRelay.status().then(setStatus);
  }, [bridge]);

  if (!bridge.hostedRelay.supported) return null;

  const start = async () => {
    setBusy(true);
    const next = await bridge.hostedRelay.start(DEFAULT_PORT);
    setStatus(next);
    const addresses = next.running ? hostedRelayAddresses(next) : null;
    if (addresses) host.switchRelay(addresses.loopback, { url: addresses.advertised, certificateFingerprint: next.certificateFingerprint });
    setBusy(false);
  };
  const stop = async () => {
    setBusy(true);
    setStatus(await bridge.hostedRelay.stop());
    setBusy(false);
  };

  return (
    <section className="host-relay" aria-label="Relay on this computer" data-testid="host-relay">
      {status?.running ? (
        <>
          <p>This computer is the clinic server (port {status.port}). Patients' apps on this network can use:</p>
          <ul data-testid="host-relay-addresses">
            {status.lanUrls.map((url) => (
              <li key={url}>
                <code>{url}</code>
              </li>
            ))}
          </ul>
          <button type="button" className="button button--quiet" onClick={stop} disabled={busy}>
            Stop hosting
          </button>
        </>
      ) : (
        <button type="button" className="button" onClick={start} disabled={busy}>
          Host a relay on this computer
        </button>
      )}
      {status?.error && (
        <p className="notice notice--error" role="alert">
          {status.error}
        </p>
      )}
    </section>
  );
}
