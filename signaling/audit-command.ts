/**
 * IT's copy of the clinic's record:
 *
 *   clinic-relay audit export --since 2026-11-01 [--until 2026-12-01] [--format jsonl|csv] [--data-dir DIR]
 *
 * Writes every event from `since` (inclusive) to `until` (exclusive), oldest first, to stdout. Safe next to a
 * running relay (SQLite WAL: readers never block it).
 */
import { parseArgs } from 'node:util';
import { resolveDataDir } from './data-dir';
import type { CommandIo } from './staff-command';
import { openStore } from './store/sqlite-store';
import { type AuditEvent, MAX_AUDIT_PAGE } from './store/store';

export const AUDIT_HELP = `Clinic Consult relay: audit log

  audit export --since DATE [--until DATE] [--format jsonl|csv]
      events from DATE (inclusive) to --until (exclusive), oldest first, on stdout. DATE: 2026-11-01 or a full
      ISO time (2026-11-01T08:00:00Z). jsonl: one JSON object a line (default); csv: a header, then a row per event.

Options: --data-dir DIR (CLINIC_RELAY_DATA_DIR, as the relay).
`;

export async function runAuditCommand(argv: string[], env: NodeJS.ProcessEnv, io: CommandIo): Promise<number> {
  let args: { since: number; until: number; format: 'jsonl' | 'csv'; dataDir: string } | 'help';
  try {
    args = parseAuditArgs(argv, env);
  } catch (err) {
    io.err(`clinic-relay audit: ${err instanceof Error ? err.message : String(err)}\n\n${AUDIT_HELP}`);
    return 2;
  }
  if (args === 'help') {
    io.out(AUDIT_HELP);
    return 0;
  }
  const store = await openStore({ directory: args.dataDir });
  try {
    if (args.format === 'csv') io.out(`${CSV_COLUMNS.join(',')}\n`);
    let afterSeq = 0;
    for (;;) {
      const page = await store.auditSince(args.since, MAX_AUDIT_PAGE, afterSeq);
      for (const event of page) {
        if (event.at >= args.until) continue;
        io.out(args.format === 'csv' ? `${csvRow(event)}\n` : `${JSON.stringify(exported(event))}\n`);
      }
      const last = page.at(-1);
      if (!last || page.length < MAX_AUDIT_PAGE) break;
      afterSeq = last.seq;
    }
    return 0;
  } finally {
    await store.close();
  }
}

function parseAuditArgs(argv: string[], env: NodeJS.ProcessEnv) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      since: { type: 'string' },
      until: { type: 'string' },
      format: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  const [command, ...extra] = positionals;
  if (values.help || command === undefined || command === 'help') return 'help' as const;
  if (command !== 'export' || extra.length > 0) throw new Error(`unknown audit command "${positionals.join(' ')}"`);
  if (!values.since) throw new Error('audit export needs --since DATE');
  const format = values.format ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv') throw new Error('--format is jsonl or csv');
  const since = parseDate('--since', values.since);
  const until = values.until ? parseDate('--until', values.until) : Number.MAX_SAFE_INTEGER;
  if (until <= since) throw new Error('--until must be after --since');
  return { since, until, format: format as 'jsonl' | 'csv', dataDir: resolveDataDir(values['data-dir'], env) };
}

function parseDate(flag: string, text: string): number {
  // A bare date means midnight UTC: the same instant wherever IT runs the command.
  const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(at)) throw new Error(`${flag} "${text}" is not a date like 2026-11-01`);
  return at;
}

/** An event as exported: its time in ISO (people read it), the rest as stored. */
function exported(event: AuditEvent): Record<string, unknown> {
  return {
    seq: event.seq,
    at: new Date(event.at).toISOString(),
    type: event.type,
    consultationId: event.consultationId,
    actor: event.actor,
    detail: event.detail,
  };
}

const CSV_COLUMNS = ['seq', 'at', 'type', 'consultation_id', 'actor', 'detail'];

function csvRow(event: AuditEvent): string {
  const cells = [
    String(event.seq),
    new Date(event.at).toISOString(),
    event.type,
    event.consultationId ?? '',
    event.actor,
    JSON.stringify(event.detail),
  ];
  return cells.map(csvCell).join(',');
}

/**
 * RFC 4180 quoting, and no formulas: a name a patient typed as "=HYPERLINK(…)" must stay text when the file
 * is opened in a spreadsheet, so a cell starting with = + - @ or a tab is prefixed with an apostrophe.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r']/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
