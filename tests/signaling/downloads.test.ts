/** The clinic's downloads folder on the relay: installers with their hashes, the update feed, nothing else. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPlainFileName, listDownloads } from '../../signaling/downloads';
import { type Relay, startRelay } from '../../signaling/server';
import { openStore, type SqliteStore } from '../../signaling/store/sqlite-store';

let dir: string;
let relay: Relay;
let store: SqliteStore;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clinic-downloads-'));
  writeFileSync(join(dir, 'Clinic-Consult-Setup-1.2.0.exe'), 'windows');
  writeFileSync(join(dir, 'Clinic-Consult-1.2.0.AppImage'), 'linux');
  writeFileSync(join(dir, 'latest.yml'), 'version: 1.2.0\n');
  writeFileSync(join(dir, 'notes.txt'), 'not offered');
  writeFileSync(join(dir, '.hidden.exe'), 'never');
  store = await openStore({ memory: true });
  relay = await startRelay({ port: 0, logger: pino({ level: 'silent' }), store, downloadsDir: dir });
});
afterAll(async () => {
  await relay.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the downloads folder', () => {
  it('lists installers by platform with size and SHA-256, and nothing else', async () => {
    expect(await listDownloads(dir)).toEqual([
      {
        platform: 'linux',
        file: 'Clinic-Consult-1.2.0.AppImage',
        size: 5,
        sha256: createHash('sha256').update('linux').digest('hex'),
        url: '/downloads/Clinic-Consult-1.2.0.AppImage',
      },
      {
        platform: 'windows',
        file: 'Clinic-Consult-Setup-1.2.0.exe',
        size: 7,
        sha256: createHash('sha256').update('windows').digest('hex'),
        url: '/downloads/Clinic-Consult-Setup-1.2.0.exe',
      },
    ]);
    expect(await listDownloads(join(dir, 'missing'))).toEqual([]);
  });

  it('serves installers and the update feed over HTTP, and refuses anything else or outside', async () => {
    expect(((await (await fetch(`${relay.url}/api/downloads`)).json()) as { downloads: unknown[] }).downloads).toHaveLength(2);
    const installer = await fetch(`${relay.url}/downloads/Clinic-Consult-Setup-1.2.0.exe`);
    expect(installer.status).toBe(200);
    expect(installer.headers.get('content-disposition')).toBe('attachment; filename="Clinic-Consult-Setup-1.2.0.exe"');
    expect(await installer.text()).toBe('windows');
    const feed = await fetch(`${relay.url}/downloads/latest.yml`);
    expect(await feed.text()).toBe('version: 1.2.0\n');
    for (const path of ['notes.txt', '.hidden.exe', '..%2Fpackage.json', '%2e%2e%2fsecret.exe']) {
      expect((await fetch(`${relay.url}/downloads/${path}`)).status).toBe(404);
    }
    expect(isPlainFileName('../x.exe')).toBe(false);
  });
});

describe('the invite status the invite page asks for', () => {
  async function status(secret: unknown): Promise<{ code: number; status: string }> {
    const response = await fetch(`${relay.url}/api/invite-status`, { method: 'POST', body: JSON.stringify({ secret }) });
    return { code: response.status, status: ((await response.json()) as { status: string }).status };
  }

  it('says valid, used, expired or invalid, without spending or binding the invite', async () => {
    const now = Date.now();
    await store.recordConsultationOpened({ id: 'k_s', code: 'STAT2345', clinicianStaffId: null }, now);
    const live = await store.createInvite({ consultationId: 'k_s', expectedName: null, expiresAt: now + 60_000 }, now);
    const old = await store.createInvite({ consultationId: 'k_s', expectedName: null, expiresAt: now - 1 }, now);
    if (!live.ok || !old.ok) throw new Error('no invite');
    expect(await status(live.value.secret)).toEqual({ code: 200, status: 'valid' });
    expect(await status(live.value.secret)).toEqual({ code: 200, status: 'valid' }); // asking spends nothing
    expect(await status(old.value.secret)).toEqual({ code: 200, status: 'expired' });
    expect(await status('A'.repeat(43))).toEqual({ code: 200, status: 'invalid' });
    expect(await status('short')).toEqual({ code: 200, status: 'invalid' });
    expect((await store.invite(live.value.invite.id))?.usedAt).toBeNull();
  });
});
