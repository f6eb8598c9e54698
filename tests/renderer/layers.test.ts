import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const RENDERER = resolve(import.meta.dirname, '../../renderer');

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'dist' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** `from → to` for every relative import of a renderer folder, as renderer-relative paths. */
function importsOf(folder: string): { from: string; to: string }[] {
  return sourceFiles(join(RENDERER, folder)).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)[^'"]*from '(\.{1,2}\/[^']+)'/gm)].map((match) => ({
      from: relative(RENDERER, file),
      to: relative(RENDERER, resolve(dirname(file), match[1] ?? '')),
    })),
  );
}

describe('renderer layers', () => {
  it('the call engine imports nothing from features, bridge or app', () => {
    const upward = importsOf('engine').filter(({ to }) => /^(features|bridge|app)\//.test(to));
    expect(upward).toEqual([]);
  });

  it('features import nothing from app', () => {
    expect(importsOf('features').filter(({ to }) => to.startsWith('app/'))).toEqual([]);
  });

  it('sees the imports it checks', () => {
    expect(importsOf('engine').some(({ to }) => to === 'engine/phase')).toBe(true);
    expect(importsOf('features').some(({ to }) => to === 'bridge/bridge-context')).toBe(true);
  });
});
