/**
 * Settings persisted as JSON in the user data folder. A damaged file never crashes the app: unreadable JSON
 * gives the defaults, a field that fails validation falls back to its default, and the user gets a warning
 * naming what was reset. The damaged file is kept beside the new one for support. Node only, no Electron.
 */
import { copyFile, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, type Settings, type SettingsLoadResult, settingsSchema } from '../contract/bridge';
import { writeFileAtomically } from './atomic-file';

export const SETTINGS_FILE_NAME = 'settings.json';
export const DAMAGED_SETTINGS_FILE_NAME = 'settings.damaged.json';

/** Validates a parsed document field by field; returns the settings and the names of fields that were reset. */
export function salvageSettings(document: unknown): { settings: Settings; resetFields: string[] } {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return { settings: { ...DEFAULT_SETTINGS }, resetFields: Object.keys(DEFAULT_SETTINGS) };
  }
  const whole = settingsSchema.safeParse(document);
  if (whole.success) return { settings: whole.data, resetFields: [] };

  const record = document as Record<string, unknown>;
  const settings: Settings = { ...DEFAULT_SETTINGS };
  const resetFields: string[] = [];
  for (const key of Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[]) {
    if (!(key in record)) continue; // absent: the default is simply used (older files lack newer fields)
    const field = settingsSchema.shape[key].safeParse(record[key]);
    if (field.success) Object.assign(settings, { [key]: field.data });
    else resetFields.push(key);
  }
  return { settings, resetFields };
}

export class SettingsStore {
  readonly file: string;

  constructor(private readonly directory: string) {
    this.file = join(directory, SETTINGS_FILE_NAME);
  }

  async load(): Promise<SettingsLoadResult> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if (isNotFound(err)) return { settings: { ...DEFAULT_SETTINGS }, warning: null };
      return { settings: { ...DEFAULT_SETTINGS }, warning: `Your saved settings could not be read (${describe(err)}); defaults are used.` };
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      await this.keepDamagedCopy();
      return { settings: { ...DEFAULT_SETTINGS }, warning: 'Your saved settings were damaged and have been reset to the defaults.' };
    }
    const { settings, resetFields } = salvageSettings(document);
    if (resetFields.length === 0) return { settings, warning: null };
    // Keep the original for support, and store what was salvaged so the next start is clean.
    await copyFile(this.file, join(this.directory, DAMAGED_SETTINGS_FILE_NAME)).catch(() => undefined);
    await this.save(settings).catch(() => undefined);
    return { settings, warning: `Some saved settings were not valid and were reset: ${resetFields.join(', ')}.` };
  }

  /** Validates, then writes through a temporary file so a crash mid-write cannot leave half a file. */
  async save(settings: Settings): Promise<void> {
    const valid = settingsSchema.parse(settings);
    await writeFileAtomically(this.file, `${JSON.stringify(valid, null, 2)}\n`);
  }

  private async keepDamagedCopy(): Promise<void> {
    // Best effort: losing the copy must not turn a warning into a crash.
    await rename(this.file, join(this.directory, DAMAGED_SETTINGS_FILE_NAME)).catch(() => undefined);
  }
}

function isNotFound(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === 'ENOENT';
}

function describe(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as NodeJS.ErrnoException).code : undefined;
  return code ?? (err instanceof Error ? err.message : String(err));
}
