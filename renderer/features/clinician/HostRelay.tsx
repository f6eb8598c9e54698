import { useEffect, useState } from 'react';
import type { ClinicBridge, HostedRelayStatus } from '../../../contract/bridge';
import { hostedRelayAddresses } from '../../../contract/join-link';
import { useHost } from '../../bridge/bridge-context';
import type { ConsultEngine } from '../../engine/engine';

const DEFAULT_PORT = 8787;

/**
 * Desktop only: run the relay inside this app for a clinic without an IT server. Patients' apps connect
 * to one of the LAN addresses shown; this app itself uses loopback, signed in as the relay's first staff member.
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
    const advertise = { url: addresses?.advertised ?? null, certificateFingerprint: next.certificateFingerprint };
    if (addresses && host.switchRelay(addresses.loopback, advertise)) await enrollHost(bridge, host.engine);
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

/** There is no IT to enroll the host: the app asks its own relay for a code and redeems it, once per device. */
async function enrollHost(bridge: ClinicBridge, engine: ConsultEngine): Promise<void> {
  if (await engine.storedStaff()) return;
  const code = await bridge.hostedRelay.hostEnrollment();
  if (code) await engine.enroll(code);
}
