/**
 * Fails when a tracked .ts, .tsx or .css line is longer than the formatter's 140 columns (part of
 * `npm run lint`). Biome wraps code but cannot wrap a long string or comment; those are split by hand.
 * Captured data under tests/fixtures/ is exempt. Lists file:line (length) for each.
 *   tsx scripts/check-line-width.ts
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAX_COLUMNS = 140;
const EXEMPT = ['tests/fixtures/'];

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tracked = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.tsx', '*.css'], { cwd: root, encoding: 'utf8' })
  .split('\0')
  .filter((file) => file !== '' && !EXEMPT.some((prefix) => file.startsWith(prefix)));

const tooLong: string[] = [];
for (const file of tracked) {
  let text: string;
  try {
    text = readFileSync(join(root, file), 'utf8');
  } catch {
    continue; // tracked but deleted in the working tree
  }
  text.split(/\r?\n/).forEach((line, index) => {
    // Columns as a reader counts them: one per character, not per UTF-16 unit or byte.
    const columns = [...line].length;
    if (columns > MAX_COLUMNS) tooLong.push(`${file}:${index + 1} (${columns})`);
  });
}

if (tooLong.length > 0) {
  process.stderr.write(`Lines longer than ${MAX_COLUMNS} columns (split the string or comment by hand):\n`);
  for (const entry of tooLong) process.stderr.write(`  ${entry}\n`);
  process.exit(1);
}
process.stdout.write(`line width: ${tracked.length} files, none over ${MAX_COLUMNS} columns\n`);
