/**
 * A whole network lab for one scenario: the topology, coturn when the scenario uses a STUN/TURN server, the
 * relay (serving the web app) in the server namespace, and one Chromium per home host. `close` undoes all
 * of it in reverse order and never throws; the exit hooks in ./netns catch whatever a crash leaves.
 */
import type { LaunchedBrowser } from '../harness/browser';
import { type Coturn, startCoturn } from './coturn';
import { launchInHome } from './home-browser';
import { RELAY_PORT, type RelayIce, type RelayProcess, startRelayProcess } from './relay-process';
import { buildTopology, canConnect, type LanSpec, type Topology } from './topology';

/** What the relay tells participants: nothing, a STUN server only, or STUN + TURN (UDP and TCP). */
export type IceMode = 'none' | 'stun' | 'turn';

export interface LabSpec {
  lans: LanSpec[];
  /** LAN index (1-based) of each home host; home 1 is the clinician's, home 2 the patient's. */
  homes: number[];
  ice: IceMode;
  isolateWans?: boolean;
  blockUdpToServer?: boolean;
  /** 'desktop' (default): Chromium with the desktop app's switches; 'browser': a plain browser. */
  browsers?: 'desktop' | 'browser';
}

export interface Lab {
  readonly topology: Topology;
  readonly coturn: Coturn | null;
  readonly relay: RelayProcess;
  /** One per home host, same order. */
  readonly browsers: LaunchedBrowser[];
  /** Building the namespaces, starting coturn, the relay and the browsers, ms. */
  readonly buildMs: number;
  /** coturn's and the relay's output, for a failing test's message. */
  logs(): string;
  close(): Promise<void>;
}

export async function startLab(spec: LabSpec): Promise<Lab> {
  const started = performance.now();
  const topology = buildTopology(spec.lans, spec.homes);
  let coturn: Coturn | null = null;
  let relay: RelayProcess | null = null;
  const browsers: LaunchedBrowser[] = [];
  const close = async (): Promise<void> => {
    for (const browser of browsers.splice(0)) await browser.close().catch(() => undefined);
    await relay?.stop().catch(() => undefined);
    await coturn?.stop().catch(() => undefined);
    topology.destroy();
  };
  try {
    if (spec.isolateWans) topology.isolateWans();
    if (spec.blockUdpToServer) topology.blockUdpToServer();
    let ice: RelayIce = {};
    if (spec.ice !== 'none') {
      coturn = await startCoturn(topology.serverNs, topology.serverIp);
      ice =
        spec.ice === 'stun'
          ? { stunUrls: coturn.stunUrls }
          : { stunUrls: coturn.stunUrls, turnUrls: coturn.turnUrls, turnSecret: coturn.secret };
    }
    relay = await startRelayProcess(topology.serverNs, topology.serverIp, ice);
    // A wiring mistake should fail here, by name, not as a page that never loads.
    for (const home of topology.homes) {
      if (!canConnect(home.ns, topology.serverIp, RELAY_PORT))
        throw new Error(`home ${home.name} (${home.address}) cannot reach the relay at ${relay.url}`);
    }
    for (const home of topology.homes) browsers.push(await launchInHome(home, relay.url, spec.browsers ?? 'desktop'));
  } catch (err) {
    await close();
    throw err;
  }
  const startedRelay = relay;
  const startedCoturn = coturn;
  return {
    topology,
    coturn: startedCoturn,
    relay: startedRelay,
    browsers,
    buildMs: performance.now() - started,
    logs: () => `---- relay ----\n${startedRelay.log().slice(-6000)}\n---- coturn ----\n${startedCoturn?.log().slice(-4000) ?? '(none)'}`,
    close,
  };
}
