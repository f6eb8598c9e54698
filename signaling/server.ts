/**
 * The signaling relay: an HTTP server (health check, optional browser-mode static files) with a WebSocket
 * endpoint at `/ws`. Routing lives in `ConsultationRegistry`; this file owns sockets, the upgrade checks,
 * heartbeats and flow control.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type Logger, pino } from 'pino';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { type Action, type Actor, refusal } from './access-policy';
import { type AdmissionLimits, admissionRefusal, clientAddress, DEFAULT_ADMISSION, normalizeAddress, type SocketCounts } from './admission';
import { type AuditLog, auditLog, DEFAULT_AUDIT_RETENTION_DAYS } from './audit';
import {
  ConsultationRegistry,
  DEFAULT_TOKEN_TTL_MS,
  type Participant,
  type RegistryHistory,
  RelayError,
  type SeatDetails,
} from './consultations';
import { newChallenge } from './device-auth';
import { listDownloads, serveDownload } from './downloads';
import {
  CALL_TURN_TTL_SECONDS,
  describeIceConfig,
  type IceConfig,
  iceConfigProblems,
  iceForParticipant,
  NO_ICE,
  PRECALL_TURN_TTL_SECONDS,
} from './ice';
import { deviceProven, inviteStatus, redeemInvite, seatDetails } from './invites';
import { DEFAULT_JOIN_LIMITS, JoinThrottle, type JoinThrottleLimits } from './join-throttle';
import { createRelayMetrics, type RelayMetrics } from './metrics';
import {
  type ClientMessage,
  CloseCode,
  ErrorCode,
  encode,
  inviteSecret,
  LIMITS,
  parseClientMessage,
  type ServerMessageBody,
} from './protocol';
import { ResumeTokens } from './resume-tokens';
import { authenticate, enroll, revokedAmong, type SignedIn } from './staff-sign-in';
import { sendPlain, serveStatic } from './static-files';
import { openStore } from './store/sqlite-store';
import type { RelayStore } from './store/store';
import { TokenBucket } from './token-bucket';

export interface RelayOptions {
  port: number;
  /** Interface to bind; 127.0.0.1 by default, 0.0.0.0 to serve the LAN. */
  host?: string;
  /** Folder with the built renderer, served for browser mode; null serves no pages. */
  staticDir?: string | null;
  /** PEM certificate and key: the relay then speaks https/wss (needed for browsers on other machines). */
  tls?: { cert: string | Buffer; key: string | Buffer } | null;
  /** Address patients open (join links); defaults to the address the relay listens on. */
  publicUrl?: string | null;
  /**
   * Signs resume tokens. Give the relay the same secret across restarts and participants resume their
   * places (and live calls) after one; a random secret is used when none is given.
   */
  secret?: string | null;
  /** STUN/TURN for participants' peers; none by default (LAN calls need no servers). */
  ice?: IceConfig;
  /** Patients may share their screen (the default); false: only staff may (said with each call-start). */
  patientsMayShare?: boolean;
  /** Browser origins allowed to connect; null allows any (desktop apps and tools send none). */
  allowedOrigins?: string[] | null;
  /** How long a participant who lost its connection keeps its place and call. */
  graceMs?: number;
  /** WebSocket ping interval; a socket silent for 3 intervals is dropped. */
  heartbeatMs?: number;
  maxConnections?: number;
  /** Per-address budgets, capacity held back for identified people, and the deadline to sign in or join. */
  admission?: Partial<Omit<AdmissionLimits, 'maxConnections'>>;
  /** Addresses of reverse proxies whose X-Forwarded-For is believed (none by default). */
  trustedProxies?: string[];
  /** Messages per second per connection (sustained); bursts of twice that are allowed. */
  messagesPerSecond?: number;
  /** Serve Prometheus metrics at GET /metrics (counts only; off by default, see metrics.ts). */
  metrics?: boolean;
  /** The clinic's downloads folder: installers offered by the invite page, and the desktop app's update feed. */
  downloadsDir?: string | null;
  /** Serve the metrics on a listener of their own (e.g. loopback) instead of the public port. */
  metricsListen?: { host: string; port: number } | null;
  /**
   * What the relay knows and remembers: staff and their devices (who may open consultations), consultations
   * closed and people who left (a restart with the same secret never reopens or readmits them). None: an
   * empty in-memory store of the relay's own, which nobody outside this process can enroll staff into.
   */
  store?: RelayStore | null;
  /** How often the relay looks for revocations made by IT (another process writing the store). */
  revocationPollMs?: number;
  /** How many failed joins an address, and the relay, may make (guessing short invite codes). */
  joinLimits?: JoinThrottleLimits;
  /** Audit events older than this many days are removed (at start, then daily). */
  auditRetentionDays?: number;
  logger?: Logger;
}

export interface RelayStats {
  connections: number;
  consultations: number;
  participants: number;
  calls: number;
}

export interface Relay {
  readonly port: number;
  /** http(s)://host:port of this relay. */
  readonly url: string;
  /** http://host:port of the separate metrics listener, when there is one. */
  readonly metricsUrl: string | null;
  stats(): RelayStats;
  close(): Promise<void>;
}

const MAX_PATH_REPORTS = 3;

/** A socket whose send queue grows past this is a stalled client: drop it rather than buffer forever. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

interface Connection {
  readonly ws: WebSocket;
  participantId: string | null;
  lastSeen: number;
  readonly budget: TokenBucket;
  /** This socket's sign-in challenge (sent in its hello): a signature made for another socket is worthless here. */
  readonly challenge: string;
  /** Who this socket proved to be, if it signed in. */
  staff: SignedIn | null;
  /** The client's address (admission-policy.ts), for the per-address budgets. */
  readonly address: string;
  /** Since when it has had neither a sign-in nor a seat (null while it has one): the identify deadline. */
  unidentifiedSince: number | null;
  /** Messages are handled in arrival order; a sign-in (a signature check, the store) finishes before the next. */
  queue: Promise<void>;
  closed: boolean;
}

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const host = options.host ?? '127.0.0.1';
  const heartbeatMs = options.heartbeatMs ?? 10_000;
  const limits: AdmissionLimits = { ...DEFAULT_ADMISSION, maxConnections: options.maxConnections ?? 2000, ...options.admission };
  limits.reserved = Math.min(limits.reserved, Math.floor(limits.maxConnections / 2));
  const trustedProxies = (options.trustedProxies ?? []).map(normalizeAddress);
  const rate = options.messagesPerSecond ?? 100;
  const log = options.logger ?? pino({ name: 'clinic-relay' });
  const scheme = options.tls ? 'https' : 'http';
  const ice = options.ice ?? NO_ICE;
  const iceProblems = iceConfigProblems(ice);
  if (iceProblems.length > 0) throw new Error(`ICE configuration: ${iceProblems.join('; ')}`);

  const connections = new Set<Connection>();
  const joinThrottle = new JoinThrottle(options.joinLimits ?? DEFAULT_JOIN_LIMITS);
  /** How many path reports each side of each call has made (see 'call-path'). */
  const pathReports = new Map<string, number>();
  const byParticipant = new Map<string, Connection>();
  let closing = false;
  let publicUrl = options.publicUrl?.replace(/\/+$/, '') ?? null;
  const metrics: RelayMetrics | null = options.metrics ? createRelayMetrics(() => stats()) : null;

  const ownStore = options.store ? null : await openStore({ memory: true });
  const store: RelayStore = options.store ?? (ownStore as RelayStore);
  const audit = auditLog(store, log);
  const retentionMs = (options.auditRetentionDays ?? DEFAULT_AUDIT_RETENTION_DAYS) * 24 * 3600 * 1000;
  const purgeAudit = (): void => {
    const now = Date.now();
    store.purgeAuditBefore(now - retentionMs, now).then(
      (removed) => removed > 0 && log.info({ removed }, 'audit: events past retention removed'),
      (err: unknown) => log.error({ err }, 'audit: could not purge old events'),
    );
  };
  purgeAudit();
  const auditPurge = setInterval(purgeAudit, 24 * 3600 * 1000);
  auditPurge.unref();
  const history = await registryHistory(store, audit, metrics, log);
  const registry = new ConsultationRegistry({
    history,
    graceMs: options.graceMs ?? 30_000,
    ice: (participantId) => iceForParticipant(ice, participantId, Date.now(), CALL_TURN_TTL_SECONDS),
    callPolicy: { patientsMayShare: options.patientsMayShare ?? true },
    ...(options.secret ? { tokens: new ResumeTokens(options.secret) } : {}),
    deliver: (participantId, message) => {
      const connection = byParticipant.get(participantId);
      if (!connection) return; // offline: the participant gets a fresh welcome when it resumes
      send(connection, message);
    },
    evict: (participantId) => {
      const connection = byParticipant.get(participantId);
      if (!connection) return;
      unbind(connection);
      connection.ws.close(CloseCode.CONSULTATION_CLOSED, 'consultation closed');
    },
  });

  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const serveMetrics = (res: ServerResponse): void => {
    if (!metrics) {
      sendPlain(res, 404, 'not found');
      return;
    }
    metrics.scrape().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(body);
      },
      (err: unknown) => {
        log.error({ err }, 'metrics failed');
        sendPlain(res, 500, 'internal error');
      },
    );
  };

  /**
   * POST /api/invite-status {secret}: what the invite page tells a patient before they download anything. The
   * secret travels in the body (never in a URL a proxy logs); unknown secrets cost the address's join budget.
   */
  const answerInviteStatus = (req: IncomingMessage, res: ServerResponse): void => {
    const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > 1024) req.destroy();
    });
    req.on('end', () => {
      let secret: unknown = null;
      try {
        secret = (JSON.parse(body) as { secret?: unknown }).secret;
      } catch {
        // not JSON: an invalid invite, like any other malformed secret
      }
      const parsed = inviteSecret.safeParse(secret);
      const now = Date.now();
      if (!parsed.success) {
        json(res, 200, { status: 'invalid' });
        return;
      }
      if (!joinThrottle.tryJoin(address, false, now)) {
        json(res, 429, { status: 'throttled' });
        return;
      }
      inviteStatus(store, parsed.data, now).then(
        (status) => {
          if (status !== 'invalid') joinThrottle.succeeded(address, false);
          json(res, 200, { status });
        },
        (err: unknown) => {
          log.error({ err }, 'invite status failed');
          json(res, 500, { status: 'unknown' });
        },
      );
    });
  };

  const handleHttp = (req: IncomingMessage, res: ServerResponse): void => {
    // Alive: the process answers. Ready: it accepts calls and can write what it must remember.
    if (req.url === '/healthz') {
      json(res, 200, { ok: !closing, ...stats() });
      return;
    }
    if (req.url === '/readyz') {
      const notReady = (reason: string): void => json(res, 503, { ready: false, reason });
      if (closing) notReady('shutting down');
      else {
        store.checkWritable().then(
          (writable) => (writable ? json(res, 200, { ready: true }) : notReady('database not writable')),
          () => notReady('database not writable'),
        );
      }
      return;
    }
    if (req.url === '/metrics' && req.method === 'GET' && !options.metricsListen) {
      serveMetrics(res);
      return;
    }
    if (req.url === '/api/invite-status' && req.method === 'POST') {
      answerInviteStatus(req, res);
      return;
    }
    if (req.url === '/api/downloads' && req.method === 'GET') {
      const listed = options.downloadsDir ? listDownloads(options.downloadsDir) : Promise.resolve([]);
      listed.then(
        (downloads) => json(res, 200, { downloads }),
        (err: unknown) => {
          log.error({ err }, 'downloads: could not list the folder');
          json(res, 500, { downloads: [] });
        },
      );
      return;
    }
    // A query is ignored: electron-updater asks for latest*.yml?noCache=… (tests/signaling/update-feed.test.ts).
    const download = /^\/downloads\/([^/?#]+)(?:\?[^#]*)?$/.exec(req.url ?? '');
    if (download?.[1] && options.downloadsDir && (req.method === 'GET' || req.method === 'HEAD')) {
      serveDownload(options.downloadsDir, download[1], req, res).catch((err: unknown) => {
        log.error({ err }, 'downloads: could not serve a file');
        if (!res.headersSent) sendPlain(res, 500, 'internal error');
      });
      return;
    }
    if (options.staticDir && (req.method === 'GET' || req.method === 'HEAD')) {
      serveStatic(options.staticDir, req, res).catch((err: unknown) => {
        log.error({ err }, 'static file failed');
        if (!res.headersSent) sendPlain(res, 500, 'internal error');
      });
      return;
    }
    sendPlain(res, 404, 'not found');
  };

  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handleHttp)
    : createHttpServer(handleHttp);

  const wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.maxPayloadBytes, perMessageDeflate: false });

  const identified = (connection: Connection): boolean => connection.staff !== null || connection.participantId !== null;

  function socketCounts(address: string): SocketCounts {
    const counts: SocketCounts = { total: connections.size, unidentified: 0, fromAddress: 0, unidentifiedFromAddress: 0 };
    for (const connection of connections) {
      const mine = connection.address === address;
      if (mine) counts.fromAddress += 1;
      if (identified(connection)) continue;
      counts.unidentified += 1;
      if (mine) counts.unidentifiedFromAddress += 1;
    }
    return counts;
  }

  /** Every admission decision for a socket is here, in order. */
  function refuseUpgrade(req: IncomingMessage, address: string): { status: number; reason: string } | null {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/ws') return { status: 400, reason: 'unknown path' };
    if (closing) return { status: 503, reason: 'relay is shutting down' };
    const origin = req.headers.origin;
    if (options.allowedOrigins && origin !== undefined && !options.allowedOrigins.includes(origin)) {
      return { status: 403, reason: 'origin not allowed' };
    }
    const refused = admissionRefusal(socketCounts(address), limits);
    return refused ? { status: 503, reason: refused } : null;
  }

  // Node removes its own 'error' listener before 'upgrade': without one, a client resetting the connection
  // while we refuse it would be an uncaught ECONNRESET that takes the whole relay down.
  const onUpgradeSocketError = (err: Error): void => {
    log.debug({ err: err.message }, 'upgrade socket error');
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', onUpgradeSocketError);
    const address = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies);
    const refusal = refuseUpgrade(req, address);
    if (refusal) {
      // info, not warn: a flood of refusals is counted in the metrics, not written out line by line at will.
      log.info({ url: req.url, origin: req.headers.origin, address, ...refusal }, 'upgrade refused');
      metrics?.upgradeRefused(refusal.reason);
      socket.end(`HTTP/1.1 ${refusal.status} ${refusal.reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    socket.removeListener('error', onUpgradeSocketError); // ws installs its own from here on
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, address));
  });

  function accept(ws: WebSocket, address: string): void {
    const now = Date.now();
    const connection: Connection = {
      ws,
      address,
      participantId: null,
      lastSeen: now,
      budget: new TokenBucket(rate, rate * 2, now),
      challenge: newChallenge(),
      staff: null,
      unidentifiedSince: now,
      queue: Promise.resolve(),
      closed: false,
    };
    connections.add(connection);
    ws.on('pong', () => {
      connection.lastSeen = Date.now();
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      connection.lastSeen = Date.now();
      onMessage(connection, data, isBinary);
    });
    ws.on('error', (err) => {
      // e.g. frames over maxPayload: ws closes the socket with 1009 itself.
      log.info({ err: err.message, participant: connection.participantId }, 'socket error');
    });
    ws.on('close', (code) => {
      connection.closed = true;
      connections.delete(connection);
      const participantId = connection.participantId;
      // Worth knowing: a client that heard nothing from the relay for a while (a stalled relay or network).
      if (code === CloseCode.HEARTBEAT_TIMEOUT) log.info({ participant: participantId }, 'client gave up: relay heartbeat timeout');
      unbind(connection);
      if (participantId && !closing) registry.disconnected(participantId);
    });
    send(connection, { type: 'hello', challenge: connection.challenge });
  }

  function onMessage(connection: Connection, data: RawData, isBinary: boolean): void {
    if (!connection.budget.take(Date.now())) {
      replyError(connection, ErrorCode.RATE_LIMITED, 'too many messages; slow down', null);
      return;
    }
    if (isBinary) {
      replyError(connection, ErrorCode.BAD_MESSAGE, 'binary frames are not part of the protocol', null);
      return;
    }
    const parsed = parseClientMessage(rawToString(data));
    if (!parsed.ok) {
      replyError(connection, parsed.code, parsed.message, parsed.ref);
      return;
    }
    const message = parsed.message;
    connection.queue = connection.queue.then(async () => {
      if (connection.closed) return; // the socket went while an earlier sign-in was being checked
      try {
        await route(connection, message);
        metrics?.messageAccepted(message.type);
      } catch (err) {
        if (err instanceof RelayError) replyError(connection, err.code, err.message, message.type);
        else {
          log.error({ err, type: message.type }, 'message handling failed');
          replyError(connection, ErrorCode.BAD_MESSAGE, 'the relay could not handle this message', message.type);
        }
      }
    });
  }

  function actorOf(connection: Connection): Actor {
    const participant = connection.participantId ? registry.participant(connection.participantId) : undefined;
    return {
      staffId: connection.staff?.staffId ?? null,
      seat: participant ? { role: participant.role, staffId: participant.staffId } : null,
    };
  }

  /**
   * The seat a resume token names, and whether this socket proved it is the seat's device; after a restart,
   * with what the store knows of it (tokens carry ids only).
   */
  async function resumeAction(
    connection: Connection,
    message: Extract<ClientMessage, { type: 'resume' }>,
  ): Promise<{ action: Action; details: SeatDetails | null }> {
    const lookup = registry.seatOf(message.resumeToken);
    const ended = new RelayError(ErrorCode.INVALID_RESUME, 'this session has ended; join again');
    if (!lookup) throw ended;
    const details = 'claim' in lookup ? await seatDetails(store, lookup.claim) : null;
    if ('claim' in lookup && !details) throw ended;
    const role = 'live' in lookup ? lookup.live.role : lookup.claim.role;
    const staffId = 'live' in lookup ? lookup.live.staffId : role === 'clinician' ? lookup.claim.csid : null;
    const deviceKey = 'live' in lookup ? lookup.live.deviceKey : (details?.deviceKey ?? null);
    const proven = role === 'patient' && (await deviceProven(deviceKey, connection.challenge, message.signature));
    return { action: { type: 'resume', seat: { role, staffId }, deviceProven: proven }, details };
  }

  async function route(connection: Connection, message: ClientMessage): Promise<void> {
    if (message.type === 'ping') {
      send(connection, { type: 'pong', t: message.t });
      return;
    }
    const resume = message.type === 'resume' ? await resumeAction(connection, message) : null;
    const denied = refusal(
      actorOf(connection),
      resume?.action ?? { type: message.type as Exclude<ClientMessage['type'], 'ping' | 'resume'> },
    );
    if (denied) throw new RelayError(denied.code, denied.message);
    // Bind before the registry speaks, so its welcome reaches this socket.
    const attach = (participant: Participant): void => bind(connection, participant.id);
    switch (message.type) {
      case 'enroll':
      case 'authenticate': {
        const outcome =
          message.type === 'enroll'
            ? await enroll(store, connection.challenge, message, Date.now())
            : await authenticate(store, connection.challenge, message, Date.now());
        if (!outcome.ok) {
          const credentialId = message.type === 'authenticate' ? message.credentialId : null;
          audit.record('staff.sign-in-refused', {
            actor: 'anonymous',
            detail: { code: outcome.code, how: message.type, credentialId, address: connection.address },
          });
          throw new RelayError(outcome.code, outcome.message);
        }
        if (connection.closed) return;
        connection.staff = outcome.signedIn;
        const { staffId, name, credentialId } = outcome.signedIn;
        audit.record(message.type === 'enroll' ? 'staff.enrolled' : 'staff.signed-in', {
          actor: staffId,
          detail: { credentialId, address: connection.address },
        });
        log.info({ staff: staffId, credential: credentialId, how: message.type }, 'staff signed in');
        send(connection, { type: 'signed-in', staff: { id: staffId, name }, credentialId });
        return;
      }
      case 'sign-out': {
        const signedIn = connection.staff;
        if (!signedIn) return; // the policy let it through only signed in
        await store.revokeDeviceCredential(signedIn.credentialId, Date.now());
        connection.staff = null;
        audit.record('staff.signed-out', { actor: signedIn.staffId, detail: { credentialId: signedIn.credentialId } });
        log.info({ staff: signedIn.staffId, credential: signedIn.credentialId }, 'staff signed out');
        send(connection, { type: 'signed-out' });
        return;
      }
      case 'create': {
        const signedIn = connection.staff;
        if (signedIn) registry.create({ id: signedIn.staffId, name: signedIn.name }, attach);
        return;
      }
      case 'join': {
        const byShortCode = 'shortCode' in message.invite;
        const now = Date.now();
        if (!joinThrottle.tryJoin(connection.address, byShortCode, now)) {
          throw new RelayError(ErrorCode.RATE_LIMITED, 'Too many failed attempts to join. Wait a minute, then try again.');
        }
        const redeemed = await redeemInvite(store, connection.challenge, message, now);
        if (!redeemed.ok) {
          // Only what the throttle let through is recorded: a flood of guesses cannot flood the log.
          audit.record('patient.join-refused', {
            actor: 'anonymous',
            detail: { code: redeemed.code, byShortCode, address: connection.address },
          });
          throw new RelayError(redeemed.code, redeemed.message);
        }
        joinThrottle.succeeded(connection.address, byShortCode);
        if (connection.closed) return;
        const { invite, deviceKey } = redeemed;
        const seated = {
          consultationId: invite.consultationId,
          inviteId: invite.id,
          name: message.name,
          invitedAs: invite.expectedName,
          deviceKey,
        };
        registry.joinInvited(seated, (patient) => {
          attach(patient);
          // Recorded before the welcome goes out: a patient who was told they are in is in the record.
          audit.record('patient.joined', {
            consultationId: invite.consultationId,
            actor: patient.id,
            detail: { inviteId: invite.id, name: patient.name, invitedAs: invite.expectedName, byShortCode, address: connection.address },
          });
        });
        return;
      }
      case 'resume':
        registry.resume(message.resumeToken, message.callId, attach, resume?.details ?? null);
        return;
      case 'precall-ice':
        send(connection, {
          type: 'precall-ice',
          ice: iceForParticipant(
            ice,
            connection.participantId ?? connection.staff?.staffId ?? 'precall',
            Date.now(),
            PRECALL_TURN_TTL_SECONDS,
          ),
        });
        return;
    }
    const participantId = connection.participantId;
    if (!participantId) return; // the policy let it through only with a seat
    switch (message.type) {
      case 'invite': {
        const clinician = registry.participant(participantId);
        if (!clinician) return;
        const now = Date.now();
        const created = await store.createInvite(
          { consultationId: clinician.consultationId, expectedName: message.expectedName, expiresAt: now + message.ttlMinutes * 60_000 },
          now,
        );
        if (!created.ok) throw new RelayError(ErrorCode.UNKNOWN_CONSULTATION, 'this consultation has closed');
        const { invite, secret, shortCode } = created.value;
        audit.record('invite.created', {
          consultationId: invite.consultationId,
          actor: clinician.staffId ?? clinician.id,
          detail: { inviteId: invite.id, expectedName: invite.expectedName, expiresAt: invite.expiresAt },
        });
        send(connection, {
          type: 'invite-created',
          invite: { id: invite.id, expectedName: invite.expectedName, expiresAt: invite.expiresAt, shortCode, secret },
          // The invite page; the secret rides in the fragment, which browsers never send to a server.
          joinUrl: options.staticDir ? `${publicUrl}/invite#${secret}` : null,
        });
        return;
      }
      case 'admit':
        registry.admit(participantId, message.patientId);
        return;
      case 'waiting-note':
        registry.sendNote(participantId, message.patientId, message.text);
        return;
      case 'signal':
        registry.signal(participantId, message.callId, message.seq, message.data);
        return;
      case 'call-path': {
        const call = registry.callOf(participantId, message.callId);
        // A few reports per side and call (connected, then moved): more would only be noise in the record.
        const key = `${message.callId}:${participantId}`;
        const reported = pathReports.get(key) ?? 0;
        if (!call || reported >= MAX_PATH_REPORTS) return;
        pathReports.set(key, reported + 1);
        if (pathReports.size > 10_000) pathReports.clear();
        audit.record('call.path', {
          consultationId: call.consultationId,
          actor: participantId,
          detail: { callId: message.callId, side: call.role, local: message.local, remote: message.remote },
        });
        return;
      }
      case 'hang-up':
        registry.hangUp(participantId, message.callId, message.reason);
        return;
      case 'restart':
        registry.restart(participantId, message.callId);
        return;
      case 'leave':
        registry.leave(participantId);
        unbind(connection);
        return;
    }
  }

  function bind(connection: Connection, participantId: string): void {
    const previous = byParticipant.get(participantId);
    if (previous && previous !== connection) {
      previous.participantId = null;
      previous.ws.close(CloseCode.REPLACED, 'signed in from another window');
    }
    connection.participantId = participantId;
    byParticipant.set(participantId, connection);
  }

  function unbind(connection: Connection): void {
    if (connection.participantId && byParticipant.get(connection.participantId) === connection) {
      byParticipant.delete(connection.participantId);
    }
    connection.participantId = null;
  }

  function send(connection: Connection, message: ServerMessageBody): void {
    const { ws } = connection;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      log.warn({ participant: connection.participantId }, 'dropping stalled client');
      ws.terminate();
      return;
    }
    ws.send(encode(message));
  }

  function replyError(connection: Connection, code: ErrorCode, message: string, ref: string | null): void {
    log.debug({ code, ref, participant: connection.participantId }, 'rejected message');
    metrics?.messageRejected(code);
    send(connection, { type: 'error', code, message, ref });
  }

  /**
   * IT revoked a device (or its person): every socket signed in with it closes at once, and a consultation it
   * was running closes for its patients too. Revocations reach this process through the store.
   */
  function revokeSockets(credentialIds: readonly string[]): void {
    for (const connection of connections) {
      const signedIn = connection.staff;
      if (!signedIn || !credentialIds.includes(signedIn.credentialId)) continue;
      log.warn({ staff: signedIn.staffId, credential: signedIn.credentialId }, 'closing a revoked sign-in');
      audit.record('staff.disconnected-revoked', {
        actor: 'relay',
        detail: { staffId: signedIn.staffId, credentialId: signedIn.credentialId },
      });
      connection.staff = null;
      const participantId = connection.participantId;
      unbind(connection);
      if (participantId && registry.participant(participantId)) registry.leave(participantId);
      connection.ws.close(CloseCode.STAFF_REVOKED, 'access revoked by the clinic');
    }
  }

  // A socket that neither signs in nor takes a seat in time is closed: idle sockets hold nobody's place.
  const identifyWatch = setInterval(
    () => {
      const now = Date.now();
      for (const connection of connections) {
        if (identified(connection)) connection.unidentifiedSince = null;
        else if (connection.unidentifiedSince === null) connection.unidentifiedSince = now;
        else if (now - connection.unidentifiedSince >= limits.identifyWithinMs) {
          connection.unidentifiedSince = null;
          metrics?.socketClosed('identify deadline');
          connection.ws.close(CloseCode.IDENTIFY_TIMEOUT, 'sign in or join a consultation first');
        }
      }
    },
    Math.max(50, Math.min(1000, limits.identifyWithinMs / 4)),
  );
  identifyWatch.unref();

  let checkingRevocations = false;
  const revocationWatch = setInterval(() => {
    if (checkingRevocations) return;
    const signedIn = new Set<string>();
    for (const connection of connections) if (connection.staff) signedIn.add(connection.staff.credentialId);
    if (signedIn.size === 0) return;
    checkingRevocations = true;
    revokedAmong(store, signedIn)
      .then((revoked) => {
        if (revoked.length > 0 && !closing) revokeSockets(revoked);
      })
      .catch((err: unknown) => log.error({ err }, 'store: could not check revocations'))
      .finally(() => {
        checkingRevocations = false;
      });
  }, options.revocationPollMs ?? 250);
  revocationWatch.unref();

  function stats(): RelayStats {
    return { connections: connections.size, ...registry.size };
  }

  const heartbeat = setInterval(() => {
    const deadline = Date.now() - heartbeatMs * 3;
    for (const connection of connections) {
      if (connection.lastSeen < deadline) {
        log.info({ participant: connection.participantId }, 'heartbeat timeout');
        connection.ws.terminate();
      } else if (connection.ws.readyState === WebSocket.OPEN) {
        connection.ws.ping();
      }
    }
  }, heartbeatMs);
  heartbeat.unref();

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const port = (server.address() as AddressInfo).port;
  // Metrics on their own listener: IT binds it to loopback or a management network, never the public port.
  const metricsServer = options.metricsListen
    ? createHttpServer((req, res) =>
        req.url === '/metrics' && req.method === 'GET' ? serveMetrics(res) : sendPlain(res, 404, 'not found'),
      )
    : null;
  if (metricsServer && options.metricsListen) {
    const { host: metricsHost, port: metricsPort } = options.metricsListen;
    await new Promise<void>((resolvePromise, reject) => {
      metricsServer.once('error', reject);
      metricsServer.listen(metricsPort, metricsHost, () => resolvePromise());
    }).catch(async (err: unknown) => {
      await new Promise<void>((done) => server.close(() => done()));
      throw err;
    });
  }
  const metricsAddress = metricsServer?.address() as AddressInfo | undefined;
  const metricsUrl = metricsAddress
    ? `http://${metricsAddress.family === 'IPv6' ? `[${metricsAddress.address}]` : metricsAddress.address}:${metricsAddress.port}`
    : null;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const url = `${scheme}://${urlHost}:${port}`;
  publicUrl ??= url;
  log.info({ url, staticDir: options.staticDir ?? null, tls: Boolean(options.tls), ice: describeIceConfig(ice) }, 'relay listening');

  return {
    port,
    url,
    metricsUrl,
    stats,
    close: async () => {
      if (closing) return;
      closing = true;
      clearInterval(heartbeat);
      clearInterval(revocationWatch);
      clearInterval(identifyWatch);
      clearInterval(auditPurge);
      for (const connection of connections) connection.ws.close(CloseCode.RELAY_SHUTDOWN, 'relay shutting down');
      registry.clear();
      await new Promise<void>((resolvePromise) => {
        const force = setTimeout(() => {
          for (const connection of connections) connection.ws.terminate();
        }, 1000);
        server.close(() => {
          clearTimeout(force);
          resolvePromise();
        });
        server.closeIdleConnections();
      });
      wss.close();
      if (metricsServer) await new Promise<void>((done) => metricsServer.close(() => done()));
      await ownStore?.close();
    },
  };
}

function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/**
 * The registry's memory in the store (departures a resume token could still name, loaded; changes written
 * through), the clinic's audit log, and the metrics.
 */
async function registryHistory(store: RelayStore, audit: AuditLog, metrics: RelayMetrics | null, log: Logger): Promise<RegistryHistory> {
  const departures = await store.departuresSince(Date.now() - DEFAULT_TOKEN_TTL_MS);
  // The store answers in the same tick (SQLite, synchronous underneath): each change is committed before the
  // relay's next message goes out. A failed write is logged; the relay keeps serving from memory.
  const written = (what: string, write: Promise<unknown>): void => {
    write.catch((err: unknown) => log.error({ err }, `store: could not record ${what}`));
  };
  return {
    departedBefore: departures.map((departure) => departure.participantId),
    opened: ({ id, code, clinicianStaffId, restored }) => {
      written(
        'an opened consultation',
        store.recordConsultationOpened({ id, code, clinicianStaffId }, Date.now()).then((outcome) => {
          if (!outcome.ok) log.warn({ consultation: id, code: outcome.code }, 'store: consultation not recorded as opened');
        }),
      );
      audit.record('consultation.opened', { consultationId: id, actor: clinicianStaffId ?? 'relay', detail: { restored } });
    },
    closed: (consultationId) => {
      written('a closed consultation', store.recordConsultationClosed(consultationId, Date.now()));
      audit.record('consultation.closed', { consultationId, actor: 'relay' });
    },
    departed: (participant) => {
      written(
        'a departure',
        store.recordDeparture({ consultationId: participant.consultationId, participantId: participant.id }, Date.now()),
      );
      if (participant.role === 'patient') {
        audit.record('participant.left', { consultationId: participant.consultationId, actor: participant.id });
      }
    },
    callStarted: ({ id, consultationId, patientId, cause, clinicianStaffId }) => {
      metrics?.callStarted();
      // An admission is the clinician's act; a restart or a resume is the relay's.
      const actor = cause === 'admit' && clinicianStaffId ? clinicianStaffId : 'relay';
      audit.record('call.started', { consultationId, actor, detail: { callId: id, patientId, cause } });
    },
    callEnded: ({ id, consultationId, patientId, reason, by, durationMs }) => {
      metrics?.callEnded(reason);
      audit.record('call.ended', { consultationId, actor: by ?? 'relay', detail: { callId: id, patientId, reason, durationMs } });
    },
  };
}
