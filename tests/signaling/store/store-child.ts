/**
 * A second relay process for the store's process tests, run as `node --import tsx store-child.ts MODE DIR [FILE]`.
 *   audit DIR        appends audit events forever, one single-row transaction each, and prints each seq
 *                    on its own line only after its commit returned ("committed 42" is a promise to keep).
 *   redeem DIR FILE  prints "ready", waits for "go" on stdin, then tries every enrollment code and invite secret
 *                    listed in FILE (JSON: { codes: string[], secrets: string[] }) with a fresh device key,
 *                    and prints one JSON line: { codes: (credential id | refusal)[], secrets: (key | refusal)[] }.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { openStore } from '../../../signaling/store/sqlite-store';

const [mode, directory, file] = process.argv.slice(2);
if (!directory) throw new Error('usage: store-child.ts audit|redeem DIR [FILE]');
const store = await openStore({ directory });

function freshKey(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

if (mode === 'audit') {
  for (let i = 0; ; i += 1) {
    const [seq] = await store.appendAudit([
      { at: Date.now(), type: 'test.tick', consultationId: null, actor: `pid-${process.pid}`, detail: { i } },
    ]);
    // A pipe write is synchronous on Linux: the line is in the pipe before the next event starts.
    process.stdout.write(`${seq}\n`);
  }
} else if (mode === 'redeem' && file) {
  const { codes, secrets } = JSON.parse(readFileSync(file, 'utf8')) as { codes: string[]; secrets: string[] };
  // Keys made before the start signal, so the race is about the database, not about key generation.
  const codeKeys = codes.map(freshKey);
  const secretKeys = secrets.map(freshKey);
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const result = { codes: [] as string[], secrets: [] as string[] };
  for (const [i, code] of codes.entries()) {
    const outcome = await store.redeemEnrollment(code, codeKeys[i] ?? '', Date.now());
    result.codes.push(outcome.ok ? outcome.value.credential.id : outcome.code);
  }
  for (const [i, secret] of secrets.entries()) {
    const outcome = await store.redeemInvite({ secret }, secretKeys[i] ?? '', 'Pat', Date.now());
    result.secrets.push(outcome.ok ? (outcome.value.devicePublicKey ?? '') : outcome.code);
  }
  await store.close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else {
  throw new Error(`unknown mode ${mode}`);
}
