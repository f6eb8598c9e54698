/**
 * Preload entry (bundled to CommonJS: sandboxed preloads cannot load ES modules). Exposes the bridge and
 * nothing else.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_GLOBAL_NAME, createClinicBridge } from './bridge';

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL_NAME, createClinicBridge(ipcRenderer));

export type { ClinicPreloadBridge } from './bridge';
