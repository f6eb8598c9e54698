/**
 * bench:relay — what one relay process costs IT: memory per participant in a live call, and the latency and
 * CPU of forwarding signals under load, each beside the floor measured in the same run (bench/ws-floor.ts:
 * a bare `ws` server that pairs sockets and forwards frames, with no protocol, validation or consultations).
 * Both run as their own processes (the real relay CLI), so their memory and CPU are read from /proc.
 *   npm run bench:relay [-- --calls 300 --rate 10 --seconds 5]
 * Each call sends `rate` candidate signals per second, clinician to patient, for `seconds`. Memory is the
 * growth of each process's RSS with all calls open: coarse (the heap grows in steps), so compare orders.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { createDeviceKey, signChallenge } from '../signaling/device-auth';
import { PROTOCOL_VERSION } from '../signaling/protocol';
import { percentile } from '../tests/harness/timing';
import { staffAdd } from '../tests/signaling/relay-cli';

const ROOT = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '300' },
    rate: { type: 'string', default: '10' },
    seconds: { type: 'string', default: '5' },
  },
});
const calls = Number(values.calls);
const rate = Number(values.rate);
const seconds = Number(values.seconds);
for (const [name, value] of Object.entries({ calls, rate, seconds })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`);
}
if (rate > 50)
  throw new Error("--rate above 50/s per call would hit the relay's own rate limit (100/s per connection, shared with replies)");

const line = (text: string): boolean => process.stdout.write(`${text}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const round = (x: number): number => Math.round(x * 100) / 100;

interface Server {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/** Starts a server process and waits for the line that gives its address. */
async function startServer(args: string[], pattern: RegExp): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start: ${output}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${output}`)));
  });
  return {
    child,
    url,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? Number.NaN) * 1024;
}

/** User + system CPU time of a process, ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** A relay socket and its challenge (the relay's hello is its first message, maybe in the upgrade's own packet). */
function openRelay(url: string): Promise<{ ws: WebSocket; challenge: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('message', (data: Buffer) =>
      resolve({ ws, challenge: String((JSON.parse(data.toString()) as { challenge?: unknown }).challenge) }),
    );
    ws.once('error', reject);
  });
}

const encode = (message: Record<string, unknown>): string => JSON.stringify({ v: PROTOCOL_VERSION, ...message });

/** The bench's clinician: one staff member (added by IT's CLI) whose device signs in on every call's socket. */
interface BenchStaff {
  credentialId: string;
  privateKey: CryptoKey;
}

async function enrollBenchStaff(wsUrl: string, dataDir: string): Promise<BenchStaff> {
  const { code } = await staffAdd(dataDir, 'Dr. Bench');
  const key = await createDeviceKey();
  const { ws, challenge } = await openRelay(wsUrl);
  const signedIn = next(ws, 'signed-in');
  ws.send(
    encode({ type: 'enroll', code, publicKey: key.publicKey, signature: await signChallenge(key.keyPair.privateKey, 'enroll', challenge) }),
  );
  const { credentialId } = (await signedIn) as { credentialId: string };
  ws.close();
  return { credentialId, privateKey: key.keyPair.privateKey };
}

/** The next JSON message of `type` on a socket. */
function next(ws: WebSocket, type: string): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer): void => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if (message.type !== type) return;
      ws.off('message', onMessage);
      resolve(message);
    };
    ws.on('message', onMessage);
  });
}

interface Pair {
  sender: WebSocket;
  receiver: WebSocket;
  /** Frame `seq` to send; the relay's wants a call id and an increasing sequence. */
  frame(seq: number, sentAt: number): string;
}

const candidate = (sentAt: number): { candidate: string; sdpMid: string; sdpMLineIndex: number } => ({
  candidate: `candidate:${sentAt.toFixed(3)} 1 udp 2122260223 10.0.0.2 5000 typ host generation 0 ufrag abcd network-id 1`,
  sdpMid: '0',
  sdpMLineIndex: 0,
});

/** A consultation with its patient admitted: the clinician's socket sends, the patient's receives. */
async function relayCall(wsUrl: string, staff: BenchStaff, index: number): Promise<Pair> {
  const { ws: clinician, challenge } = await openRelay(wsUrl);
  const signature = await signChallenge(staff.privateKey, 'staff-sign-in', challenge);
  const welcomed = next(clinician, 'welcome');
  clinician.send(encode({ type: 'authenticate', credentialId: staff.credentialId, signature }));
  clinician.send(encode({ type: 'create' }));
  await welcomed;
  const invited = next(clinician, 'invite-created');
  clinician.send(encode({ type: 'invite', expectedName: `Patient ${index}` }));
  const { invite } = (await invited) as { invite: { secret: string } };
  const { ws: patient, challenge: patientChallenge } = await openRelay(wsUrl);
  const device = await createDeviceKey();
  const patientSignature = await signChallenge(device.keyPair.privateKey, 'patient-seat', patientChallenge);
  patient.send(
    encode({
      type: 'join',
      invite: { secret: invite.secret },
      name: `Patient ${index}`,
      publicKey: device.publicKey,
      signature: patientSignature,
    }),
  );
  const joined = (await next(patient, 'welcome')) as { self: { participantId: string } };
  const started = next(patient, 'call-start');
  const clinicianStarted = next(clinician, 'call-start');
  clinician.send(encode({ type: 'admit', patientId: joined.self.participantId }));
  const { callId } = (await clinicianStarted) as { callId: string };
  await started;
  return {
    sender: clinician,
    receiver: patient,
    frame: (seq, sentAt) => encode({ type: 'signal', callId, seq, data: { type: 'candidate', candidate: candidate(sentAt) } }),
  };
}

/** The same two sockets on the floor server (it pairs the two that name the same pair). */
async function floorCall(wsUrl: string, index: number): Promise<Pair> {
  const sender = await open(`${wsUrl}/?pair=${index}`);
  const receiver = await open(`${wsUrl}/?pair=${index}`);
  return {
    sender,
    receiver,
    frame: (seq, sentAt) =>
      JSON.stringify({ v: 1, type: 'signal', callId: 'c_floor', seq, data: { type: 'candidate', candidate: candidate(sentAt) } }),
  };
}

async function inBatches<T>(count: number, make: (index: number) => Promise<T>): Promise<T[]> {
  const made: T[] = [];
  for (let i = 0; i < count; i += 20) {
    made.push(...(await Promise.all(Array.from({ length: Math.min(20, count - i) }, (_, j) => make(i + j)))));
  }
  return made;
}

interface Measured {
  idleRss: number;
  loadedRss: number;
  latencies: number[];
  sent: number;
  cpuMs: number;
}

async function measure(server: Server, makePair: (index: number) => Promise<Pair>): Promise<Measured> {
  const pid = server.child.pid ?? -1;
  await sleep(500);
  const idleRss = rssBytes(pid);
  const pairs = await inBatches(calls, makePair);
  await sleep(1000);
  const loadedRss = rssBytes(pid);
  const latencies: number[] = [];
  for (const pair of pairs) {
    pair.receiver.on('message', (data: Buffer) => {
      const match = /candidate:(\d+\.\d+) /.exec(data.toString());
      if (match?.[1]) latencies.push(performance.now() - Number(match[1]));
    });
  }
  const cpuBefore = cpuMs(pid);
  let sent = 0;
  const ticks = rate * seconds;
  // Every call sends once per tick; calls are spread across the tick so load is even, not bursty.
  for (let tick = 0; tick < ticks; tick += 1) {
    const tickStart = performance.now();
    for (const [index, pair] of pairs.entries()) {
      pair.sender.send(pair.frame(tick + 1, performance.now()));
      sent += 1;
      if (index % 50 === 49) await sleep(0);
    }
    const wait = 1000 / rate - (performance.now() - tickStart);
    if (wait > 0) await sleep(wait);
  }
  await sleep(1000);
  const cpu = cpuMs(pid) - cpuBefore;
  for (const pair of pairs) {
    pair.sender.terminate();
    pair.receiver.terminate();
  }
  return { idleRss, loadedRss, latencies, sent, cpuMs: cpu };
}

const dataDir = mkdtempSync(join(tmpdir(), 'clinic-bench-relay-'));
const relay = await startServer(
  ['signaling/cli.ts', '--port', '0', '--log-level', 'warn', '--data-dir', dataDir],
  /Clinic Consult relay on (http:\/\/\S+)/,
);
const floor = await startServer(['bench/ws-floor.ts'], /ws-floor on (ws:\/\/\S+)/);
const result: Record<string, unknown> = { bench: 'relay', calls, rate_per_call: rate, seconds };
try {
  line(
    `${calls} calls (${calls * 2} sockets), each sending ${rate} candidate signals/s for ${seconds} s; relay vs bare ws floor, same run`,
  );
  const relayWs = `${relay.url.replace(/^http/, 'ws')}/ws`;
  const staff = await enrollBenchStaff(relayWs, dataDir);
  const onRelay = await measure(relay, (i) => relayCall(relayWs, staff, i));
  const onFloor = await measure(floor, (i) => floorCall(floor.url, i));
  const perParticipant = (m: Measured): number => (m.loadedRss - m.idleRss) / (calls * 2);
  const rows: [string, Measured][] = [
    ['relay', onRelay],
    ['floor', onFloor],
  ];
  line(
    `  ${''.padEnd(6)} ${'idle RSS'.padStart(10)} ${'loaded RSS'.padStart(11)} ${'KB/participant'.padStart(15)}` +
      ` ${'delivered'.padStart(10)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)}` +
      ` ${'p99 ms'.padStart(8)} ${'CPU ms/1k msgs'.padStart(15)}`,
  );
  for (const [name, m] of rows) {
    line(
      `  ${name.padEnd(6)} ${`${(m.idleRss / 1048576).toFixed(1)} MB`.padStart(10)}` +
        ` ${`${(m.loadedRss / 1048576).toFixed(1)} MB`.padStart(11)}` +
        ` ${(perParticipant(m) / 1024).toFixed(1).padStart(15)} ${`${m.latencies.length}/${m.sent}`.padStart(10)}` +
        ` ${round(percentile(m.latencies, 50)).toString().padStart(8)} ${round(percentile(m.latencies, 95)).toString().padStart(8)}` +
        ` ${round(percentile(m.latencies, 99)).toString().padStart(8)}` +
        ` ${round((m.cpuMs / m.sent) * 1000)
          .toString()
          .padStart(15)}`,
    );
    result[`${name}_idle_rss_mb`] = round(m.idleRss / 1048576);
    result[`${name}_kb_per_participant`] = round(perParticipant(m) / 1024);
    result[`${name}_delivered`] = m.latencies.length;
    result[`${name}_sent`] = m.sent;
    result[`${name}_latency_p50_ms`] = round(percentile(m.latencies, 50));
    result[`${name}_latency_p95_ms`] = round(percentile(m.latencies, 95));
    result[`${name}_latency_p99_ms`] = round(percentile(m.latencies, 99));
    result[`${name}_cpu_ms_per_1k_messages`] = round((m.cpuMs / m.sent) * 1000);
  }
  result.latency_p50_ratio = round(percentile(onRelay.latencies, 50) / percentile(onFloor.latencies, 50));
  result.cpu_ratio = round(onRelay.cpuMs / onRelay.sent / (onFloor.cpuMs / onFloor.sent));
  result.memory_ratio = round(perParticipant(onRelay) / perParticipant(onFloor));
  line(
    `  relay / floor: latency p50 ${result.latency_p50_ratio}x, CPU per message ${result.cpu_ratio}x,` +
      ` memory per participant ${result.memory_ratio}x`,
  );
} finally {
  await relay.stop();
  await floor.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
line(JSON.stringify(result));
