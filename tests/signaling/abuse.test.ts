/**
 * The relay (the real CLI process) under abuse, with the clinic's consultations running throughout: the same
 * run as `npm run bench:abuse`, its figures asserted as outcomes.
 */
import { expect, it } from 'vitest';
import { runAbuse } from '../../bench/abuse';

it('stays up for the clinic while one address floods, idles, loops joins and sends hostile input', { timeout: 120_000 }, async () => {
  const figures = await runAbuse();
  process.stdout.write(`abuse: ${JSON.stringify(figures)}\n`);
  // One address gets its budget of unidentified sockets and no more; another address is served meanwhile.
  expect(figures.flood_accepted).toBeLessThanOrEqual(20);
  expect(figures.flood_refusal_status).toBe(503);
  expect(figures.other_address_served).toBe(true);
  // Sockets that never sign in or join are closed at the deadline, every one.
  expect(figures.idle_closed_at_deadline).toBe(figures.flood_accepted);
  // A join/leave loop: the waiting room takes a burst of arrivals, then a few a minute; what reaches the
  // clinician is a few hundred bytes per arrival taken (it was 24 MB in 2 s of whole waiting-room lists).
  expect(figures.join_leave_admitted).toBeLessThanOrEqual(25);
  expect(figures.clinician_bytes_during_join_flood).toBeLessThanOrEqual(figures.join_leave_admitted * 1000);
  // Every hostile input refused with its code; nothing a client sends makes the relay log above warn.
  expect(figures.hostile_refused_with_expected_code).toBe(figures.hostile_inputs);
  expect(figures.relay_log_lines_above_warn).toBe(0);
  // The clinic's calls: every signal delivered, none to another call.
  expect(figures.signals_delivered).toBe(figures.signals_sent);
  expect(figures.signals_cross_delivered).toBe(0);
});
