import { createContext, useContext } from 'react';
import type { ClinicBridge, Settings } from '../../contract/bridge';
import type { EngineHost } from './engine-host';

export interface HostServices {
  bridge: ClinicBridge;
  host: EngineHost;
  settings: Settings;
  /** Saves settings through the bridge and keeps the in-memory copy in step. */
  saveSettings(settings: Settings): Promise<void>;
}

export const HostContext = createContext<HostServices | null>(null);

/** The host bridge, the engine host and settings, for the few views that talk to the host. */
export function useHost(): HostServices {
  const services = useContext(HostContext);
  if (!services) throw new Error('useHost outside HostContext');
  return services;
}
