import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APPLICATION_ID, LATEST_VERSION, MIGRATIONS, migrate, schemaVersion } from '../../../signaling/store/migrations';
import { DATABASE_FILE, openStore } from '../../../signaling/store/sqlite-store';
import { StoreNotOursError, StoreSchemaTooNewError } from '../../../signaling/store/store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clinic-store-migrations-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function raw(): Database.Database {
  return new Database(join(dir, DATABASE_FILE));
}

function tables(db: Database.Database): string[] {
  return (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
}

describe('the migration list', () => {
  it('is numbered 1, 2, 3… with no gap, each with a name', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    for (const m of MIGRATIONS) expect(m.name.length).toBeGreaterThan(0);
    expect(LATEST_VERSION).toBe(MIGRATIONS.length);
  });
});

describe('opening', () => {
  it('builds every table in an empty folder and records each version applied', async () => {
    const store = await openStore({ directory: dir });
    expect(store.settings()).toMatchObject({ schemaVersion: LATEST_VERSION, latestVersion: LATEST_VERSION });
    await store.close();
    const db = raw();
    expect(tables(db)).toEqual(
      expect.arrayContaining([
        'audit_events',
        'consultations',
        'departures',
        'device_credentials',
        'enrollment_codes',
        'invites',
        'schema_migrations',
        'staff',
      ]),
    );
    expect(
      (db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]).map((r) => r.version),
    ).toEqual(MIGRATIONS.map((m) => m.version));
    expect(db.pragma('application_id', { simple: true })).toMatchObject({ application_id: APPLICATION_ID });
    db.close();
  });

  it('re-opens an up-to-date database without migrating again, and keeps its data', async () => {
    const first = await openStore({ directory: dir });
    const { staff } = await first.addStaff('Dr Re-open', 1_000);
    await first.close();
    const db = raw();
    expect(migrate(db, 'test')).toEqual([]);
    db.close();
    const second = await openStore({ directory: dir });
    expect(await second.staff(staff.id)).toEqual(staff);
    await second.close();
    const check = raw();
    expect((check.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n).toBe(MIGRATIONS.length);
    check.close();
  });

  it('refuses, untouched, a database written by a newer relay, with an error that says what to do', async () => {
    await (await openStore({ directory: dir })).close();
    const db = raw();
    db.exec(`PRAGMA user_version = ${LATEST_VERSION + 1}`);
    db.close();
    const before = readFileSync(join(dir, DATABASE_FILE));
    const opening = openStore({ directory: dir });
    await expect(opening).rejects.toBeInstanceOf(StoreSchemaTooNewError);
    await expect(opening).rejects.toThrow(`schema version ${LATEST_VERSION + 1}, but this relay knows versions up to ${LATEST_VERSION}`);
    expect(readFileSync(join(dir, DATABASE_FILE)).equals(before)).toBe(true);
  });

  it("refuses another program's SQLite file instead of adding tables to it", async () => {
    const db = raw();
    db.exec('CREATE TABLE notes (body TEXT)');
    db.close();
    await expect(openStore({ directory: dir })).rejects.toBeInstanceOf(StoreNotOursError);
    const check = raw();
    expect(tables(check)).toEqual(['notes']);
    check.close();
  });

  it('rolls a failing migration back whole: the version, its record and its tables stay as they were', () => {
    const db = new Database(':memory:');
    expect(migrate(db, 'memory')).toEqual(MIGRATIONS.map((m) => m.version));
    const broken = [
      ...MIGRATIONS,
      { version: LATEST_VERSION + 1, name: 'half done', sql: 'CREATE TABLE half (x INTEGER); INSERT INTO missing VALUES (1);' },
    ];
    expect(() => migrate(db, 'memory', broken)).toThrow(/missing/);
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    expect(tables(db)).not.toContain('half');
    expect((db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number }).v).toBe(LATEST_VERSION);
    db.close();
  });

  it('applies a later migration on top of an existing database', () => {
    const db = new Database(':memory:');
    migrate(db, 'memory');
    const next = [...MIGRATIONS, { version: LATEST_VERSION + 1, name: 'next', sql: 'ALTER TABLE staff ADD COLUMN note TEXT;' }];
    expect(migrate(db, 'memory', next)).toEqual([LATEST_VERSION + 1]);
    expect(migrate(db, 'memory', next)).toEqual([]);
    expect(schemaVersion(db)).toBe(LATEST_VERSION + 1);
    db.close();
  });
});
