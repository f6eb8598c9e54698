/**
 * The audit log survives the relay dying: the real CLI, busy with consultations from several clinicians at once,
 * is killed with SIGKILL mid-run. Every event a client was told about (an invite it holds, a welcome, a
 * call-start, a call-ended) must be in the database afterwards: the relay commits the event before it sends
 * the message that follows from it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openStore } from '../../../signaling/store/sqlite-store';
import { enrollThroughCli, startCliRelay } from '../relay-cli';
import { invite, joinMessage, newDevice } from '../staff-fixture';
import { TestClient } from '../ws-client';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** What a client saw acknowledged, as "type:id" of the audit event that must exist. */
type Acknowledged = Set<string>;

async function consultLoop(wsUrl: string, clinician: TestClient, acknowledged: Acknowledged, stop: () => boolean): Promise<void> {
  clinician.send({ type: 'create' });
  const { consultation } = await clinician.next('welcome');
  acknowledged.add(`consultation.opened:${consultation.id}`);
  while (!stop()) {
    const made = await invite(clinician, 'Pat');
    acknowledged.add(`invite.created:${made.id}`);
    const patient = await TestClient.open(wsUrl, {}, 'patient');
    cleanups.push(() => patient.terminate());
    patient.send(await joinMessage(patient, await newDevice(), { secret: made.secret }, 'Pat'));
    const { self } = await patient.next('welcome');
    acknowledged.add(`patient.joined:${self.participantId}`);
    clinician.send({ type: 'admit', patientId: self.participantId });
    const { callId } = await clinician.next('call-start');
    acknowledged.add(`call.started:${callId}`);
    clinician.send({ type: 'hang-up', callId });
    await clinician.next('call-ended');
    acknowledged.add(`call.ended:${callId}`);
    patient.send({ type: 'leave' });
    patient.ws.close();
  }
}

function keyOf(event: { type: string; consultationId: string | null; actor: string; detail: unknown }): string | null {
  const detail = event.detail as Record<string, unknown>;
  switch (event.type) {
    case 'consultation.opened':
      return `${event.type}:${event.consultationId}`;
    case 'invite.created':
      return `${event.type}:${String(detail.inviteId)}`;
    case 'patient.joined':
      return `${event.type}:${event.actor}`;
    case 'call.started':
    case 'call.ended':
      return `${event.type}:${String(detail.callId)}`;
    default:
      return null;
  }
}

it('loses no acknowledged audit event when the relay is killed with SIGKILL in the middle of a busy run', {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clinic-audit-kill-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = join(dir, 'data');
  const relay = await startCliRelay(['--data-dir', dataDir]);
  cleanups.push(() => relay.kill());

  const acknowledged: Acknowledged = new Set();
  let stopping = false;
  const clinicians = await Promise.all(['Dr. A', 'Dr. B', 'Dr. C'].map((name) => enrollThroughCli(relay.wsUrl, dataDir, name)));
  for (const { client } of clinicians) cleanups.push(() => client.terminate());
  const loops = clinicians.map(({ client }) => consultLoop(relay.wsUrl, client, acknowledged, () => stopping).catch(() => undefined));

  // Busy for a while, then killed mid-flight: loops are between a request and its answer.
  while (acknowledged.size < 150) await new Promise((resolve) => setTimeout(resolve, 20));
  await relay.kill();
  stopping = true;
  await Promise.all(loops);
  const told = new Set(acknowledged); // nothing more can arrive from a dead relay

  const store = await openStore({ directory: dataDir });
  const found = new Set((await store.auditSince(0, 100_000)).map(keyOf).filter((key): key is string => key !== null));
  await store.close();
  const missing = [...told].filter((key) => !found.has(key));
  process.stdout.write(
    `audit after SIGKILL: ${told.size} events acknowledged to clients, ${found.size} found, ${missing.length} missing\n`,
  );
  expect(missing).toEqual([]);
  expect(found.size).toBeGreaterThanOrEqual(told.size);
});
