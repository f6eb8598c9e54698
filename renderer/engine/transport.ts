/**
 * The signaling transport: a WebSocket to the relay that validates what it receives, keeps itself alive
 * with an application-level heartbeat (browsers cannot send WebSocket pings) and reconnects with backoff.
 * It knows nothing of consultations: after every (re)connect the engine decides what to say (resume).
 */
import { type ClientMessageBody, CloseCode, encode, parseServerMessage, type ServerMessage } from '../../signaling/protocol';

export type RelayStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface TransportListener {
  message(message: ServerMessage): void;
  /**
   * `detail` says why, for the timeline (close code, "heartbeat timeout", …); `closeCode` is the relay's close
   * code when the relay closed the socket on purpose and the transport gave up on it (status `closed`).
   */
  status(status: RelayStatus, detail: string, closeCode?: number): void;
  /** Something worth a timeline line that changes nothing (a malformed message it ignored). */
  log(event: string, detail: string): void;
}

export interface SignalingTransport {
  readonly status: RelayStatus;
  /** Round-trip time of the last heartbeat, ms. */
  readonly rttMs: number | null;
  connect(): void;
  /** Returns false when the relay is not reachable right now; the message is not queued. */
  send(message: ClientMessageBody): boolean;
  subscribe(listener: TransportListener): () => void;
  close(): void;
}

export interface WebSocketTransportOptions {
  /** Delays between reconnect attempts; after the last one the transport gives up (status `closed`). */
  backoffMs?: number[];
  heartbeatMs?: number;
  /** No message at all from the relay for this long means the socket is dead. */
  deadAfterMs?: number;
  WebSocketImpl?: typeof WebSocket;
}

const DEFAULT_BACKOFF = [250, 500, 1000, 2000, 4000, 8000, 8000, 8000];
/**
 * The relay closed us on purpose: reconnecting would be wrong. IDENTIFY_TIMEOUT: the socket had nothing to say
 * (no sign-in, no seat); the engine connects again when it has.
 */
const FINAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CloseCode.REPLACED,
  CloseCode.CONSULTATION_CLOSED,
  CloseCode.STAFF_REVOKED,
  CloseCode.IDENTIFY_TIMEOUT,
]);

export class WebSocketTransport implements SignalingTransport {
  status: RelayStatus = 'closed';
  rttMs: number | null = null;
  private socket: WebSocket | null = null;
  private readonly listeners = new Set<TransportListener>();
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private lastHeard = 0;
  private stopped = false;
  private readonly backoffMs: number[];
  private readonly heartbeatMs: number;
  private readonly deadAfterMs: number;
  private readonly WebSocketImpl: typeof WebSocket;

  constructor(
    private readonly url: string,
    options: WebSocketTransportOptions = {},
  ) {
    this.backoffMs = options.backoffMs ?? DEFAULT_BACKOFF;
    this.heartbeatMs = options.heartbeatMs ?? 5000;
    this.deadAfterMs = options.deadAfterMs ?? 15_000;
    this.WebSocketImpl = options.WebSocketImpl ?? WebSocket;
  }

  subscribe(listener: TransportListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  connect(): void {
    this.stopped = false;
    if (this.socket) return;
    this.open(this.attempt === 0 ? 'connecting' : 'reconnecting');
  }

  send(message: ClientMessageBody): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== this.WebSocketImpl.OPEN) return false;
    socket.send(encode(message));
    return true;
  }

  close(): void {
    this.stopped = true;
    this.clearTimers();
    this.detach(1000, 'closed by the app');
    this.setStatus('closed', 'closed by the app');
  }

  private open(status: RelayStatus): void {
    this.setStatus(status, `attempt ${this.attempt + 1}`);
    let socket: WebSocket;
    try {
      socket = new this.WebSocketImpl(this.url);
    } catch (err) {
      this.scheduleRetry(`bad relay address: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.lastHeard = Date.now();
      this.startHeartbeat();
      this.setStatus('open', 'connected');
    };
    socket.onmessage = (event: MessageEvent) => {
      this.lastHeard = Date.now();
      if (typeof event.data !== 'string') return;
      const parsed = parseServerMessage(event.data);
      if (!parsed.ok) {
        for (const listener of [...this.listeners]) listener.log('relay-message-ignored', `${parsed.code}: ${parsed.message}`);
        return;
      }
      if (parsed.message.type === 'pong') this.rttMs = Math.max(0, Date.now() - parsed.message.t);
      for (const listener of [...this.listeners]) listener.message(parsed.message);
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.stopHeartbeat();
      const detail = `relay connection closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`;
      if (this.stopped) return;
      if (FINAL_CLOSE_CODES.has(event.code)) {
        this.stopped = true;
        this.setStatus('closed', detail, event.code);
        return;
      }
      this.scheduleRetry(detail);
    };
    socket.onerror = () => {
      // A close event always follows; retry logic lives there.
    };
  }

  private scheduleRetry(detail: string): void {
    const delay = this.backoffMs[this.attempt];
    if (delay === undefined) {
      this.stopped = true;
      this.setStatus('closed', `${detail}; gave up after ${this.attempt} attempts`);
      return;
    }
    this.attempt += 1;
    this.setStatus('reconnecting', `${detail}; retrying in ${delay} ms`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.open('reconnecting');
    }, delay);
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastHeard > this.deadAfterMs) {
        // The socket may never report close on a dead network: drop it ourselves and reconnect.
        this.detach(CloseCode.HEARTBEAT_TIMEOUT, 'heartbeat timeout');
        this.stopHeartbeat();
        this.scheduleRetry('relay stopped answering (heartbeat timeout)');
        return;
      }
      this.send({ type: 'ping', t: Date.now() });
    }, this.heartbeatMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private clearTimers(): void {
    this.stopHeartbeat();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Forgets the current socket without letting its late events reach us. */
  private detach(code: number, reason: string): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    try {
      socket.close(code, reason);
    } catch {
      // already closed
    }
  }

  private setStatus(status: RelayStatus, detail: string, closeCode?: number): void {
    this.status = status;
    for (const listener of [...this.listeners]) listener.status(status, detail, closeCode);
  }
}
