import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'libsql';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientOptions } from 'ws';
import { CloseCode, ErrorCode, LIMITS, PROTOCOL_VERSION, type SignalData } from '../../signaling/protocol';
import { type Relay, type RelayOptions, startRelay } from '../../signaling/server';
import { openStore } from '../../signaling/store/sqlite-store';
import type { RelayStore } from '../../signaling/store/store';
import { enrolledStaff, invite, joinMessage, newDevice, resumeMessage, signIn, type TestDevice } from './staff-fixture';
import { delay, TestClient, upgradeStatus } from './ws-client';

const OFFER: SignalData = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
const ANSWER: SignalData = { type: 'answer', sdp: 'v=0\r\n' };
const CANDIDATE: SignalData = {
  type: 'candidate',
  candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.2 5000 typ host', sdpMLineIndex: 0, sdpMid: '0' },
};

let relays: Relay[] = [];
let clients: TestClient[] = [];
/** Each relay's store, where the tests enroll staff as IT would. */
const stores = new Map<Relay, RelayStore>();

afterEach(async () => {
  for (const client of clients) client.terminate();
  clients = [];
  await Promise.all(relays.map((relay) => relay.close()));
  for (const store of stores.values()) await store.close();
  stores.clear();
  relays = [];
});

async function start(options: Partial<RelayOptions> = {}): Promise<Relay> {
  const store = await openStore({ memory: true });
  const relay = await startRelay({ port: 0, logger: pino({ level: 'silent' }), store, ...options });
  relays.push(relay);
  stores.set(relay, store);
  return relay;
}

function storeOf(relay: Relay): RelayStore {
  const store = stores.get(relay);
  if (!store) throw new Error('relay has no test store');
  return store;
}

/** A socket signed in as a newly enrolled staff member. */
async function connectStaff(relay: Relay, name = 'Dr. Rivera'): Promise<TestClient> {
  const client = await connect(relay, `staff ${name}`);
  await signIn(client, await enrolledStaff(storeOf(relay), name));
  return client;
}

function wsUrl(relay: Relay, path = '/ws'): string {
  return `${relay.url.replace(/^http/, 'ws')}${path}`;
}

async function connect(relay: Relay, label: string, options: ClientOptions = {}): Promise<TestClient> {
  const client = await TestClient.open(wsUrl(relay), options, label);
  clients.push(client);
  return client;
}

interface Opened {
  clinician: TestClient;
  clinicianId: string;
}

async function openConsultation(relay: Relay, name = 'Dr. Rivera'): Promise<Opened> {
  const clinician = await connectStaff(relay, name);
  clinician.send({ type: 'create' });
  const welcome = await clinician.next('welcome');
  await clinician.untilWaitingRoom(() => clinician.count('waiting-room') > 0);
  return { clinician, clinicianId: welcome.self.participantId };
}

interface Joined {
  patient: TestClient;
  patientId: string;
  resumeToken: string;
  device: TestDevice;
}

/** The clinician invites `name`; the patient's device redeems the invite by its link and waits. */
async function joinPatient(relay: Relay, opened: Opened, name = 'Sam', options: ClientOptions = {}): Promise<Joined> {
  const { secret } = await invite(opened.clinician, name);
  const patient = await connect(relay, `patient ${name}`, options);
  const device = await newDevice();
  patient.send(await joinMessage(patient, device, { secret }, name));
  const welcome = await patient.next('welcome');
  const presence = await opened.clinician.next('presence');
  expect(presence).toMatchObject({ participantId: welcome.self.participantId, present: true });
  await opened.clinician.untilWaitingRoom((patients) => patients.some((p) => p.id === welcome.self.participantId));
  return { patient, patientId: welcome.self.participantId, resumeToken: welcome.self.resumeToken, device };
}

/** Admits and returns the call id both sides got. */
async function admit(opened: Opened, joined: Joined): Promise<string> {
  opened.clinician.send({ type: 'admit', patientId: joined.patientId });
  const toClinician = await opened.clinician.next('call-start');
  const toPatient = await joined.patient.next('call-start');
  expect(toClinician.initiator).toBe(true);
  expect(toPatient.initiator).toBe(false);
  expect(toPatient.callId).toBe(toClinician.callId);
  return toClinician.callId;
}

/** Sends a WebSocket upgrade request and resets the TCP connection at once (RST, not FIN). */
function upgradeThenReset(port: number, path: string, origin: string | null): Promise<void> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${origin ? `Origin: ${origin}\r\n` : ''}` +
          'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      socket.resetAndDestroy();
      resolve();
    });
    socket.on('error', () => resolve());
  });
}

describe('readiness endpoint', () => {
  it('says ready while the relay accepts calls and its database takes writes', async () => {
    const relay = await start();
    const ready = await fetch(`${relay.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true });
  });

  it('answers 503 with the reason when the database cannot take a write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clinic-readyz-'));
    const store = await openStore({ directory: dir });
    const relay = await startRelay({ port: 0, logger: pino({ level: 'silent' }), store });
    relays.push(relay);
    const locker = new Database(join(dir, 'relay.db'));
    locker.exec('PRAGMA busy_timeout = 0; BEGIN IMMEDIATE');
    try {
      const held = await fetch(`${relay.url}/readyz`);
      expect(held.status).toBe(503);
      expect(await held.json()).toEqual({ ready: false, reason: 'database not writable' });
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
    }
    expect((await fetch(`${relay.url}/readyz`)).status).toBe(200);
    await relay.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }, 20_000);
});

describe('health endpoint', () => {
  it('answers JSON with ok and live counts', async () => {
    const relay = await start();
    const empty = await fetch(`${relay.url}/healthz`);
    expect(empty.status).toBe(200);
    expect(empty.headers.get('content-type')).toBe('application/json');
    expect(await empty.json()).toEqual({ ok: true, connections: 0, consultations: 0, participants: 0, calls: 0 });

    const opened = await openConsultation(relay);
    const joined = await joinPatient(relay, opened);
    await admit(opened, joined);
    const busy = await fetch(`${relay.url}/healthz`);
    expect(await busy.json()).toEqual({ ok: true, connections: 2, consultations: 1, participants: 2, calls: 1 });
  });

  it('answers 404 for other paths when no static folder is served', async () => {
    const relay = await start();
    const response = await fetch(`${relay.url}/index.html`);
    expect(response.status).toBe(404);
  });
});

describe('metrics endpoint', () => {
  /** One sample's value from the exposition text, e.g. sample(text, 'clinic_relay_calls_ended_total{reason="hang-up"}'). */
  function sample(text: string, series: string): number | null {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : null;
  }

  it('is off unless asked for', async () => {
    const relay = await start();
    expect((await fetch(`${relay.url}/metrics`)).status).toBe(404);
  });

  it('can live on a listener of its own, and then never on the public port', async () => {
    const relay = await start({ metrics: true, metricsListen: { host: '127.0.0.1', port: 0 } });
    expect(relay.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${relay.url}/metrics`)).status).toBe(404);
    const own = await fetch(`${relay.metricsUrl}/metrics`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('clinic_relay_connections');
    expect((await fetch(`${relay.metricsUrl}/healthz`)).status).toBe(404);
  });

  it('counts people, calls and how they end, refusals by code and reason, and process health, with no names', async () => {
    const relay = await start({ metrics: true });
    const opened = await openConsultation(relay, 'Dr. Metrics Rivera');
    const joined = await joinPatient(relay, opened, 'Patient Metrics Sam');
    const callId = await admit(opened, joined);
    opened.clinician.send({ type: 'signal', callId, seq: 1, data: OFFER });
    await joined.patient.next('signal');
    joined.patient.sendRaw(`{"v":${PROTOCOL_VERSION},"type":"nonsense"}`);
    await joined.patient.next('error');
    expect(await upgradeStatus(wsUrl(relay, '/elsewhere'))).toBe(400);

    const live = await fetch(`${relay.url}/metrics`);
    expect(live.status).toBe(200);
    expect(live.headers.get('content-type')).toMatch(/^text\/plain/);
    const during = await live.text();
    expect(sample(during, 'clinic_relay_connections')).toBe(2);
    expect(sample(during, 'clinic_relay_consultations')).toBe(1);
    expect(sample(during, 'clinic_relay_participants')).toBe(2);
    expect(sample(during, 'clinic_relay_calls')).toBe(1);
    expect(sample(during, 'clinic_relay_calls_started_total')).toBe(1);
    expect(sample(during, 'clinic_relay_messages_total{type="admit"}')).toBe(1);
    expect(sample(during, 'clinic_relay_messages_total{type="signal"}')).toBe(1);
    expect(sample(during, 'clinic_relay_rejected_messages_total{code="BAD_MESSAGE"}')).toBe(1);
    expect(sample(during, 'clinic_relay_refused_upgrades_total{reason="unknown path"}')).toBe(1);
    expect(sample(during, 'clinic_relay_process_resident_memory_bytes')).toBeGreaterThan(0);

    opened.clinician.send({ type: 'hang-up', callId, reason: 'hang-up' });
    await joined.patient.next('call-ended');
    const after = await (await fetch(`${relay.url}/metrics`)).text();
    expect(sample(after, 'clinic_relay_calls')).toBe(0);
    expect(sample(after, 'clinic_relay_calls_ended_total{reason="hang-up"}')).toBe(1);
    for (const secret of ['Metrics', callId, joined.patientId]) expect(after).not.toContain(secret);
  });
});

describe('upgrade checks', () => {
  it('refuses a WebSocket on any path but /ws with 400', async () => {
    const relay = await start();
    expect(await upgradeStatus(wsUrl(relay, '/'))).toBe(400);
    expect(await upgradeStatus(wsUrl(relay, '/wss'))).toBe(400);
    expect(await upgradeStatus(wsUrl(relay, '/ws/extra'))).toBe(400);
  });

  it('accepts /ws with a query string', async () => {
    const relay = await start();
    const client = await TestClient.open(wsUrl(relay, '/ws?code=ABCD-2345'));
    clients.push(client);
    expect(client.isOpen).toBe(true);
  });

  it('refuses an origin outside allowedOrigins with 403 and accepts listed or absent origins', async () => {
    const relay = await start({ allowedOrigins: ['http://clinic.example'] });
    expect(await upgradeStatus(wsUrl(relay), { origin: 'http://evil.example' })).toBe(403);
    const listed = await connect(relay, 'listed', { origin: 'http://clinic.example' });
    const desktop = await connect(relay, 'no origin');
    expect(listed.isOpen && desktop.isOpen).toBe(true);
  });

  it('survives clients that reset the connection while being refused', async () => {
    const relay = await start({ allowedOrigins: ['http://clinic.example'] });
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => {
      uncaught.push(err);
    };
    process.on('uncaughtException', onUncaught);
    try {
      for (const [path, origin] of [
        ['/nope', null],
        ['/ws', 'http://evil.example'],
      ] as const) {
        for (let i = 0; i < 20; i += 1) await upgradeThenReset(relay.port, path, origin);
      }
      await delay(200);
      expect(uncaught).toEqual([]);
      expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('refuses connections past maxConnections with 503', async () => {
    const relay = await start({ maxConnections: 1 });
    await connect(relay, 'first');
    expect(await upgradeStatus(wsUrl(relay))).toBe(503);
  });
});

describe('bad input', () => {
  it('answers malformed JSON with BAD_JSON and keeps the connection working', async () => {
    const relay = await start();
    const client = await connectStaff(relay);
    client.sendRaw(`{"v":${PROTOCOL_VERSION},"type":"create",`);
    const error = await client.nextError();
    expect(error).toMatchObject({ code: ErrorCode.BAD_JSON, ref: null });
    client.send({ type: 'ping', t: 42 });
    expect(await client.next('pong')).toMatchObject({ t: 42 });
    client.send({ type: 'create' });
    expect((await client.next('welcome')).self.role).toBe('clinician');
  });

  it('answers a binary frame with BAD_MESSAGE', async () => {
    const relay = await start();
    const client = await connect(relay, 'client');
    client.sendRaw(Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, type: 'ping', t: 1 })), { binary: true });
    expect(await client.nextError()).toMatchObject({ code: ErrorCode.BAD_MESSAGE });
    expect(client.count('pong')).toBe(0);
    expect(client.isOpen).toBe(true);
  });

  it('answers an unknown type with BAD_MESSAGE naming it in ref', async () => {
    const relay = await start();
    const client = await connect(relay, 'client');
    client.sendRaw(JSON.stringify({ v: PROTOCOL_VERSION, type: 'teleport' }));
    expect(await client.nextError()).toMatchObject({ code: ErrorCode.BAD_MESSAGE, ref: 'teleport' });
  });

  it('answers another protocol version with UNSUPPORTED_VERSION', async () => {
    const relay = await start();
    const client = await connect(relay, 'client');
    client.sendRaw(JSON.stringify({ v: 1, type: 'create', name: 'Dr' }));
    expect(await client.nextError()).toMatchObject({ code: ErrorCode.UNSUPPORTED_VERSION, ref: 'create' });
    expect(client.count('welcome')).toBe(0);
  });

  it('answers anything but create/join/resume/ping before joining with NOT_JOINED', async () => {
    const relay = await start();
    const client = await connect(relay, 'client');
    const attempts = [
      { type: 'admit', patientId: 'p_1' },
      { type: 'signal', callId: 'c_1', seq: 1, data: OFFER },
      { type: 'hang-up', callId: 'c_1' },
      { type: 'leave' },
    ] as const;
    for (const attempt of attempts) {
      client.send(attempt);
      expect(await client.nextError()).toMatchObject({ code: ErrorCode.NOT_JOINED, ref: attempt.type });
    }
  });

  it('answers a second create/join/resume on a joined connection with ALREADY_JOINED', async () => {
    const relay = await start();
    const opened = await openConsultation(relay);
    const joined = await joinPatient(relay, opened);
    for (const again of [
      { type: 'create' as const },
      await joinMessage(joined.patient, joined.device, { shortCode: 'ABCD-2345' }, 'Again'),
      await resumeMessage(joined.patient, joined.resumeToken, null, joined.device),
    ]) {
      joined.patient.send(again);
      expect(await joined.patient.nextError()).toMatchObject({ code: ErrorCode.ALREADY_JOINED, ref: again.type });
    }
    expect(joined.patient.count('welcome')).toBe(1);
    expect(await fetch(`${relay.url}/healthz`).then((r) => r.json())).toMatchObject({ consultations: 1, participants: 2 });
  });

  it('answers an unknown invite code with INVITE_INVALID and a bad resume token with INVALID_RESUME', async () => {
    const relay = await start();
    const client = await connectStaff(relay);
    client.send(await joinMessage(client, await newDevice(), { shortCode: 'ZZZZ-2222' }, 'Sam'));
    expect(await client.nextError()).toMatchObject({ code: ErrorCode.INVITE_INVALID, ref: 'join' });
    client.send({ type: 'resume', resumeToken: 'x'.repeat(32), callId: null });
    expect(await client.nextError()).toMatchObject({ code: ErrorCode.INVALID_RESUME, ref: 'resume' });
    // Neither left the connection half-joined.
    client.send({ type: 'create' });
    expect(await client.next('welcome')).toBeTruthy();
  });

  it('answers a patient who admits with WRONG_ROLE', async () => {
    const relay = await start();
    const opened = await openConsultation(relay);
    const joined = await joinPatient(relay, opened);
    joined.patient.send({ type: 'admit', patientId: joined.patientId });
    expect(await joined.patient.nextError()).toMatchObject({ code: ErrorCode.WRONG_ROLE, ref: 'admit' });
    expect(await opened.clinician.collect('call-start')).toEqual([]);
  });

  it('closes a socket that sends a frame over 64 KiB with 1009, leaving other consultations working', async () => {
    const relay = await start();
    const a = await openConsultation(relay, 'A');
    const aPatient = await joinPatient(relay, a, 'Pa');
    const b = await openConsultation(relay, 'B');
    const bPatient = await joinPatient(relay, b, 'Pb');
    const bCall = await admit(b, bPatient);

    aPatient.patient.sendRaw(JSON.stringify({ v: PROTOCOL_VERSION, type: 'ping', t: 1, pad: 'x'.repeat(LIMITS.maxPayloadBytes) }));
    expect((await aPatient.patient.waitClosed()).code).toBe(1009);
    // Its own clinician sees it go; B's call carries on.
    expect(await a.clinician.next('presence')).toMatchObject({ participantId: aPatient.patientId, present: false });
    b.clinician.send({ type: 'signal', callId: bCall, seq: 1, data: OFFER });
    expect(await bPatient.patient.next('signal')).toMatchObject({ callId: bCall, seq: 1, data: OFFER });
    bPatient.patient.send({ type: 'signal', callId: bCall, seq: 1, data: ANSWER });
    expect(await b.clinician.next('signal')).toMatchObject({ callId: bCall, data: ANSWER });
    expect(b.clinician.count('presence')).toBe(1);
  });

  it('accepts a frame just under the limit', async () => {
    const relay = await start();
    const client = await connect(relay, 'client');
    const frame = JSON.stringify({ v: PROTOCOL_VERSION, type: 'ping', t: 7, pad: '' });
    client.sendRaw(frame.replace('"pad":""', `"pad":"${'x'.repeat(LIMITS.maxPayloadBytes - frame.length)}"`));
    expect(await client.next('pong')).toMatchObject({ t: 7 });
  });
});

describe('ICE configuration', () => {
  const TURN = {
    stunUrls: [],
    turnUrls: ['turn:198.18.0.2:3478?transport=udp'],
    turnSecret: 'clinic-turn-secret-0123',
    turnTtlSeconds: 600,
    relayOnly: true,
  };

  it('hands each side of a call, at call-start, the TURN servers with credentials of its own, for the call', async () => {
    const relay = await start({ ice: TURN });
    const opened = await openConsultation(relay);
    const joined = await joinPatient(relay, opened);
    opened.clinician.send({ type: 'admit', patientId: joined.patientId });
    for (const [side, id] of [
      [opened.clinician, opened.clinicianId],
      [joined.patient, joined.patientId],
    ] as const) {
      const start = await side.next('call-start');
      const server = start.ice.iceServers[0];
      expect(start.ice.iceTransportPolicy).toBe('relay');
      expect(server?.urls).toEqual(['turn:198.18.0.2:3478?transport=udp']);
      expect(server?.username).toMatch(new RegExp(`^\\d+:${id}$`));
      // IT's --turn-ttl (600 s here) bounds the call's credentials.
      const lifetime = Number(server?.username?.split(':')[0]) - Date.now() / 1000;
      expect(lifetime).toBeGreaterThan(590);
      expect(lifetime).toBeLessThanOrEqual(600);
      expect(JSON.stringify(start)).not.toContain('clinic-turn-secret-0123');
    }
  });

  it('gives no TURN credential in any welcome, nor to anyone outside the call', async () => {
    const relay = await start({ ice: TURN });
    const opened = await openConsultation(relay);
    const inCall = await joinPatient(relay, opened, 'In Call');
    const waiting = await joinPatient(relay, opened, 'Waiting');
    opened.clinician.send({ type: 'admit', patientId: inCall.patientId });
    await inCall.patient.next('call-start');
    await delay(100);
    const anonymous = await connect(relay, 'anonymous');
    anonymous.send({ type: 'precall-ice' });
    expect(await anonymous.nextError()).toMatchObject({ code: ErrorCode.NOT_JOINED, ref: 'precall-ice' });
    for (const client of [opened.clinician, inCall.patient, waiting.patient, anonymous]) {
      const credentialed = client.received.filter((m) => m.type !== 'call-start' && JSON.stringify(m).includes('"credential"'));
      expect(credentialed).toEqual([]);
    }
    expect(waiting.patient.count('call-start')).toBe(0);
  });

  it('gives the pre-call check a credential of a few minutes, to staff and seated patients only', async () => {
    const relay = await start({ ice: { ...TURN, turnTtlSeconds: 7200 } });
    const opened = await openConsultation(relay);
    const joined = await joinPatient(relay, opened);
    for (const client of [opened.clinician, joined.patient]) {
      client.send({ type: 'precall-ice' });
      const { ice } = await client.next('precall-ice');
      const lifetime = Number(ice.iceServers[0]?.username?.split(':')[0]) - Date.now() / 1000;
      expect(lifetime).toBeGreaterThan(290);
      expect(lifetime).toBeLessThanOrEqual(300);
    }
  });

  it('refuses to start with an unusable configuration', async () => {
    await expect(
      start({ ice: { stunUrls: [], turnUrls: ['turn:x:3478'], turnSecret: null, turnTtlSeconds: 600, relayOnly: false } }),
    ).rejects.toThrow(/need the TURN shared secret/);
  });
});

describe('invite links', () => {
  it('point at the web app when the relay serves one, carrying the invite secret', async () => {
    const relay = await start({ staticDir: tmpdir() });
    const opened = await openConsultation(relay);
    const made = await invite(opened.clinician, 'Sam Lee');
    expect(made.joinUrl).toBe(`${relay.url}/invite#${made.secret}`);
    expect(made.shortCode).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  });

  it('use the configured public address', async () => {
    const relay = await start({ staticDir: tmpdir(), publicUrl: 'https://consult.clinic.example' });
    const opened = await openConsultation(relay);
    const made = await invite(opened.clinician);
    expect(made.joinUrl).toBe(`https://consult.clinic.example/invite#${made.secret}`);
  });

  it('are null when the relay serves no web app (the desktop app builds its own link)', async () => {
    const relay = await start();
    expect((await invite((await openConsultation(relay)).clinician)).joinUrl).toBeNull();
  });
});

describe('a full consultation', () => {
  it('create → join → admit → signals both ways → hang-up → second admit', async () => {
    const relay = await start();
    const opened = await openConsultation(relay, 'Dr. Rivera');

    const joined = await joinPatient(relay, opened, 'Sam');
    expect(opened.clinician.waitingRoom).toMatchObject([
      { id: joined.patientId, name: 'Sam', invitedAs: 'Sam', present: true, inCall: false },
    ]);
    expect(await joined.patient.next('presence')).toMatchObject({ participantId: opened.clinicianId, role: 'clinician', present: true });

    opened.clinician.send({ type: 'admit', patientId: joined.patientId });
    const toClinician = await opened.clinician.next('call-start');
    const toPatient = await joined.patient.next('call-start');
    expect(toClinician).toMatchObject({ initiator: true, peer: { id: joined.patientId, name: 'Sam', role: 'patient' } });
    expect(toPatient).toMatchObject({
      callId: toClinician.callId,
      initiator: false,
      peer: { id: opened.clinicianId, name: 'Dr. Rivera', role: 'clinician' },
    });
    const callId = toClinician.callId;

    opened.clinician.send({ type: 'signal', callId, seq: 1, data: OFFER });
    opened.clinician.send({ type: 'signal', callId, seq: 2, data: CANDIDATE });
    expect(await joined.patient.next('signal')).toEqual({ v: PROTOCOL_VERSION, type: 'signal', callId, seq: 1, data: OFFER });
    expect(await joined.patient.next('signal')).toEqual({ v: PROTOCOL_VERSION, type: 'signal', callId, seq: 2, data: CANDIDATE });
    joined.patient.send({ type: 'signal', callId, seq: 1, data: ANSWER });
    expect(await opened.clinician.next('signal')).toEqual({ v: PROTOCOL_VERSION, type: 'signal', callId, seq: 1, data: ANSWER });

    joined.patient.send({ type: 'hang-up', callId });
    const ended = { v: PROTOCOL_VERSION, type: 'call-ended', callId, reason: 'hang-up', by: 'patient' };
    expect(await opened.clinician.next('call-ended')).toEqual(ended);
    expect(await joined.patient.next('call-ended')).toEqual(ended);

    // A late signal of the ended call is dropped without an error.
    opened.clinician.send({ type: 'signal', callId, seq: 3, data: CANDIDATE });
    const second = await admit(opened, joined);
    expect(second).not.toBe(callId);
    expect(opened.clinician.count('error')).toBe(0);
    expect(joined.patient.count('signal')).toBe(2);

    opened.clinician.send({ type: 'hang-up', callId: second, reason: 'connection-failed' });
    expect(await joined.patient.next('call-ended')).toMatchObject({ callId: second, reason: 'connection-failed', by: 'clinician' });
    expect(opened.clinician.invalid.concat(joined.patient.invalid)).toEqual([]);
  });

  it('starts exactly one call when admit is sent twice back to back', async () => {
    const relay = await start();
    const opened = await openConsultation(relay);
    const joined = await joinPatient(relay, opened);
    opened.clinician.send({ type: 'admit', patientId: joined.patientId });
    opened.clinician.send({ type: 'admit', patientId: joined.patientId });
    expect(await opened.clinician.nextError()).toMatchObject({ code: ErrorCode.CALL_IN_PROGRESS, ref: 'admit' });
    await delay(150);
    expect(opened.clinician.count('call-start')).toBe(1);
    expect(joined.patient.count('call-start')).toBe(1);
  });

  it('answers a signal for a callId that is not yours with NOT_IN_CALL', async () => {
    const relay = await start();
    const opened = await openConsultation(relay);
    const joined = await joinPatient(relay, opened);
    await admit(opened, joined);
    joined.patient.send({ type: 'signal', callId: 'c_0000000000000000', seq: 1, data: ANSWER });
    expect(await joined.patient.nextError()).toMatchObject({ code: ErrorCode.NOT_IN_CALL, ref: 'signal' });
    expect(await opened.clinician.collect('signal')).toEqual([]);
  });

  it('closes the consultation for patients (4002) when the clinician leaves', async () => {
    const relay = await start();
    const opened = await openConsultation(relay);
    const first = await joinPatient(relay, opened, 'First');
    const second = await joinPatient(relay, opened, 'Second');
    const callId = await admit(opened, first);
    opened.clinician.send({ type: 'leave' });
    expect(await first.patient.next('call-ended')).toMatchObject({ callId, reason: 'peer-left', by: 'clinician' });
    for (const { patient } of [first, second]) {
      expect(await patient.next('consultation-closed')).toMatchObject({ reason: 'clinician-left' });
      expect((await patient.waitClosed()).code).toBe(CloseCode.CONSULTATION_CLOSED);
    }
    expect(await fetch(`${relay.url}/healthz`).then((r) => r.json())).toMatchObject({ consultations: 0, participants: 0 });
    // The clinician's socket is free to open a new consultation.
    opened.clinician.send({ type: 'create' });
    expect(await opened.clinician.next('welcome')).toBeTruthy();
  });
});

describe('isolation between consultations', () => {
  it('never lets signals cross between two consultations on one relay', async () => {
    const relay = await start();
    const a = await openConsultation(relay, 'A');
    const aPatient = await joinPatient(relay, a, 'Pa');
    const b = await openConsultation(relay, 'B');
    const bPatient = await joinPatient(relay, b, 'Pb');
    const aCall = await admit(a, aPatient);
    const bCall = await admit(b, bPatient);

    a.clinician.send({ type: 'signal', callId: aCall, seq: 1, data: OFFER });
    b.clinician.send({ type: 'signal', callId: bCall, seq: 1, data: OFFER });
    aPatient.patient.send({ type: 'signal', callId: aCall, seq: 1, data: ANSWER });
    bPatient.patient.send({ type: 'signal', callId: bCall, seq: 1, data: ANSWER });
    // Cross-consultation attempts with the other's call id.
    a.clinician.send({ type: 'signal', callId: bCall, seq: 2, data: CANDIDATE });
    bPatient.patient.send({ type: 'signal', callId: aCall, seq: 2, data: CANDIDATE });
    expect(await a.clinician.nextError()).toMatchObject({ code: ErrorCode.NOT_IN_CALL });
    expect(await bPatient.patient.nextError()).toMatchObject({ code: ErrorCode.NOT_IN_CALL });

    const settle = 200;
    const [aP, bP, aC, bC] = await Promise.all([
      aPatient.patient.collect('signal', settle),
      bPatient.patient.collect('signal', settle),
      a.clinician.collect('signal', settle),
      b.clinician.collect('signal', settle),
    ]);
    expect(aP.map((m) => m.callId)).toEqual([aCall]);
    expect(bP.map((m) => m.callId)).toEqual([bCall]);
    expect(aC.map((m) => m.callId)).toEqual([aCall]);
    expect(bC.map((m) => m.callId)).toEqual([bCall]);
  });

  it('does not tell one clinician about arrivals in another consultation', async () => {
    const relay = await start();
    const a = await openConsultation(relay, 'A');
    const b = await openConsultation(relay, 'B');
    await joinPatient(relay, b, 'Pb');
    expect(await a.clinician.collect('presence')).toEqual([]);
    await b.clinician.untilWaitingRoom((patients) => patients.length === 1);
    await delay(150);
    expect(a.clinician.count('waiting-room-changes')).toBe(0);
    expect(a.clinician.waitingRoom).toEqual([]);
  });
});

describe('rate limiting', () => {
  it('answers messages beyond the budget with RATE_LIMITED and recovers', async () => {
    const relay = await start({ messagesPerSecond: 5 });
    const client = await connect(relay, 'client');
    for (let i = 0; i < 30; i += 1) client.send({ type: 'ping', t: i });
    const limited = await client.next('error');
    expect(limited).toMatchObject({ code: ErrorCode.RATE_LIMITED });
    await delay(200);
    const pongs = client.count('pong');
    // A burst of twice the rate gets through (plus what refills during the burst), the rest is refused.
    expect(pongs).toBeGreaterThanOrEqual(10);
    expect(pongs).toBeLessThanOrEqual(12);
    expect(client.count('error')).toBe(30 - pongs);
    expect(client.isOpen).toBe(true);

    await delay(500); // refills ~2 tokens
    client.drain();
    client.send({ type: 'ping', t: 99 });
    expect(await client.next('pong')).toMatchObject({ t: 99 });
  });
});

describe('heartbeat', () => {
  it('drops a client that stops answering pings and shows it as gone to the other side', async () => {
    const relay = await start({ heartbeatMs: 50 });
    const opened = await openConsultation(relay);
    const joined = await joinPatient(relay, opened, 'Silent', { autoPong: false });
    const closed = await joined.patient.waitClosed(2_000);
    expect(closed.code).toBe(1006); // terminated, no close frame
    expect(await opened.clinician.next('presence')).toMatchObject({ participantId: joined.patientId, present: false });
    // The clinician, whose client answers pings, is still connected.
    expect(opened.clinician.isOpen).toBe(true);
    opened.clinician.send({ type: 'ping', t: 1 });
    expect(await opened.clinician.next('pong')).toMatchObject({ t: 1 });
  });

  it("notes a client that gave up on the relay's heartbeat, by its close code", async () => {
    const lines: string[] = [];
    const relay = await start({ logger: pino({ level: 'info' }, { write: (line: string) => lines.push(line) }) });
    const opened = await openConsultation(relay);
    opened.clinician.ws.close(CloseCode.HEARTBEAT_TIMEOUT, 'heartbeat timeout');
    await opened.clinician.waitClosed();
    await delay(50);
    const noted = lines.map((line) => JSON.parse(line) as { msg: string; participant?: string });
    expect(noted).toContainEqual(
      expect.objectContaining({ msg: 'client gave up: relay heartbeat timeout', participant: opened.clinicianId }),
    );
  });

  it('keeps a client that answers pings', async () => {
    const relay = await start({ heartbeatMs: 30 });
    const client = await connect(relay, 'client');
    await delay(300); // ten intervals: three missed ones would have dropped it
    expect(client.isOpen).toBe(true);
  });
});

describe('resume', () => {
  it('keeps the place after the socket closes and takes it back on a new socket', async () => {
    const relay = await start();
    const opened = await openConsultation(relay);
    const first = await joinPatient(relay, opened, 'First');
    const second = await joinPatient(relay, opened, 'Second');
    const roomBefore = opened.clinician.waitingRoom;

    first.patient.ws.close();
    expect(await opened.clinician.next('presence')).toMatchObject({ participantId: first.patientId, present: false });

    const again = await connect(relay, 'First again');
    again.send(await resumeMessage(again, first.resumeToken, null, first.device));
    const welcome = await again.next('welcome');
    expect(welcome.self).toMatchObject({ participantId: first.patientId, name: 'First', role: 'patient' });
    expect(welcome.call).toBeNull();
    expect(await opened.clinician.next('presence')).toMatchObject({ participantId: first.patientId, present: true });
    opened.clinician.drain();

    const roomAfter = await opened.clinician.untilWaitingRoom((patients) => patients.every((p) => p.present));
    expect(roomAfter).toEqual(roomBefore);
    expect(roomAfter).toMatchObject([{ id: first.patientId }, { id: second.patientId }]);

    // The resumed socket is the patient now.
    opened.clinician.send({ type: 'admit', patientId: first.patientId });
    expect(await again.next('call-start')).toMatchObject({ initiator: false });
  });

  it('closes the older socket with 4001 when a second socket resumes the same token', async () => {
    const relay = await start();
    const opened = await openConsultation(relay);
    const joined = await joinPatient(relay, opened);

    const second = await connect(relay, 'second window');
    second.send(await resumeMessage(second, joined.resumeToken, null, joined.device));
    await second.next('welcome');
    expect((await joined.patient.waitClosed()).code).toBe(CloseCode.REPLACED);

    // The replaced socket going away must not show the patient as gone.
    const presences = await opened.clinician.collect('presence', 200);
    expect(presences.map((p) => p.present)).toEqual([true]);

    const callId = await admit(opened, { ...joined, patient: second });
    opened.clinician.send({ type: 'signal', callId, seq: 1, data: OFFER });
    expect(await second.next('signal')).toMatchObject({ callId });
  });

  it('restarts a running call when a participant resumes without it', async () => {
    const relay = await start();
    const opened = await openConsultation(relay);
    const joined = await joinPatient(relay, opened);
    const oldCall = await admit(opened, joined);

    joined.patient.ws.close(); // page reload
    await opened.clinician.next('presence');
    const reloaded = await connect(relay, 'reloaded');
    reloaded.send(await resumeMessage(reloaded, joined.resumeToken, null, joined.device));
    expect((await reloaded.next('welcome')).call).toBeNull();

    expect(await opened.clinician.next('call-ended')).toMatchObject({ callId: oldCall, reason: 'replaced', by: null });
    const restarted = await opened.clinician.next('call-start');
    expect(restarted.callId).not.toBe(oldCall);
    expect(restarted.initiator).toBe(true);
    expect(await reloaded.next('call-start')).toMatchObject({ callId: restarted.callId, initiator: false });
  });

  it('keeps the call when the participant resumes holding it', async () => {
    const relay = await start();
    const opened = await openConsultation(relay);
    const joined = await joinPatient(relay, opened);
    const callId = await admit(opened, joined);

    joined.patient.terminate(); // network blip, peer connection still alive
    await opened.clinician.next('presence');
    const back = await connect(relay, 'back');
    back.send(await resumeMessage(back, joined.resumeToken, callId, joined.device));
    expect((await back.next('welcome')).call).toMatchObject({ callId, initiator: false, peer: { id: opened.clinicianId } });
    expect(await opened.clinician.collect('call-ended')).toEqual([]);
    back.send({ type: 'signal', callId, seq: 5, data: CANDIDATE });
    expect(await opened.clinician.next('signal')).toMatchObject({ callId, seq: 5 });
  });
});

describe('relay shutdown', () => {
  it('closes every client with 4004 and stops listening', async () => {
    const relay = await start();
    const opened = await openConsultation(relay);
    const joined = await joinPatient(relay, opened);
    const idle = await connect(relay, 'idle');
    await relay.close();
    for (const client of [opened.clinician, joined.patient, idle]) {
      expect((await client.waitClosed()).code).toBe(CloseCode.RELAY_SHUTDOWN);
    }
    await expect(fetch(`${relay.url}/healthz`)).rejects.toThrow();
    await relay.close(); // idempotent
  });
});
