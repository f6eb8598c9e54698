/** The TypeScript sources below a folder of the repository, for tests that read the code itself. */
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** Repository-relative paths of the .ts/.tsx files below `folder`, build output (dist) left out. */
export function sourceFiles(folder: string): string[] {
  return readdirSync(join(REPO_ROOT, folder), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name) && !relative(REPO_ROOT, e.parentPath).split('/').includes('dist'))
    .map((e) => relative(REPO_ROOT, join(e.parentPath, e.name)));
}
