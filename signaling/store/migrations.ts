/**
 * The SQLite schema, as ordered, versioned migrations. Part of the SQLite implementation: nothing outside
 * `signaling/store/sqlite-*` sees SQL.
 *
 * Rules: never edit a migration that has shipped; add the next version instead. Each migration runs in one
 * IMMEDIATE transaction together with its record in `schema_migrations` and `PRAGMA user_version`, so a crash
 * leaves the database at the old version or the new one, never between. A database whose version is newer
 * than the code is refused untouched (`StoreSchemaTooNewError`).
 */
import type Database from 'libsql';
import { StoreNotOursError, StoreSchemaTooNewError } from './store';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** 'ClnC': marks the file as ours (PRAGMA application_id), so the relay never migrates somebody else's database. */
export const APPLICATION_ID = 0x436c6e43;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'staff, devices, enrollment codes, consultations, invites, departures, audit log',
    sql: `
      CREATE TABLE schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE staff (
        id TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;

      CREATE TABLE device_credentials (
        id TEXT PRIMARY KEY,
        staff_id TEXT NOT NULL REFERENCES staff (id),
        public_key TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        revoked_at INTEGER,
        last_used_at INTEGER
      ) STRICT;
      CREATE INDEX device_credentials_by_staff ON device_credentials (staff_id);

      -- Only the SHA-256 of a one-time code is kept: the plain code is shown once and never stored.
      CREATE TABLE enrollment_codes (
        code_hash TEXT PRIMARY KEY,
        staff_id TEXT NOT NULL REFERENCES staff (id),
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        device_credential_id TEXT REFERENCES device_credentials (id)
      ) STRICT;
      CREATE INDEX enrollment_codes_by_staff ON enrollment_codes (staff_id);

      CREATE TABLE consultations (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL,
        clinician_staff_id TEXT REFERENCES staff (id),
        opened_at INTEGER NOT NULL,
        closed_at INTEGER
      ) STRICT;
      -- Codes are short: one may come back once its consultation is closed, never twice at the same time.
      CREATE UNIQUE INDEX consultations_open_code ON consultations (code) WHERE closed_at IS NULL;

      CREATE TABLE invites (
        id TEXT PRIMARY KEY,
        consultation_id TEXT NOT NULL REFERENCES consultations (id),
        expected_name TEXT,
        secret_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        used_at INTEGER,
        device_public_key TEXT
      ) STRICT;
      CREATE INDEX invites_by_consultation ON invites (consultation_id);

      CREATE TABLE departures (
        consultation_id TEXT NOT NULL REFERENCES consultations (id),
        participant_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        PRIMARY KEY (consultation_id, participant_id)
      ) STRICT;

      -- AUTOINCREMENT: a seq is never reused, even after the newest events were purged.
      -- No foreign key on consultation_id: the record outlives, and may precede, what it talks about.
      CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        type TEXT NOT NULL,
        consultation_id TEXT,
        actor TEXT NOT NULL,
        detail TEXT NOT NULL CHECK (json_valid(detail))
      ) STRICT;
      CREATE INDEX audit_events_by_at ON audit_events (at);
      CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events
      BEGIN
        SELECT RAISE(ABORT, 'audit_events is append-only');
      END;
    `,
  },
  {
    version: 2,
    name: 'invites: a short code for phone dictation, the name the patient typed',
    sql: `
      -- Only the SHA-256 of the short code, like the link's secret. Unique among all invites ever made.
      ALTER TABLE invites ADD COLUMN short_code_hash TEXT;
      CREATE UNIQUE INDEX invites_by_short_code ON invites (short_code_hash) WHERE short_code_hash IS NOT NULL;
      ALTER TABLE invites ADD COLUMN patient_name TEXT;
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

function numberPragma(db: Database.Database, name: string): number {
  const rows = db.pragma(name) as Record<string, unknown>[];
  const value = rows[0]?.[name];
  if (typeof value !== 'number') throw new Error(`PRAGMA ${name} gave no number`);
  return value;
}

export function schemaVersion(db: Database.Database): number {
  return numberPragma(db, 'user_version');
}

/**
 * Brings the database up to `LATEST_VERSION` (or the given list's last version). Returns the versions applied.
 * `where` names the database in errors.
 */
/** Throws, changing nothing, unless this code may open the database: ours (or empty) and not newer. */
export function assertOpenable(db: Database.Database, where: string, migrations: readonly Migration[] = MIGRATIONS): void {
  const latest = migrations.at(-1)?.version ?? 0;
  const version = schemaVersion(db);
  if (version > 0 && numberPragma(db, 'application_id') !== APPLICATION_ID) throw new StoreNotOursError(where);
  if (version > latest) throw new StoreSchemaTooNewError(version, latest, where);
}

export function migrate(db: Database.Database, where: string, migrations: readonly Migration[] = MIGRATIONS, now = Date.now()): number[] {
  const check = (): number => {
    assertOpenable(db, where, migrations);
    return schemaVersion(db);
  };
  // A quick refusal before taking the write lock; checked again inside the transaction (another process may
  // have migrated in between).
  check();
  const applied: number[] = [];
  for (const migration of migrations) {
    const ran = db
      .transaction(() => {
        const current = check();
        if (migration.version <= current) return false;
        if (migration.version !== current + 1) throw new Error(`migration ${migration.version} does not follow version ${current}`);
        if (current === 0) {
          // Refuse an SQLite file that already holds tables of some other program.
          const tables = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number };
          if (tables.n > 0 || numberPragma(db, 'application_id') !== 0) throw new StoreNotOursError(where);
          db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
        }
        db.exec(migration.sql);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
          migration.version,
          migration.name,
          now,
        );
        db.exec(`PRAGMA user_version = ${migration.version}`);
        return true;
      })
      .immediate();
    if (ran) applied.push(migration.version);
  }
  return applied;
}
