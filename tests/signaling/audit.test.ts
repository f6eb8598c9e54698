/** The clinic's record: what a consultation leaves in the audit log, and IT's export of it. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { csvCell, runAuditCommand } from '../../signaling/audit-command';
import { type Relay, startRelay } from '../../signaling/server';
import { openStore, type SqliteStore } from '../../signaling/store/sqlite-store';
import type { AuditEvent } from '../../signaling/store/store';
import { enrolledStaff, invite, joinMessage, newDevice, signIn } from './staff-fixture';
import { TestClient } from './ws-client';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function relayOn(store: SqliteStore): Promise<Relay> {
  const relay = await startRelay({ port: 0, logger: pino({ level: 'silent' }), store });
  cleanups.push(() => relay.close());
  return relay;
}

async function connect(relay: Relay, label: string): Promise<TestClient> {
  const client = await TestClient.open(`${relay.url.replace(/^http/, 'ws')}/ws`, {}, label);
  cleanups.push(() => client.terminate());
  return client;
}

async function everything(store: SqliteStore): Promise<AuditEvent[]> {
  return store.auditSince(0, 1000);
}

describe('the audit log of a consultation', () => {
  it('records who opened it, whom they invited, who joined from where, the call and how it ended, and the close', async () => {
    const store = await openStore({ memory: true });
    cleanups.push(() => store.close());
    const relay = await relayOn(store);
    const staff = await enrolledStaff(store, 'Dr. Rivera');
    const clinician = await connect(relay, 'clinician');
    await signIn(clinician, staff);
    clinician.send({ type: 'create' });
    const { consultation } = await clinician.next('welcome');
    const made = await invite(clinician, 'Sam Lee');
    const patient = await connect(relay, 'patient');
    patient.send(await joinMessage(patient, await newDevice(), { secret: made.secret }, 'Sam'));
    const { self } = await patient.next('welcome');
    const stranger = await connect(relay, 'stranger');
    stranger.send(await joinMessage(stranger, await newDevice(), { secret: made.secret }, 'Mallory'));
    await stranger.nextError();
    clinician.send({ type: 'admit', patientId: self.participantId });
    const { callId } = await clinician.next('call-start');
    // Each side reports how its call connected; the record keeps a few reports per side, not a flood.
    for (let i = 0; i < 5; i += 1) clinician.send({ type: 'call-path', callId, local: 'relay', remote: 'srflx' });
    patient.send({ type: 'call-path', callId, local: 'host', remote: 'relay' });
    stranger.send({ type: 'call-path', callId, local: 'host', remote: 'host' });
    expect(await stranger.nextError()).toMatchObject({ code: 'NOT_JOINED', ref: 'call-path' });
    clinician.send({ type: 'hang-up', callId });
    await patient.next('call-ended');
    clinician.send({ type: 'leave' });
    await patient.next('consultation-closed');

    const events = await everything(store);
    const ofConsultation = events.filter((e) => e.consultationId === consultation.id);
    expect(ofConsultation.map((e) => e.type)).toEqual([
      'consultation.opened',
      'invite.created',
      'patient.joined',
      'call.started',
      'call.path',
      'call.path',
      'call.path',
      'call.path',
      'call.ended',
      'consultation.closed',
      'participant.left',
    ]);
    const byType = new Map(ofConsultation.map((e) => [e.type, e]));
    expect(byType.get('consultation.opened')).toMatchObject({ actor: staff.staffId, detail: { restored: false } });
    expect(byType.get('invite.created')).toMatchObject({ actor: staff.staffId, detail: { inviteId: made.id, expectedName: 'Sam Lee' } });
    expect(byType.get('patient.joined')).toMatchObject({
      actor: self.participantId,
      detail: { inviteId: made.id, name: 'Sam', invitedAs: 'Sam Lee', byShortCode: false, address: '127.0.0.1' },
    });
    expect(byType.get('call.started')).toMatchObject({
      actor: staff.staffId,
      detail: { callId, patientId: self.participantId, cause: 'admit' },
    });
    expect(byType.get('call.ended')).toMatchObject({ actor: 'clinician', detail: { callId, reason: 'hang-up' } });
    const paths = ofConsultation.filter((e) => e.type === 'call.path').map((e) => e.detail);
    expect(paths).toEqual([
      { callId, side: 'clinician', local: 'relay', remote: 'srflx' },
      { callId, side: 'clinician', local: 'relay', remote: 'srflx' },
      { callId, side: 'clinician', local: 'relay', remote: 'srflx' },
      { callId, side: 'patient', local: 'host', remote: 'relay' },
    ]);
    expect((byType.get('call.ended')?.detail as { durationMs?: number } | undefined)?.durationMs).toBeGreaterThanOrEqual(0);
    // The refused second device, and the staff sign-in, are in the record too, with their addresses.
    expect(events.find((e) => e.type === 'patient.join-refused')).toMatchObject({ detail: { code: 'INVITE_USED', address: '127.0.0.1' } });
    expect(events.find((e) => e.type === 'staff.signed-in')).toMatchObject({
      actor: staff.staffId,
      detail: { credentialId: staff.credentialId },
    });
    // Seqs only ever increase, in the order things happened.
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
  });
});

describe('clinic-relay audit export', () => {
  async function exported(args: string[], dataDir: string): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runAuditCommand([...args, '--data-dir', dataDir], {}, { out: (t) => (out += t), err: (t) => (err += t) });
    return { code, out, err };
  }

  it('writes JSON lines or CSV for a time range, oldest first, and keeps a typed formula as text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clinic-audit-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const store = await openStore({ directory: dir });
    const day = Date.UTC(2026, 10, 30);
    await store.appendAudit([
      { at: day - 1, type: 'patient.joined', consultationId: 'k_1', actor: 'p_0', detail: { name: 'Yesterday' } },
      { at: day + 1000, type: 'patient.joined', consultationId: 'k_1', actor: 'p_1', detail: { name: '=HYPERLINK("x")' } },
      { at: day + 2000, type: 'call.ended', consultationId: 'k_1', actor: 'clinician', detail: { reason: 'hang-up' } },
      { at: day + 86_400_000, type: 'consultation.closed', consultationId: 'k_1', actor: 'relay', detail: {} },
    ]);
    await store.close();

    const jsonl = await exported(['export', '--since', '2026-11-30', '--until', '2026-12-01'], dir);
    expect(jsonl.code).toBe(0);
    const lines = jsonl.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { at: string; actor: string });
    expect(lines.map((l) => l.actor)).toEqual(['p_1', 'clinician']);
    expect(lines[0]?.at).toBe('2026-11-30T00:00:01.000Z');

    const csv = await exported(['export', '--since', '2026-11-30T00:00:01Z', '--format', 'csv'], dir);
    const rows = csv.out.trim().split('\n');
    expect(rows[0]).toBe('seq,at,type,consultation_id,actor,detail');
    expect(rows).toHaveLength(4);
    expect(rows[1]).toContain('"{""name"":""=HYPERLINK(\\""x\\"")""}"');

    expect(await exported(['export'], dir)).toMatchObject({ code: 2, err: expect.stringContaining('needs --since') });
    expect(await exported(['export', '--since', 'yesterday'], dir)).toMatchObject({ code: 2, err: expect.stringContaining('not a date') });
  });

  it('neutralises spreadsheet formulas and quotes what CSV needs quoted', () => {
    expect(csvCell('=1+1')).toBe('"\'=1+1"');
    expect(csvCell('-2')).toBe('"\'-2"');
    expect(csvCell('@SUM(A1)')).toBe('"\'@SUM(A1)"');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('plain')).toBe('plain');
  });
});
