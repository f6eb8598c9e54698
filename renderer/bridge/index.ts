/** Picks the host bridge: the desktop app's preload exposes `window.clinic`; a browser tab has none. */
import type { ClinicBridge } from '../../contract/bridge';
import { createBrowserBridge } from './browser-bridge';

declare global {
  interface Window {
    clinic?: ClinicBridge;
  }
}

export function getBridge(): ClinicBridge {
  return window.clinic ?? createBrowserBridge(window);
}
