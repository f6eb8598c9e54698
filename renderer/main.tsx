/**
 * Renderer entry: picks the host bridge, builds the engine for the relay in use, renders. A join link
 * that names another relay (desktop deep link) switches relay before anything was joined.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { JoinLink, Settings } from '../contract/bridge';
import { formatCode, normalizeCode } from '../signaling/protocol';
import { App, type JoinRequest } from './app/App';
import { HostContext, type HostServices } from './app/bridge-context';
import { EngineHost } from './app/engine-host';
import { getBridge } from './bridge';
import { createSessionStore } from './bridge/session-store';
import { exposeDiagnostics } from './engine/diagnostics-hook';
import { ConsultEngine } from './engine/engine';
import { createSimplePeer } from './engine/simple-peer-factory';
import { WebSocketTransport } from './engine/transport';
import './styles.css';

function createEngine(relayUrl: string): ConsultEngine {
  return new ConsultEngine({
    transport: new WebSocketTransport(relayUrl),
    getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
    createPeer: createSimplePeer,
    sessionStore: createSessionStore(),
  });
}

async function start(): Promise<void> {
  const bridge = getBridge();
  const [loaded, defaultRelayUrl] = await Promise.all([bridge.loadSettings(), bridge.getDefaultRelayUrl()]);
  const container = document.getElementById('root');
  if (!container) throw new Error('missing #root');
  const root = createRoot(container);

  const host = EngineHost.start(createEngine, loaded.settings.relayUrl ?? defaultRelayUrl);
  exposeDiagnostics(() => host.engine);
  let joinRequest: JoinRequest | null = null;
  const services: HostServices = {
    bridge,
    host,
    settings: loaded.settings,
    saveSettings: async (settings: Settings) => {
      await bridge.saveSettings(settings);
      services.settings = settings;
    },
  };

  const render = (): void => {
    root.render(
      <StrictMode>
        <HostContext.Provider value={services}>
          <App engine={host.engine} relayUrl={host.relayUrl} joinRequest={joinRequest} settingsWarning={loaded.warning} />
        </HostContext.Provider>
      </StrictMode>,
    );
  };

  bridge.onJoinLink((link: JoinLink) => {
    const code = normalizeCode(link.code);
    joinRequest = { code: code.length === 8 ? formatCode(code) : link.code, at: Date.now() };
    host.switchRelay(link.relayUrl);
    render();
  });
  // A new relay gets a fresh engine; the saved session belonged to the old relay, so nothing to restore.
  host.subscribe(render);

  void host.engine.restore();
  render();
}

void start();
