/**
 * Writes an exported diagnostics report where the person chose in the save dialog. Node only, no Electron:
 * the dialog lives in index.ts, the checks and the write here. The text comes from the renderer, so it is
 * checked to be a JSON object before anything is written (the path itself came from the OS dialog).
 */
import { writeFile } from 'node:fs/promises';
import { extname, isAbsolute } from 'node:path';

export class DiagnosticsRefused extends Error {
  constructor(
    readonly code: 'DIAGNOSTICS_NOT_JSON' | 'DIAGNOSTICS_BAD_PATH',
    detail: string,
  ) {
    super(`[${code}] ${detail}`);
    this.name = 'DiagnosticsRefused';
  }
}

/** Throws unless `json` is the text of a JSON object (a report), so no other content can be written. */
export function checkDiagnosticsJson(json: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new DiagnosticsRefused('DIAGNOSTICS_NOT_JSON', 'the diagnostics report is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new DiagnosticsRefused('DIAGNOSTICS_NOT_JSON', 'the diagnostics report is not a JSON object');
  }
}

/** The dialog's answer as the file to write: absolute, and ending in .json when no extension was typed. */
export function diagnosticsTarget(chosen: string): string {
  if (!isAbsolute(chosen)) throw new DiagnosticsRefused('DIAGNOSTICS_BAD_PATH', 'the save dialog returned a relative path');
  return extname(chosen) === '' ? `${chosen}.json` : chosen;
}

/** Checks, then writes (readable by the person only: it describes their network). Returns the path written. */
export async function writeDiagnosticsFile(chosen: string, json: string): Promise<string> {
  checkDiagnosticsJson(json);
  const target = diagnosticsTarget(chosen);
  await writeFile(target, json.endsWith('\n') ? json : `${json}\n`, { encoding: 'utf8', mode: 0o600 });
  return target;
}
