/** Who gets a socket: per-address budgets, capacity held back for identified people, the identify deadline. */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { admissionRefusal, clientAddress, DEFAULT_ADMISSION } from '../../signaling/admission';
import { CloseCode, ErrorCode, PROTOCOL_VERSION } from '../../signaling/protocol';
import { type Relay, type RelayOptions, startRelay } from '../../signaling/server';
import { openStore, type SqliteStore } from '../../signaling/store/sqlite-store';
import { enrolledStaff, rawJoinNamed, signIn } from './staff-fixture';
import { TestClient, upgradeStatus } from './ws-client';

describe('admissionRefusal', () => {
  const limits = { ...DEFAULT_ADMISSION, maxConnections: 100, reserved: 20, perAddress: 10, unidentifiedPerAddress: 3 };
  const none = { total: 0, unidentified: 0, fromAddress: 0, unidentifiedFromAddress: 0 };
  it.each([
    ['an empty relay', none, null],
    ['a full relay', { ...none, total: 100 }, 'too many connections'],
    ['the unidentified reaching into the reserve', { ...none, total: 80, unidentified: 80 }, 'too many connections'],
    ['identified people using the reserve', { ...none, total: 95, unidentified: 10 }, null],
    ['an address at its budget', { ...none, total: 10, fromAddress: 10 }, 'too many connections from this address'],
    [
      'an address with too many idle sockets',
      { ...none, total: 3, unidentified: 3, unidentifiedFromAddress: 3 },
      'too many connections from this address',
    ],
  ])('%s', (_label, counts, expected) => {
    expect(admissionRefusal(counts, limits)).toBe(expected);
  });
});

describe('clientAddress', () => {
  it('believes X-Forwarded-For only from a proxy IT named, and only its last untrusted hop', () => {
    expect(clientAddress('203.0.113.9', '10.0.0.1', [])).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.2', '198.51.100.7', ['10.0.0.2'])).toBe('198.51.100.7');
    // The client wrote the first entry itself: the proxy appended the address it really came from.
    expect(clientAddress('10.0.0.2', '1.2.3.4, 198.51.100.7', ['10.0.0.2'])).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.2', '198.51.100.7, 10.0.0.3', ['10.0.0.2', '10.0.0.3'])).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.2', 'not-an-address', ['10.0.0.2'])).toBe('10.0.0.2');
    expect(clientAddress('::ffff:10.0.0.2', undefined, [])).toBe('10.0.0.2');
  });
});

describe('a relay under a socket flood', () => {
  let relay: Relay | null = null;
  let store: SqliteStore | null = null;
  const clients: TestClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.terminate();
    await relay?.close();
    await store?.close();
    relay = null;
  });

  async function start(options: Partial<RelayOptions>): Promise<{ relay: Relay; store: SqliteStore; wsUrl: string }> {
    store = await openStore({ memory: true });
    relay = await startRelay({ port: 0, logger: pino({ level: 'silent' }), store, ...options });
    return { relay, store, wsUrl: `${relay.url.replace(/^http/, 'ws')}/ws` };
  }

  async function open(wsUrl: string, localAddress: string): Promise<TestClient> {
    const client = await TestClient.open(wsUrl, { localAddress }, localAddress);
    clients.push(client);
    return client;
  }

  it('refuses one address its sockets beyond budget while other addresses are served', async () => {
    const { wsUrl } = await start({ admission: { unidentifiedPerAddress: 5, perAddress: 8 } });
    for (let i = 0; i < 5; i += 1) await open(wsUrl, '127.0.0.2');
    expect(await upgradeStatus(wsUrl, { localAddress: '127.0.0.2' })).toBe(503);
    // Another address is served as ever.
    const other = await open(wsUrl, '127.0.0.3');
    other.send({ type: 'ping', t: 1 });
    expect(await other.next('pong')).toMatchObject({ t: 1 });
  });

  it('lets identified sockets use what unidentified ones may not, and closes the idle at the deadline (4007)', async () => {
    const { wsUrl, store } = await start({ maxConnections: 10, admission: { reserved: 5, identifyWithinMs: 400 } });
    const staff = await enrolledStaff(store);
    const signedIn = await open(wsUrl, '127.0.0.4');
    await signIn(signedIn, staff);
    const idle = [];
    for (let i = 0; i < 5; i += 1) idle.push(await open(wsUrl, `127.0.0.${10 + i}`));
    // 6 sockets of 10, 5 of them unidentified: a 6th unidentified one would reach into the 5 held back.
    expect(await upgradeStatus(wsUrl, { localAddress: '127.0.0.20' })).toBe(503);
    for (const client of idle)
      expect(await client.waitClosed(2000)).toEqual({ code: CloseCode.IDENTIFY_TIMEOUT, reason: 'sign in or join a consultation first' });
    expect(signedIn.isOpen).toBe(true);
    // Room again for newcomers once the idle are gone.
    expect((await open(wsUrl, '127.0.0.20')).isOpen).toBe(true);
  });

  it('answers hostile payloads with their codes and never logs above warn for them', async () => {
    const lines: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string });
        done();
      },
    });
    store = await openStore({ memory: true });
    relay = await startRelay({ port: 0, logger: pino({ level: 'trace' }, sink), store });
    const client = await open(`${relay.url.replace(/^http/, 'ws')}/ws`, '127.0.0.5');
    const hostile = [
      `{"v":${PROTOCOL_VERSION},"type":"signal","callId":"c","seq":1,"data":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
      rawJoinNamed('\\u202eevil'),
      rawJoinNamed('Sam\\u0000'),
      JSON.stringify({
        v: PROTOCOL_VERSION,
        type: 'signal',
        callId: 'c',
        seq: 1,
        data: { type: 'transceiverRequest', transceiverRequest: { kind: 'video', init: { x: { y: 1 } } } },
      }),
    ];
    for (const frame of hostile) {
      client.sendRaw(frame);
      expect((await client.nextError()).code).toBe(ErrorCode.BAD_MESSAGE);
    }
    // Extra keys (a prototype-pollution attempt) are dropped by the schema: what is left is judged as it is.
    client.sendRaw(`{"v":${PROTOCOL_VERSION},"type":"create","__proto__":{"admin":true},"staff":{"id":"s_1"}}`);
    expect((await client.nextError()).code).toBe(ErrorCode.NOT_SIGNED_IN);
    expect(lines.filter((line) => line.level > 40)).toEqual([]);
  });
});
