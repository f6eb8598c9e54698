/** IT's staff commands, run on a real data folder, as `clinic-relay staff …` runs them (minus the process). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runStaffCommand } from '../../signaling/staff-command';
import { openStore } from '../../signaling/store/sqlite-store';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'clinic-staff-'));
  dirs.push(dir);
  return join(dir, 'data');
}

async function staff(args: string[], env: NodeJS.ProcessEnv = {}, now = Date.UTC(2026, 10, 30, 9, 0)) {
  let out = '';
  let err = '';
  const code = await runStaffCommand(args, env, { out: (t) => (out += t), err: (t) => (err += t) }, now);
  return { code, out, err };
}

describe('clinic-relay staff', () => {
  it('adds a member with a one-time code that expires, and the browser link when the public URL is known', async () => {
    const dir = dataDir();
    const added = await staff(['add', 'Dr. Rivera', '--data-dir', dir, '--expires-hours', '2'], {
      CLINIC_RELAY_PUBLIC_URL: 'https://consult.clinic.example/',
    });
    expect(added.code).toBe(0);
    const code = /enrollment code \(expires 2026-11-30 11:00 UTC\): ([A-Z0-9-]{24})/.exec(added.out)?.[1];
    expect(code).toBeDefined();
    expect(added.out).toContain(`In a browser: https://consult.clinic.example/?enroll=${code}`);
    // The database keeps only the code's hash: the plain code is printed once.
    const store = await openStore({ directory: dir });
    const [member] = await store.listStaff();
    expect(member).toMatchObject({ displayName: 'Dr. Rivera', revokedAt: null });
    await store.close();
  });

  it('lists staff with their devices, and revokes a person (their devices with them)', async () => {
    const dir = dataDir();
    await staff(['add', 'Dr. Rivera', '--data-dir', dir]);
    const store = await openStore({ directory: dir });
    const [member] = await store.listStaff();
    await store.close();
    const id = member?.id ?? '';
    expect((await staff(['list', '--data-dir', dir])).out).toMatch(new RegExp(`^${id}  Dr\\. Rivera  active$`, 'm'));
    expect(await staff(['revoke', id, '--data-dir', dir])).toMatchObject({ code: 0, out: expect.stringContaining('Revoked Dr. Rivera') });
    expect((await staff(['list', '--data-dir', dir])).out).toContain(`${id}  Dr. Rivera  REVOKED 2026-11-30 09:00 UTC`);
    // A revoked person gets no new code.
    expect(await staff(['enroll', id, '--data-dir', dir])).toMatchObject({ code: 1, err: expect.stringContaining('was revoked') });
  });

  it('says what is wrong, with the help, and exits 2 on bad usage; 1 for an unknown id', async () => {
    const dir = dataDir();
    expect(await staff(['promote', 'x', '--data-dir', dir])).toMatchObject({
      code: 2,
      err: expect.stringContaining('unknown staff command "promote"'),
    });
    expect(await staff(['add', '--data-dir', dir])).toMatchObject({ code: 2, err: expect.stringContaining('one name, in quotes') });
    expect(await staff(['add', 'A', '--expires-hours', '0', '--data-dir', dir])).toMatchObject({ code: 2 });
    expect(await staff(['add', 'Dr.\u202eevil', '--data-dir', dir])).toMatchObject({
      code: 2,
      err: expect.stringContaining('invisible or control'),
    });
    expect(await staff(['add', 'x'.repeat(61), '--data-dir', dir])).toMatchObject({
      code: 2,
      err: expect.stringContaining('longer than 60'),
    });
    expect(await staff(['revoke', 's_nobody', '--data-dir', dir])).toMatchObject({
      code: 1,
      err: expect.stringContaining('no staff member s_nobody'),
    });
    expect(await staff(['help'])).toMatchObject({ code: 0, out: expect.stringContaining('staff add "NAME"') });
  });
});
