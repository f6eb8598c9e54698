/**
 * Arguments for `app.setAsDefaultProtocolClient`. A packaged app registers itself; during development the
 * executable is Electron, so the OS must also be told which app folder to open. Pure.
 */
import { resolve } from 'node:path';

export interface ProtocolClientRegistration {
  executable?: string;
  args?: string[];
}

export function protocolClientRegistration(isDefaultApp: boolean, execPath: string, argv: readonly string[]): ProtocolClientRegistration {
  const appPath = argv[1];
  if (!isDefaultApp || appPath === undefined) return {};
  return { executable: execPath, args: [resolve(appPath)] };
}
