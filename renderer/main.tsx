/**
 * Renderer entry: picks the host bridge and builds one engine per relay address. A join link that names
 * another relay (desktop deep link) swaps the engine before anything was joined; React only renders.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { JoinLink } from '../contract/bridge';
import { formatCode, normalizeCode } from '../signaling/protocol';
import { App, type JoinRequest } from './app/App';
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
  const [{ settings }, defaultRelayUrl] = await Promise.all([bridge.loadSettings(), bridge.getDefaultRelayUrl()]);
  const container = document.getElementById('root');
  if (!container) throw new Error('missing #root');
  const root = createRoot(container);

  let relayUrl = settings.relayUrl ?? defaultRelayUrl;
  let engine = createEngine(relayUrl);
  let joinRequest: JoinRequest | null = null;
  exposeDiagnostics(() => engine);

  const render = (): void => {
    root.render(
      <StrictMode>
        <App key={relayUrl} engine={engine} displayName={settings.displayName} joinRequest={joinRequest} />
      </StrictMode>,
    );
  };

  bridge.onJoinLink((link: JoinLink) => {
    const code = normalizeCode(link.code);
    joinRequest = { code: code.length === 8 ? formatCode(code) : link.code, at: Date.now() };
    const busy = engine.getSnapshot().consultation !== null;
    if (link.relayUrl !== relayUrl && !busy) {
      engine.dispose();
      relayUrl = link.relayUrl;
      engine = createEngine(relayUrl);
    }
    render();
  });

  void engine.restore();
  render();
}

void start();
