import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { HostedRelay, startErrorMessage } from '../../main/hosted-relay';
import { loadOrCreateRelayCertificate } from '../../main/relay-certificate';
import { createDeviceKey, signChallenge } from '../../signaling/device-auth';
import { CloseCode, PROTOCOL_VERSION } from '../../signaling/protocol';

const silent = pino({ level: 'silent' });
const fakeInterfaces = () => ({
  eth0: [
    {
      address: '192.168.50.9',
      netmask: '255.255.255.0',
      family: 'IPv4' as const,
      mac: '00:00:00:00:00:00',
      internal: false,
      cidr: '192.168.50.9/24',
    },
  ],
});

let relay: HostedRelay | null = null;
let blocker: Server | null = null;
afterEach(async () => {
  await relay?.stop();
  relay = null;
  await new Promise<void>((done) => (blocker ? blocker.close(() => done()) : done()));
  blocker = null;
});

/** This socket's challenge, from the relay's hello (its first message). */
const challenges = new WeakMap<WebSocket, string>();

/** Resolves once the socket is open and the relay's hello has arrived (it may come in the same packet as the upgrade). */
function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('message', (data) => {
      challenges.set(ws, String((JSON.parse(String(data)) as { challenge?: unknown }).challenge));
      resolve(ws);
    });
    ws.once('error', reject);
  });
}
type Message = Record<string, unknown> & { type?: string };
/** Resolves with the first message (from now on) of the given type that matches; others are skipped. */
function messageOfType(ws: WebSocket, type: string, matches: (message: Message) => boolean = () => true): Promise<Message> {
  return new Promise((resolve) => {
    const onMessage = (data: unknown): void => {
      const message = JSON.parse(String(data)) as Message;
      if (message.type !== type || !matches(message)) return;
      ws.off('message', onMessage);
      resolve(message);
    };
    ws.on('message', onMessage);
  });
}
function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once('close', (code) => resolve(code)));
}

describe('HostedRelay with its own certificate', () => {
  it('speaks wss:// with the certificate whose fingerprint it reports, on loopback and the LAN', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clinic-relay-cert-'));
    try {
      const certificate = await loadOrCreateRelayCertificate(dir);
      relay = new HostedRelay({ logger: silent, interfaces: fakeInterfaces, certificate: async () => certificate });
      const status = await relay.start(0);
      expect(status).toMatchObject({
        running: true,
        certificateFingerprint: certificate.fingerprint,
        lanUrls: [`wss://192.168.50.9:${status.port}/ws`],
      });
      expect(relay.loopbackUrl()).toBe(`wss://127.0.0.1:${status.port}/ws`);
      expect(relay.hostnames()).toEqual(['127.0.0.1', '192.168.50.9']); // where its certificate is pinned

      // Normal verification refuses the self-signed certificate: only a pin can make it trusted.
      await expect(connect(relay.loopbackUrl() ?? '')).rejects.toThrow(/self-signed|self signed/);
      const pinned = await new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(relay?.loopbackUrl() ?? '', { rejectUnauthorized: false });
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
      const presented = (pinned as unknown as { _socket: TLSSocket })._socket.getPeerCertificate().fingerprint256;
      expect(presented).toBe(certificate.fingerprint);
      pinned.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('HostedRelay', () => {
  it('reports stopped before it starts', async () => {
    relay = new HostedRelay({ logger: silent, interfaces: fakeInterfaces });
    expect(await relay.status()).toEqual({ running: false, port: null, lanUrls: [], certificateFingerprint: null, error: null });
    expect(relay.loopbackUrl()).toBeNull();
    expect(relay.hostnames()).toEqual([]);
  });

  it('starts the real relay on the LAN interface, serves ws clients, and stops cleanly', async () => {
    relay = new HostedRelay({ logger: silent, interfaces: fakeInterfaces, hostName: () => 'Dr Who' });
    const status = await relay.start(0);
    expect(status.running).toBe(true);
    expect(status.error).toBeNull();
    expect(status.port).toBeGreaterThan(0);
    expect(status.lanUrls).toEqual([`ws://192.168.50.9:${status.port}/ws`]);
    expect(relay.loopbackUrl()).toBe(`ws://127.0.0.1:${status.port}/ws`);

    // A clinician and a patient, as two real clients of the bundled relay. The clinician is the host: it
    // enrolls with the code the app gets from main, as the renderer does.
    const clinician = await connect(relay.loopbackUrl() ?? '');
    const challenge = challenges.get(clinician) ?? '';
    const enrollment = await relay.hostEnrollment();
    const key = await createDeviceKey();
    const signedIn = messageOfType(clinician, 'signed-in');
    const welcome = messageOfType(clinician, 'welcome');
    const signature = await signChallenge(key.keyPair.privateKey, 'enroll', challenge);
    clinician.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'enroll', code: enrollment, publicKey: key.publicKey, signature }));
    clinician.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'create' }));
    expect(await signedIn).toMatchObject({ staff: { name: 'Dr Who' } });
    expect(await welcome).toMatchObject({ consultation: { clinicianName: 'Dr Who' } });

    // The clinician invites the patient, whose device comes in on the link's secret; the waiting room shows them.
    const invited = messageOfType(clinician, 'invite-created');
    clinician.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'invite', expectedName: 'Pat' }));
    const { invite } = (await invited) as { invite: { secret: string } };
    const patient = await connect(relay.loopbackUrl() ?? '');
    const patientKey = await createDeviceKey();
    const patientSignature = await signChallenge(patientKey.keyPair.privateKey, 'patient-seat', challenges.get(patient) ?? '');
    const patientWelcome = messageOfType(patient, 'welcome');
    // After the whole (empty) list at opening, arrivals come as changes.
    const waitingRoom = messageOfType(clinician, 'waiting-room-changes', (m) => Array.isArray(m.patients) && m.patients.length > 0);
    patient.send(
      JSON.stringify({
        v: PROTOCOL_VERSION,
        type: 'join',
        invite: { secret: invite.secret },
        name: 'Pat',
        publicKey: patientKey.publicKey,
        signature: patientSignature,
      }),
    );
    expect(await patientWelcome).toMatchObject({ self: { role: 'patient', name: 'Pat' } });
    expect(await waitingRoom).toMatchObject({ patients: [{ name: 'Pat', present: true, inCall: false }] });

    const clinicianClosed = closed(clinician);
    const patientClosed = closed(patient);
    expect(await relay.stop()).toEqual({ running: false, port: null, lanUrls: [], certificateFingerprint: null, error: null });
    expect(await clinicianClosed).toBe(CloseCode.RELAY_SHUTDOWN);
    expect(await patientClosed).toBe(CloseCode.RELAY_SHUTDOWN);
    await expect(connect(`ws://127.0.0.1:${status.port}/ws`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('makes its host the first staff member, kept in its data folder across restarts; nobody else may open', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'clinic-hosted-'));
    try {
      relay = new HostedRelay({ logger: silent, interfaces: fakeInterfaces, dataDir, hostName: () => 'Dr Host' });
      expect(await relay.hostEnrollment()).toBeNull(); // not running: nothing to enroll in
      await relay.start(0);
      const enroll = async (code: string | null): Promise<Message> => {
        const ws = await connect(relay?.loopbackUrl() ?? '');
        const challenge = challenges.get(ws) ?? '';
        const key = await createDeviceKey();
        const signature = await signChallenge(key.keyPair.privateKey, 'enroll', challenge);
        const answer = Promise.race([messageOfType(ws, 'signed-in'), messageOfType(ws, 'error')]);
        ws.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'enroll', code, publicKey: key.publicKey, signature }));
        const reply = await answer;
        ws.close();
        return reply;
      };
      const first = await enroll(await relay.hostEnrollment());
      expect(first).toMatchObject({ type: 'signed-in', staff: { name: 'Dr Host' } });

      // Restarted (the app reopened): the same host, a second device of the same staff member.
      await relay.stop();
      await relay.start(0);
      const second = await enroll(await relay.hostEnrollment());
      expect(second).toMatchObject({ type: 'signed-in', staff: first.staff });

      // A socket that never enrolled cannot open a consultation on the bundled relay either.
      const stranger = await connect(relay.loopbackUrl() ?? '');
      const refused = messageOfType(stranger, 'error');
      stranger.send(JSON.stringify({ v: PROTOCOL_VERSION, type: 'create' }));
      expect(await refused).toMatchObject({ code: 'NOT_SIGNED_IN', ref: 'create' });
      stranger.close();
    } finally {
      await relay?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps running when asked to start again on its own port', async () => {
    relay = new HostedRelay({ logger: silent, interfaces: fakeInterfaces });
    const first = await relay.start(0);
    const again = await relay.start(first.port ?? -1);
    expect(again.port).toBe(first.port);
    const ws = await connect(relay.loopbackUrl() ?? '');
    ws.close();
  });

  it('moves to a new port when asked, closing the old one', async () => {
    relay = new HostedRelay({ logger: silent, interfaces: fakeInterfaces });
    const first = await relay.start(0);
    const freePort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const moved = await relay.start(freePort);
    expect(moved).toMatchObject({ running: true, port: freePort });
    await expect(connect(`ws://127.0.0.1:${first.port}/ws`)).rejects.toThrow(/ECONNREFUSED/);
    (await connect(`ws://127.0.0.1:${freePort}/ws`)).close();
  });

  it('reports a busy port as an error status, not a crash', async () => {
    blocker = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker?.listen(0, '0.0.0.0', () => {
        const address = blocker?.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      }),
    );
    relay = new HostedRelay({ logger: silent, interfaces: fakeInterfaces });
    const status = await relay.start(port);
    expect(status).toEqual({
      running: false,
      port: null,
      lanUrls: [],
      certificateFingerprint: null,
      error: `Port ${port} is already in use on this computer. Choose another port or close the program using it.`,
    });
  });

  it('serialises concurrent starts: one server, one port', async () => {
    let started = 0;
    relay = new HostedRelay({
      logger: silent,
      interfaces: fakeInterfaces,
      startRelay: async () => {
        started += 1;
        await new Promise((r) => setTimeout(r, 20));
        return {
          port: 5555,
          url: 'http://127.0.0.1:5555',
          metricsUrl: null,
          stats: () => ({ connections: 0, consultations: 0, participants: 0, calls: 0 }),
          close: async () => {},
        };
      },
    });
    const [a, b] = await Promise.all([relay.start(5555), relay.start(5555)]);
    expect(started).toBe(1);
    expect(a).toEqual(b);
  });
});

describe('startErrorMessage', () => {
  it('explains privileged ports and unknown failures', () => {
    expect(startErrorMessage(80, Object.assign(new Error('listen EACCES'), { code: 'EACCES' }))).toMatch(/administrator rights/);
    expect(startErrorMessage(1, new Error('boom'))).toBe('The relay could not start: boom');
  });
});
