import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, sourceFiles } from '../harness/source-files';

/** `from → to` for every relative import of a renderer folder, as renderer-relative paths. */
function importsOf(folder: string): { from: string; to: string }[] {
  return sourceFiles(`renderer/${folder}`).flatMap((file) =>
    [...readFileSync(join(REPO_ROOT, file), 'utf8').matchAll(/^(?:import|export)[^'"]*from '(\.{1,2}\/[^']+)'/gm)].map((match) => ({
      from: relative('renderer', file),
      to: relative('renderer', join(dirname(file), match[1] ?? '')),
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
