/**
 * npm run build:relay: the relay IT deploys is plain JavaScript that runs with `node` alone, from a folder of
 * its own (no TypeScript, no npm install), with its staff and audit commands.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildRelay } from '../../scripts/build-relay';
import { TestClient } from '../signaling/ws-client';

let dir: string;
let bundleBytes = 0;
const run = promisify(execFile);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clinic-relay-build-'));
  ({ bundleBytes } = await buildRelay(join(dir, 'relay')));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('builds one JavaScript file with its sourcemap and the native module it needs, and says its version', async () => {
  const relay = join(dir, 'relay');
  expect(statSync(join(relay, 'relay.mjs')).size).toBe(bundleBytes);
  expect(statSync(join(relay, 'relay.mjs.map')).isFile()).toBe(true);
  expect(statSync(join(relay, 'node_modules', 'libsql')).isDirectory()).toBe(true);
  const { stdout } = await run(process.execPath, ['relay.mjs', '--version'], { cwd: relay });
  expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
});

it('runs from its own folder with node alone: staff commands, then the relay, healthy and ready', { timeout: 60_000 }, async () => {
  const relay = join(dir, 'relay');
  const data = join(dir, 'data');
  const added = await run(process.execPath, ['relay.mjs', 'staff', 'add', 'Dr. Built', '--data-dir', data], { cwd: relay });
  expect(added.stdout).toMatch(/One-time enrollment code/);
  const started = Date.now();
  const child = spawn(process.execPath, ['relay.mjs', 'serve', '--port', '0', '--data-dir', data, '--log-level', 'warn'], { cwd: relay });
  try {
    let output = '';
    const url = await new Promise<string>((done, fail) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Clinic Consult relay on (http:\/\/\S+)/.exec(output);
        if (match?.[1]) done(match[1]);
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => fail(new Error(`relay exited (${code}):\n${output}`)));
    });
    const startMs = Date.now() - started;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ ready: true });
    const client = await TestClient.open(`${url.replace('http', 'ws')}/ws`, {}, 'probe');
    expect(client.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    client.terminate();
    process.stdout.write(`relay bundle: relay.mjs ${(bundleBytes / 1024).toFixed(0)} KiB, listening ${startMs} ms after spawn\n`);
  } finally {
    child.kill('SIGTERM');
  }
});
