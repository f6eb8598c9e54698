/** Renderer entry: picks the host bridge, builds the engine once, renders. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { getBridge } from './bridge';
import { createSessionStore } from './bridge/session-store';
import { ConsultEngine } from './engine/engine';
import { createSimplePeer } from './engine/simple-peer-factory';
import { WebSocketTransport } from './engine/transport';
import { exposeDiagnostics } from './engine/diagnostics-hook';
import './styles.css';

async function start(): Promise<void> {
  const bridge = getBridge();
  const [{ settings }, defaultRelayUrl] = await Promise.all([bridge.loadSettings(), bridge.getDefaultRelayUrl()]);
  const engine = new ConsultEngine({
    transport: new WebSocketTransport(settings.relayUrl ?? defaultRelayUrl),
    getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
    createPeer: createSimplePeer,
    sessionStore: createSessionStore(),
  });
  exposeDiagnostics(engine);
  void engine.restore();
  const root = document.getElementById('root');
  if (!root) throw new Error('missing #root');
  createRoot(root).render(
    <StrictMode>
      <App engine={engine} bridge={bridge} displayName={settings.displayName} />
    </StrictMode>,
  );
}

void start();
