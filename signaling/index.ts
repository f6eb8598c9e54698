/** The relay as a library: what the CLI and the desktop app's bundled relay start. */

export * from './protocol';
export { type Relay, type RelayOptions, type RelayStats, startRelay } from './server';
