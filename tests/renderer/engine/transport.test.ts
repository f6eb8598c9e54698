import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import { ConsultEngine } from '../../../renderer/engine/engine';
import { MemoryCredentialStore } from '../../../renderer/engine/staff-sign-in';
import { type RelayStatus, WebSocketTransport } from '../../../renderer/engine/transport';
import { CloseCode, PROTOCOL_VERSION, type ServerMessage, type ServerMessageBody } from '../../../signaling/protocol';
import { type Relay, type RelayOptions, startRelay } from '../../../signaling/server';
import { openStore, type SqliteStore } from '../../../signaling/store/sqlite-store';
import { fakeStream, welcome } from './fakes';

function wire(message: ServerMessageBody): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, ...message });
}

// The transport is written against the browser's WebSocket; `ws` implements the same event-handler API. Unlike
// a browser's, a `ws` socket with no 'error' listener throws when it is closed while still connecting (a
// reconnect attempt in flight when a test ends): listen, as a browser effectively does.
class BrowserLikeWebSocket extends NodeWebSocket {
  constructor(...args: ConstructorParameters<typeof NodeWebSocket>) {
    super(...args);
    this.on('error', () => {});
  }
}
const WebSocketImpl = BrowserLikeWebSocket as unknown as typeof WebSocket;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function record(transport: WebSocketTransport) {
  const statuses: RelayStatus[] = [];
  const closeCodes: (number | undefined)[] = [];
  const messages: ServerMessage[] = [];
  const logs: string[] = [];
  transport.subscribe({
    status: (s, _detail, closeCode) => {
      statuses.push(s);
      closeCodes.push(closeCode);
    },
    message: (m) => messages.push(m),
    log: (event, detail) => logs.push(`${event}: ${detail}`),
  });
  return { statuses, closeCodes, messages, logs };
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function relayOn(port = 0, options: Partial<RelayOptions> = {}): Promise<Relay> {
  const relay = await startRelay({ port, logger: pino({ level: 'silent' }), ...options });
  cleanups.push(() => relay.close());
  return relay;
}

async function memoryStore(): Promise<SqliteStore> {
  const store = await openStore({ memory: true });
  cleanups.push(() => store.close());
  return store;
}

function wsUrl(relay: Relay): string {
  return `${relay.url.replace('http', 'ws')}/ws`;
}

function transportFor(url: string, options: ConstructorParameters<typeof WebSocketTransport>[1] = {}): WebSocketTransport {
  const transport = new WebSocketTransport(url, { WebSocketImpl, ...options });
  cleanups.push(() => transport.close());
  return transport;
}

describe('WebSocketTransport', () => {
  it('connects, sends and receives validated messages, and measures heartbeat round trips', async () => {
    const relay = await relayOn();
    const transport = transportFor(wsUrl(relay), { heartbeatMs: 50 });
    const seen = record(transport);
    transport.connect();
    await until(() => transport.status === 'open');
    await until(() => seen.messages.length > 0);
    expect(seen.messages[0]?.type).toBe('hello'); // the relay's first word on every socket
    expect(transport.send({ type: 'precall-ice' })).toBe(true);
    await until(() => seen.messages.some((m) => m.type === 'error'));
    expect(seen.messages.find((m) => m.type === 'error')).toMatchObject({ code: 'NOT_JOINED', ref: 'precall-ice' });
    await until(() => transport.rttMs !== null);
    expect(transport.rttMs).toBeGreaterThanOrEqual(0);
    expect(seen.statuses.slice(0, 2)).toEqual(['connecting', 'open']);
  });

  it('refuses to send while not connected instead of queueing silently', () => {
    const transport = transportFor('ws://127.0.0.1:9/ws');
    expect(transport.send({ type: 'ping', t: 1 })).toBe(false);
  });

  it('ignores malformed relay messages without dropping the connection', async () => {
    const wss = new WebSocketServer({ port: 0 });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    wss.on('connection', (socket) => {
      socket.send('{not json');
      socket.send(wire({ type: 'pong', t: 5 }));
    });
    const port = (wss.address() as { port: number }).port;
    const transport = transportFor(`ws://127.0.0.1:${port}`);
    const seen = record(transport);
    transport.connect();
    await until(() => seen.messages.length === 1);
    expect(seen.messages[0]).toEqual({ v: PROTOCOL_VERSION, type: 'pong', t: 5 });
    expect(transport.status).toBe('open');
    // Said on the log channel, never as a status: a repeated 'open' made the engine send a spurious resume.
    expect(seen.statuses).toEqual(['connecting', 'open']);
    expect(seen.logs).toEqual(['relay-message-ignored: BAD_JSON: message is not valid JSON']);
  });

  it('an engine on a real socket says nothing to the relay because of a malformed message, and logs it', async () => {
    const received: string[] = [];
    const wss = new WebSocketServer({ port: 0 });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    wss.on('connection', (socket) => {
      socket.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string };
        received.push(message.type);
        if (message.type !== 'join') return;
        socket.send(wire(welcome('patient')));
        socket.send(`{"v":${PROTOCOL_VERSION},"type":"no-such-message"}`);
        socket.send(wire({ type: 'pong', t: 1 }));
      });
      socket.send(wire({ type: 'hello', challenge: 'challenge1' }));
    });
    const port = (wss.address() as { port: number }).port;
    const engine = new ConsultEngine({
      transport: transportFor(`ws://127.0.0.1:${port}`),
      getUserMedia: async () => fakeStream(),
      createPeer: () => {
        throw new Error('no call in this test');
      },
    });
    cleanups.push(() => engine.dispose());
    await engine.join({ shortCode: 'ABCD-2345' }, 'Amy');
    await until(() => engine.timelineEntries().some((e) => e.event === 'relay-message-ignored'));
    await new Promise((r) => setTimeout(r, 100)); // a spurious resume would have been sent by now
    expect(received).toEqual(['join']);
    expect(engine.getSnapshot().phase).toBe('waiting');
  });

  it('reconnects with backoff when the relay comes back on the same port', async () => {
    const first = await relayOn();
    const port = first.port;
    const transport = transportFor(`ws://127.0.0.1:${port}/ws`, { backoffMs: [50, 100, 100, 200, 400, 800] });
    const seen = record(transport);
    transport.connect();
    await until(() => transport.status === 'open');
    await first.close();
    await until(() => seen.statuses.includes('reconnecting'));
    await relayOn(port);
    await until(() => transport.status === 'open');
    expect(seen.statuses.filter((s) => s === 'open')).toHaveLength(2);
  });

  it('gives up after the last backoff step and reports closed', async () => {
    const relay = await relayOn();
    const port = relay.port;
    await relay.close();
    const transport = transportFor(`ws://127.0.0.1:${port}/ws`, { backoffMs: [10, 10] });
    const seen = record(transport);
    transport.connect();
    await until(() => transport.status === 'closed' && seen.statuses.length > 1);
    expect(seen.statuses).toEqual(['connecting', 'reconnecting', 'reconnecting', 'reconnecting', 'reconnecting', 'closed']);
  });

  it('does not reconnect when the relay replaced this connection (4001)', async () => {
    const wss = new WebSocketServer({ port: 0 });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    let connections = 0;
    wss.on('connection', (socket) => {
      connections += 1;
      socket.close(4001, 'signed in from another window');
    });
    const port = (wss.address() as { port: number }).port;
    const transport = transportFor(`ws://127.0.0.1:${port}`, { backoffMs: [10, 10, 10] });
    transport.connect();
    await until(() => transport.status === 'closed');
    await new Promise((r) => setTimeout(r, 100));
    expect(connections).toBe(1);
  });

  it('does not reconnect when IT revoked the sign-in (4006), and says which code closed it', async () => {
    const wss = new WebSocketServer({ port: 0 });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    let connections = 0;
    wss.on('connection', (socket) => {
      connections += 1;
      socket.close(CloseCode.STAFF_REVOKED, 'access revoked by the clinic');
    });
    const port = (wss.address() as { port: number }).port;
    const transport = transportFor(`ws://127.0.0.1:${port}`, { backoffMs: [10, 10, 10] });
    const seen = record(transport);
    transport.connect();
    await until(() => transport.status === 'closed');
    await new Promise((r) => setTimeout(r, 100));
    expect(connections).toBe(1);
    expect(seen.statuses.at(-1)).toBe('closed');
    expect(seen.closeCodes.at(-1)).toBe(CloseCode.STAFF_REVOKED);
  });

  it('drops a socket that stops answering and reconnects', async () => {
    // A server that accepts but never says anything: the heartbeat must notice.
    const wss = new WebSocketServer({ port: 0 });
    cleanups.push(() => new Promise<void>((r) => wss.close(() => r())));
    let connections = 0;
    wss.on('connection', () => {
      connections += 1;
    });
    const port = (wss.address() as { port: number }).port;
    const transport = transportFor(`ws://127.0.0.1:${port}`, { heartbeatMs: 20, deadAfterMs: 100, backoffMs: [10, 10, 10] });
    transport.connect();
    await until(() => connections >= 2);
    expect(connections).toBeGreaterThanOrEqual(2);
  });
});

/** The engine's staff sign-in against the real relay and its store: the same device-auth code on both ends. */
describe('staff sign-in with the real relay', () => {
  function engineOn(relay: Relay, staffCredentials: MemoryCredentialStore): ConsultEngine {
    const engine = new ConsultEngine({
      transport: transportFor(wsUrl(relay)),
      getUserMedia: async () => fakeStream(),
      createPeer: () => {
        throw new Error('no call in this test');
      },
      staffCredentials,
    });
    cleanups.push(() => engine.dispose());
    return engine;
  }

  it('enrolls, signs in again after a reload, opens a consultation under the enrolled name, and is shut out by revocation', async () => {
    const store = await memoryStore();
    const relay = await relayOn(0, { store, revocationPollMs: 50 });
    const { staff, enrollmentCode } = await store.addStaff('Dr. Rivera', Date.now());
    const credentials = new MemoryCredentialStore();
    const first = engineOn(relay, credentials);
    expect(await first.enroll(enrollmentCode)).toBe(true);
    expect(first.getSnapshot().staff).toEqual({ id: staff.id, name: 'Dr. Rivera' });
    first.dispose();

    // The page reloaded: a new engine, the same stored credential, a new socket and challenge.
    const second = engineOn(relay, credentials);
    expect(await second.storedStaff()).toEqual({ id: staff.id, name: 'Dr. Rivera' });
    await second.create();
    await until(() => second.getSnapshot().consultation !== null);
    expect(second.getSnapshot()).toMatchObject({ role: 'clinician', selfName: 'Dr. Rivera', relayError: null });
    expect(second.getSnapshot().consultation?.clinicianName).toBe('Dr. Rivera');

    await store.revokeStaff(staff.id, Date.now());
    await until(() => second.getSnapshot().signInError !== null);
    expect(second.getSnapshot()).toMatchObject({
      phase: 'ended',
      endReason: 'access-revoked',
      consultation: null,
      staff: null,
      signInError: { code: 'STAFF_REVOKED' },
    });
    expect(await credentials.load()).toBeNull();
    await until(() => relay.stats().consultations === 0);
  });

  it('a spent code is refused with ENROLLMENT_USED, and nothing is stored', async () => {
    const store = await memoryStore();
    const relay = await relayOn(0, { store });
    const { enrollmentCode } = await store.addStaff('Dr. Rivera', Date.now());
    expect(await engineOn(relay, new MemoryCredentialStore()).enroll(enrollmentCode)).toBe(true);
    const credentials = new MemoryCredentialStore();
    const other = engineOn(relay, credentials);
    expect(await other.enroll(enrollmentCode.toLowerCase())).toBe(false);
    expect(other.getSnapshot()).toMatchObject({ signIn: 'signed-out', staff: null, signInError: { code: 'ENROLLMENT_USED' } });
    expect(await credentials.load()).toBeNull();
  });
});
