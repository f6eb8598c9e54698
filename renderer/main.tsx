/**
 * Renderer entry: picks the host bridge, builds the engine for the relay in use, renders. A join link
 * that names another relay (desktop deep link) switches relay before anything was joined.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { JoinLink, Settings } from '../contract/bridge';
import { App, type JoinRequest } from './app/App';
import { getBridge } from './bridge';
import { HostContext, type HostServices } from './bridge/bridge-context';
import { EngineHost } from './bridge/engine-host';
import { takeEnrollmentCode } from './bridge/enrollment-link';
import { createPatientKeyStore } from './bridge/patient-key-store';
import { createSessionStore } from './bridge/session-store';
import { createStaffCredentialStore } from './bridge/staff-credential-store';
import { ConsultEngine } from './engine/engine';
import { createSimplePeer } from './engine/simple-peer-factory';
import { WebSocketTransport } from './engine/transport';
import { DiagnosticsContext, type DiagnosticsServices } from './features/diagnostics/diagnostics-context';
import { exposeDiagnostics } from './features/diagnostics/diagnostics-hook';
import { exportDiagnostics } from './features/diagnostics/export-report';
import { StatsCollector } from './features/diagnostics/stats/collector';
import './styles.css';

function createEngine(relayUrl: string, settings: Settings): ConsultEngine {
  return new ConsultEngine({
    transport: new WebSocketTransport(relayUrl),
    getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
    preferredDevices: { cameraId: settings.cameraId, microphoneId: settings.microphoneId },
    createPeer: createSimplePeer,
    sessionStore: createSessionStore(),
    staffCredentials: createStaffCredentialStore(relayUrl),
    patientKeys: createPatientKeyStore(relayUrl),
  });
}

/** An enrollment link signs this device in at once, unless it already is (the link was opened again). */
async function enrollFromLink(engine: ConsultEngine, code: string): Promise<void> {
  if (await engine.storedStaff()) return;
  await engine.enroll(code);
}

/**
 * Benchmarking switch: `?diagnostics=off` runs the app without the stats collector (no getStats, no
 * indicator, no panel), so `npm run bench:diagnostics` can measure what the collector costs. Not a setting.
 */
function collectorEnabled(): boolean {
  return new URLSearchParams(window.location.search).get('diagnostics') !== 'off';
}

function startDiagnostics(host: EngineHost, bridge: ReturnType<typeof getBridge>): DiagnosticsServices | null {
  if (!collectorEnabled()) return null;
  const collector = new StatsCollector({
    current: () => host.engine,
    onSourceChange: (listener) => host.subscribe(listener),
    relayRttMs: () => host.engine.relayRttMs,
  });
  collector.start(); // for the page's lifetime; it only ticks during calls
  return {
    collector,
    exportReport: (options) =>
      exportDiagnostics(
        {
          bridge,
          collector,
          engine: () => host.engine,
          relayUrl: () => host.relayUrl,
          listDevices: () => navigator.mediaDevices.enumerateDevices(),
          userAgent: navigator.userAgent,
        },
        options,
      ),
  };
}

async function start(): Promise<void> {
  const bridge = getBridge();
  const [loaded, defaultRelayUrl] = await Promise.all([bridge.loadSettings(), bridge.getDefaultRelayUrl()]);
  const container = document.getElementById('root');
  if (!container) throw new Error('missing #root');
  const root = createRoot(container);
  const enrollmentCode = takeEnrollmentCode();

  let settingsNow = loaded.settings; // the saved devices of the moment, for engines made later
  const host = EngineHost.start((relayUrl) => createEngine(relayUrl, settingsNow), loaded.settings.relayUrl ?? defaultRelayUrl);
  exposeDiagnostics(() => host.engine);
  const diagnostics = startDiagnostics(host, bridge);
  let joinRequest: JoinRequest | null = null;
  const services: HostServices = {
    bridge,
    host,
    settings: loaded.settings,
    saveSettings: async (settings: Settings) => {
      await bridge.saveSettings(settings);
      services.settings = settings;
      settingsNow = settings;
    },
  };

  const render = (): void => {
    root.render(
      <StrictMode>
        <HostContext.Provider value={services}>
          <DiagnosticsContext.Provider value={diagnostics}>
            <App
              engine={host.engine}
              relayUrl={host.relayUrl}
              joinRequest={joinRequest}
              enrollmentCode={enrollmentCode}
              settingsWarning={loaded.warning}
            />
          </DiagnosticsContext.Provider>
        </HostContext.Provider>
      </StrictMode>,
    );
  };

  bridge.onJoinLink((link: JoinLink) => {
    joinRequest = { invite: link.invite, at: Date.now() };
    host.switchRelay(link.relayUrl);
    render();
  });
  // A new relay gets a fresh engine; the saved session belonged to the old relay, so nothing to restore.
  host.subscribe(render);

  void host.engine.restore();
  if (enrollmentCode) void enrollFromLink(host.engine, enrollmentCode);
  render();
}

void start();
