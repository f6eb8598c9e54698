import { type FormEvent, type SyntheticEvent, useState } from 'react';
import { type DiscoveredRelay, settingsSchema } from '../../../contract/bridge';
import { useHost } from '../../bridge/bridge-context';

/** Where the clinic's relay is, and the name to use: for desktop users pointed at an IT-run relay. */
export function ConnectionSettings({ relayUrl }: { relayUrl: string }) {
  const { host, bridge, settings, saveSettings } = useHost();
  const [address, setAddress] = useState(settings.relayUrl ?? '');
  const [name, setName] = useState(settings.displayName);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const [found, setFound] = useState<DiscoveredRelay[]>([]);

  // Asked each time the settings open: relays come and go on the network.
  const onToggle = (event: SyntheticEvent<HTMLDetailsElement>) => {
    if (!event.currentTarget.open) return;
    bridge.discoverRelays().then(setFound, () => setFound([]));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = settingsSchema.safeParse({ ...settings, relayUrl: address.trim() === '' ? null : address.trim(), displayName: name });
    if (!parsed.success) {
      setMessage({ error: true, text: parsed.error.issues[0]?.message ?? 'These settings are not valid.' });
      return;
    }
    try {
      await saveSettings(parsed.data);
    } catch (err) {
      setMessage({ error: true, text: `Settings could not be saved: ${err instanceof Error ? err.message : String(err)}` });
      return;
    }
    const switched = parsed.data.relayUrl === null || host.switchRelay(parsed.data.relayUrl);
    setMessage(
      switched ? { error: false, text: 'Saved.' } : { error: true, text: 'Saved; the new relay is used after this consultation.' },
    );
  };

  return (
    <details className="settings" onToggle={onToggle}>
      <summary>Connection settings</summary>
      <form onSubmit={submit} aria-label="Connection settings">
        <p className="settings__current">
          Clinic server in use: <code data-testid="relay-url">{relayUrl}</code>
        </p>
        {found.length > 0 && (
          <fieldset className="settings__found" data-testid="discovered-relays">
            <legend>Found on this network</legend>
            <ul>
              {found.map((relay) => (
                <li key={relay.url}>
                  {relay.name} <code>{relay.url}</code>{' '}
                  <button
                    type="button"
                    className="button button--quiet"
                    onClick={() => setAddress(relay.url)}
                    aria-label={`Use ${relay.name}`}
                  >
                    Use
                  </button>
                </li>
              ))}
            </ul>
          </fieldset>
        )}
        <label className="field">
          Clinic server address (leave empty for the default)
          <input
            name="relay-url"
            value={address}
            onChange={(e) => setAddress(e.target.value)}
            placeholder="wss://relay.clinic.example:8787/ws"
          />
        </label>
        <label className="field">
          Your name
          <input name="display-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={60} autoComplete="name" />
        </label>
        <button type="submit" className="button">
          Save settings
        </button>
        {message && (
          <p className={message.error ? 'notice notice--error' : 'notice'} role="status">
            {message.text}
          </p>
        )}
      </form>
    </details>
  );
}
