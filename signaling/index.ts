/** The relay as a library: what the CLI and the desktop app's bundled relay start. */
export { startRelay, type Relay, type RelayOptions, type RelayStats } from './server';
export * from './protocol';
