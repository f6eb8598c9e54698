/**
 * IT's staff commands, run next to the relay on the same data folder (the relay notices revocations within a
 * second and closes the person's sockets):
 *
 *   clinic-relay staff add "Dr. Rivera" [--expires-hours 24]   a staff member and their one-time enrollment code
 *   clinic-relay staff enroll <staff-id> [--expires-hours 24]  another one-time code (a new device)
 *   clinic-relay staff list                                    everyone, with their devices and revocations
 *   clinic-relay staff revoke <staff-id>                        removes the person and all their devices at once
 *   clinic-relay staff revoke-device <device-id>                removes one device (lost or replaced)
 *
 * Each takes --data-dir DIR (or CLINIC_RELAY_DATA_DIR) like the relay, and --public-url URL (or
 * CLINIC_RELAY_PUBLIC_URL) to print the enrollment link for the browser.
 */
import { parseArgs } from 'node:util';
import type { AuditType } from './audit';
import { DEFAULT_DATA_DIR, resolveDataDir } from './data-dir';
import { checkedName } from './names';
import { openStore } from './store/sqlite-store';
import type { Json, RelayStore } from './store/store';

export const STAFF_HELP = `Clinic Consult relay: staff

  staff add "NAME" [--expires-hours N]   add a staff member; prints their one-time enrollment code
  staff enroll STAFF-ID [--expires-hours N]
                                         another one-time code for an existing staff member (a new device)
  staff list                             everyone, their devices, and what was revoked
  staff revoke STAFF-ID                  revoke the person and every device of theirs (live sockets close)
  staff revoke-device DEVICE-ID          revoke one device

Options: --data-dir DIR (CLINIC_RELAY_DATA_DIR, default ./${DEFAULT_DATA_DIR}), --public-url URL
(CLINIC_RELAY_PUBLIC_URL: prints the browser sign-in link), --expires-hours N (default 24, at most 720).
`;

export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

/** Runs one staff command; resolves with the process exit code (0 done, 1 refused, 2 usage). */
export async function runStaffCommand(argv: string[], env: NodeJS.ProcessEnv, io: CommandIo, now = Date.now()): Promise<number> {
  let parsed: ReturnType<typeof parseStaffArgs>;
  try {
    parsed = parseStaffArgs(argv, env);
  } catch (err) {
    io.err(`clinic-relay staff: ${err instanceof Error ? err.message : String(err)}\n\n${STAFF_HELP}`);
    return 2;
  }
  if (parsed.command === 'help') {
    io.out(STAFF_HELP);
    return 0;
  }
  const store = await openStore({ directory: parsed.dataDir });
  try {
    return await run(store, parsed, io, now);
  } finally {
    await store.close();
  }
}

type StaffArgs = ReturnType<typeof parseStaffArgs>;

function parseStaffArgs(argv: string[], env: NodeJS.ProcessEnv) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      'public-url': { type: 'string' },
      'expires-hours': { type: 'string' },
      help: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [command, subject, ...extra] = positionals;
  if (values.help || command === undefined || command === 'help') return { command: 'help' as const, dataDir: '', subject: '' };
  if (!['add', 'enroll', 'list', 'revoke', 'revoke-device'].includes(command)) throw new Error(`unknown staff command "${command}"`);
  if (command === 'list' ? subject !== undefined : subject === undefined || subject.trim() === '' || extra.length > 0) {
    throw new Error(
      command === 'add' ? 'staff add takes one name, in quotes' : `staff ${command} takes ${command === 'list' ? 'nothing' : 'one id'}`,
    );
  }
  const hours = values['expires-hours'] ?? '24';
  if (!/^\d+$/.test(hours) || Number(hours) < 1 || Number(hours) > 720)
    throw new Error('--expires-hours must be a whole number from 1 to 720');
  return {
    command: command as 'add' | 'enroll' | 'list' | 'revoke' | 'revoke-device',
    subject: subject ?? '',
    dataDir: resolveDataDir(values['data-dir'], env),
    publicUrl: (values['public-url'] ?? env.CLINIC_RELAY_PUBLIC_URL ?? '').replace(/\/+$/, '') || null,
    ttlMs: Number(hours) * 3600 * 1000,
  };
}

async function run(store: RelayStore, args: Exclude<StaffArgs, { command: 'help' }>, io: CommandIo, now: number): Promise<number> {
  switch (args.command) {
    case 'add': {
      // Patients see this name as their clinician's: the same rules as any name shown to someone.
      const checked = checkedName(args.subject);
      if (!checked.ok) {
        io.err(`clinic-relay staff: ${checked.problem}\n`);
        return 2;
      }
      const { staff, enrollmentCode } = await store.addStaff(checked.name, now, args.ttlMs);
      await recordByIt(store, now, 'staff.added', { staffId: staff.id, name: staff.displayName, codeExpiresAt: now + args.ttlMs });
      io.out(`Added ${staff.displayName} (${staff.id}).\n`);
      io.out(enrollmentText(enrollmentCode, now + args.ttlMs, args.publicUrl));
      return 0;
    }
    case 'enroll': {
      const issued = await store.issueEnrollmentCode(args.subject, now, args.ttlMs);
      if (!issued.ok) {
        io.err(
          `clinic-relay staff: ${issued.code === 'STAFF_UNKNOWN' ? `no staff member ${args.subject}` : `${args.subject} was revoked`}\n`,
        );
        return 1;
      }
      await recordByIt(store, now, 'staff.enrollment-issued', { staffId: args.subject, codeExpiresAt: now + args.ttlMs });
      io.out(enrollmentText(issued.value, now + args.ttlMs, args.publicUrl));
      return 0;
    }
    case 'list': {
      const everyone = await store.listStaff();
      if (everyone.length === 0) io.out('No staff yet. Add someone: clinic-relay staff add "Dr. Name"\n');
      for (const staff of everyone) {
        io.out(`${staff.id}  ${staff.displayName}  ${staff.revokedAt === null ? 'active' : `REVOKED ${iso(staff.revokedAt)}`}\n`);
        for (const device of await store.deviceCredentials(staff.id)) {
          const state =
            device.revokedAt === null
              ? `last used ${device.lastUsedAt === null ? 'never' : iso(device.lastUsedAt)}`
              : `REVOKED ${iso(device.revokedAt)}`;
          io.out(`    device ${device.id}  enrolled ${iso(device.createdAt)}  ${state}\n`);
        }
      }
      return 0;
    }
    case 'revoke': {
      const staff = await store.revokeStaff(args.subject, now);
      if (!staff) {
        io.err(`clinic-relay staff: no staff member ${args.subject}\n`);
        return 1;
      }
      await recordByIt(store, now, 'staff.revoked', { staffId: staff.id });
      io.out(
        `Revoked ${staff.displayName} (${staff.id}) and all their devices. A running relay closes their connections within a second.\n`,
      );
      return 0;
    }
    case 'revoke-device': {
      const device = await store.revokeDeviceCredential(args.subject, now);
      if (!device) {
        io.err(`clinic-relay staff: no device ${args.subject}\n`);
        return 1;
      }
      await recordByIt(store, now, 'staff.device-revoked', { staffId: device.staffId, credentialId: device.id });
      io.out(`Revoked device ${device.id}. A running relay closes its connections within a second.\n`);
      return 0;
    }
  }
}

/** IT's own actions go in the clinic's record too, with IT as the actor. */
async function recordByIt(store: RelayStore, at: number, type: AuditType, detail: { readonly [key: string]: Json }): Promise<void> {
  await store.appendAudit([{ at, type, consultationId: null, actor: 'it', detail }]);
}

function enrollmentText(code: string, expiresAt: number, publicUrl: string | null): string {
  const lines = [`One-time enrollment code (expires ${iso(expiresAt)}): ${code}`];
  lines.push('In the desktop app: I am a clinician → Enrollment code.');
  if (publicUrl) lines.push(`In a browser: ${publicUrl}/?enroll=${code}`);
  return `${lines.join('\n')}\n`;
}

function iso(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
