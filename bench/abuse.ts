/**
 * bench:abuse — the relay (the real CLI, its own process) while someone misbehaves, with the clinic's own
 * consultations running throughout. Each figure is an outcome, not a timing: how many of a flood's sockets got
 * in, whether other addresses were still served, how many idle sockets were closed at the deadline, how many
 * bytes a join/leave loop pushed at the clinician, which hostile inputs were refused with which code, and
 * whether every live signal arrived, only where it belonged. The abuse test (tests/signaling/abuse.test.ts)
 * runs the same and asserts the outcomes.
 *   npm run bench:abuse            the last line is one JSON object
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROTOCOL_VERSION } from '../signaling/protocol';
import { type CliRelay, enrollThroughCli, startCliRelay } from '../tests/signaling/relay-cli';
import { invite, joinMessage, newDevice, rawJoinNamed } from '../tests/signaling/staff-fixture';
import { delay, TestClient, upgradeStatus } from '../tests/signaling/ws-client';

export interface AbuseFigures {
  flood_attempted: number;
  flood_accepted: number;
  flood_refused: number;
  /** The HTTP status one more socket from the flooding address gets. */
  flood_refusal_status: number;
  other_address_served: boolean;
  idle_closed_at_deadline: number;
  join_leave_cycles: number;
  /** Of those, the arrivals the waiting room took (the rest: RATE_LIMITED). */
  join_leave_admitted: number;
  clinician_bytes_during_join_flood: number;
  hostile_inputs: number;
  hostile_refused_with_expected_code: number;
  signals_sent: number;
  signals_delivered: number;
  signals_cross_delivered: number;
  relay_log_lines_above_warn: number;
}

const IDENTIFY_SECONDS = 2;

interface LiveCall {
  clinician: TestClient;
  patient: TestClient;
  callId: string;
  tag: string;
}

/** A clinician of the clinic with a patient in a call, signalling throughout. */
async function liveCall(relay: CliRelay, dataDir: string, tag: string): Promise<LiveCall> {
  const { client: clinician } = await enrollThroughCli(relay.wsUrl, dataDir, `Dr. ${tag}`);
  clinician.send({ type: 'create' });
  await clinician.next('welcome');
  const made = await invite(clinician, `Patient ${tag}`);
  const patient = await TestClient.open(relay.wsUrl, {}, `patient ${tag}`);
  patient.send(await joinMessage(patient, await newDevice(), { secret: made.secret }, `Patient ${tag}`));
  const { self } = await patient.next('welcome');
  clinician.send({ type: 'admit', patientId: self.participantId });
  const { callId } = await clinician.next('call-start');
  await patient.next('call-start');
  return { clinician, patient, callId, tag };
}

/** Bytes a socket receives from now on. */
function byteCounter(client: TestClient): () => number {
  let bytes = 0;
  client.ws.on('message', (data: Buffer) => {
    bytes += data.length;
  });
  return () => bytes;
}

export async function runAbuse(): Promise<AbuseFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'clinic-abuse-'));
  const dataDir = join(dir, 'data');
  const relay = await startCliRelay(['--data-dir', dataDir, '--identify-seconds', String(IDENTIFY_SECONDS)]);
  const opened: TestClient[] = [];
  try {
    // The clinic's own consultations, signalling all along.
    const calls = await Promise.all(['A', 'B', 'C'].map((tag) => liveCall(relay, dataDir, tag)));
    let sent = 0;
    let seq = 0;
    let signalling = true;
    const signaller = (async () => {
      while (signalling) {
        seq += 1;
        for (const call of calls) {
          const candidate = `candidate:${call.tag}-${seq} 1 udp 1 10.0.0.2 5000 typ host`;
          call.clinician.send({
            type: 'signal',
            callId: call.callId,
            seq,
            data: { type: 'candidate', candidate: { candidate, sdpMid: '0' } },
          });
          sent += 1;
        }
        await delay(50);
      }
    })();

    // 1. A connection flood from one address; another address meanwhile.
    const FLOOD = 400;
    const floodResults = await Promise.all(
      Array.from({ length: FLOOD }, () =>
        TestClient.open(relay.wsUrl, { localAddress: '127.0.0.50' }, 'flood').then(
          (client) => {
            opened.push(client);
            return client;
          },
          () => null,
        ),
      ),
    );
    const flooders = floodResults.filter((client): client is TestClient => client !== null);
    const other = await TestClient.open(relay.wsUrl, { localAddress: '127.0.0.51' }, 'other address').catch(() => null);
    if (other) opened.push(other);
    other?.send({ type: 'ping', t: 1 });
    const otherServed =
      other !== null &&
      (await other.next('pong').then(
        () => true,
        () => false,
      ));
    const refusedStatus = await upgradeStatus(relay.wsUrl, { localAddress: '127.0.0.50' }).catch(() => 0);

    // 2. The flood's sockets never say anything: closed at the deadline.
    const closes = await Promise.all(flooders.map((client) => client.waitClosed((IDENTIFY_SECONDS + 3) * 1000).catch(() => null)));
    const idleClosed = closes.filter((closed) => closed?.code === 4007).length;

    // 3. A join/leave loop by an invited patient (its own invite, its own device): what reaches the clinician?
    const { client: host } = await enrollThroughCli(relay.wsUrl, dataDir, 'Dr. Flooded');
    opened.push(host);
    host.send({ type: 'create' });
    await host.next('welcome');
    const made = await invite(host, 'Looper');
    const device = await newDevice();
    const hostBytes = byteCounter(host);
    const CYCLES = 100;
    let admitted = 0;
    for (let i = 0; i < CYCLES; i += 1) {
      const looper = await TestClient.open(relay.wsUrl, { localAddress: '127.0.0.60' }, 'looper');
      looper.send(await joinMessage(looper, device, { secret: made.secret }, 'Looper'));
      const reply = await Promise.race([looper.next('welcome'), looper.nextError()]);
      if (reply.type === 'welcome') {
        admitted += 1;
        looper.send({ type: 'leave' });
      }
      looper.ws.close();
    }
    await delay(300);
    const clinicianBytes = hostBytes();

    // 4. Hostile names and payloads, each with the code it must get.
    const hostile: [string, string][] = [
      [`{"v":${PROTOCOL_VERSION},"type":"signal","callId":"c","seq":1,"data":${'['.repeat(20_000)}${']'.repeat(20_000)}}`, 'BAD_MESSAGE'],
      [rawJoinNamed('\\u202eevil'), 'BAD_MESSAGE'],
      [rawJoinNamed('Sam\\u0000'), 'BAD_MESSAGE'],
      [rawJoinNamed('\\u200b\\u200b'), 'BAD_MESSAGE'],
      [
        JSON.stringify({
          v: PROTOCOL_VERSION,
          type: 'signal',
          callId: 'c',
          seq: 1,
          data: { type: 'transceiverRequest', transceiverRequest: { kind: 'video', init: { x: 1 } } },
        }),
        'BAD_MESSAGE',
      ],
      [`{"v":${PROTOCOL_VERSION},"type":"create"}`, 'NOT_SIGNED_IN'],
      [`{"v":${PROTOCOL_VERSION},"type":"admit","patientId":"p_1"}`, 'NOT_JOINED'],
      ['not json', 'BAD_JSON'],
      ['{"v":1,"type":"create","name":"Dr. X"}', 'UNSUPPORTED_VERSION'],
    ];
    const prober = await TestClient.open(relay.wsUrl, { localAddress: '127.0.0.70' }, 'prober');
    opened.push(prober);
    let refusedAsExpected = 0;
    for (const [frame, code] of hostile) {
      prober.sendRaw(frame);
      if ((await prober.nextError()).code === code) refusedAsExpected += 1;
    }

    // 5. The clinic's calls: every signal delivered, only to its own call's patient.
    signalling = false;
    await signaller;
    const tally = (): { delivered: number; crossDelivered: number } => {
      let delivered = 0;
      let crossDelivered = 0;
      for (const call of calls) {
        for (const message of call.patient.received) {
          if (message.type !== 'signal' || message.data.type !== 'candidate') continue;
          if (message.data.candidate.candidate.startsWith(`candidate:${call.tag}-`)) delivered += 1;
          else crossDelivered += 1;
        }
      }
      return { delivered, crossDelivered };
    };
    // The last signals may still be on their way: wait for them (a deadline, not a measurement).
    for (let waited = 0; waited < 10_000 && tally().delivered + tally().crossDelivered < sent; waited += 50) await delay(50);
    const { delivered, crossDelivered } = tally();
    for (const call of calls) opened.push(call.clinician, call.patient);
    const aboveWarn = relay
      .output()
      .split('\n')
      .filter((line) => /^\{.*"level":(5\d|6\d)/.test(line)).length;
    return {
      flood_attempted: FLOOD,
      flood_accepted: flooders.length,
      flood_refused: FLOOD - flooders.length,
      flood_refusal_status: refusedStatus,
      other_address_served: otherServed,
      idle_closed_at_deadline: idleClosed,
      join_leave_cycles: CYCLES,
      join_leave_admitted: admitted,
      clinician_bytes_during_join_flood: clinicianBytes,
      hostile_inputs: hostile.length,
      hostile_refused_with_expected_code: refusedAsExpected,
      signals_sent: sent,
      signals_delivered: delivered,
      signals_cross_delivered: crossDelivered,
      relay_log_lines_above_warn: aboveWarn,
    };
  } finally {
    for (const client of opened) client.terminate();
    await relay.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await runAbuse();
  process.stdout.write(
    `flood from one address: ${figures.flood_accepted}/${figures.flood_attempted} sockets accepted, ` +
      `other address served: ${figures.other_address_served}\n` +
      `idle sockets closed at the ${IDENTIFY_SECONDS} s deadline: ${figures.idle_closed_at_deadline}\n` +
      `join/leave loop: ${figures.join_leave_admitted} of ${figures.join_leave_cycles} arrivals taken, ` +
      `${figures.clinician_bytes_during_join_flood} bytes to the clinician\n` +
      `hostile inputs refused with their codes: ${figures.hostile_refused_with_expected_code}/${figures.hostile_inputs}\n` +
      `live signals: ${figures.signals_delivered}/${figures.signals_sent} delivered, ${figures.signals_cross_delivered} cross-delivered\n` +
      `relay log lines above warn: ${figures.relay_log_lines_above_warn}\n`,
  );
  process.stdout.write(`${JSON.stringify({ bench: 'abuse', ...figures })}\n`);
}
