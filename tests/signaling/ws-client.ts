/**
 * A WebSocket test client for the relay: every frame it receives is validated with the protocol's own
 * `parseServerMessage`, buffered, and handed out by type with a timeout, so a test never hangs.
 */
import { type ClientOptions, WebSocket } from 'ws';
import {
  type ClientMessageBody,
  encode,
  parseServerMessage,
  type ServerMessage,
  type ServerMessageOf,
  type WaitingPatient,
} from '../../signaling/protocol';
import { applyWaitingRoom } from '../../signaling/waiting-room';

export const WAIT_MS = 2_000;

export interface Closed {
  code: number;
  reason: string;
}

export class TestClient {
  /** Every valid message received, in order (consumed or not). */
  readonly received: ServerMessage[] = [];
  /** Frames that did not parse as server messages: the relay broke its own protocol. */
  readonly invalid: string[] = [];
  readonly closed: Promise<Closed>;
  private readonly pending: ServerMessage[] = [];
  private readonly listeners = new Set<() => void>();
  /** This socket's sign-in challenge, from the relay's hello (kept out of `next`'s queue). */
  challenge: string | null = null;
  /** A clinician's waiting list as its app would hold it: the whole list and the changes since, applied. */
  waitingRoom: WaitingPatient[] = [];

  private constructor(
    readonly ws: WebSocket,
    readonly label: string,
  ) {
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '<binary>' : data.toString();
      const parsed = parseServerMessage(text);
      if (!parsed.ok) this.invalid.push(text);
      else {
        this.received.push(parsed.message);
        const message = parsed.message;
        if (message.type === 'hello' && this.challenge === null) this.challenge = message.challenge;
        else if (message.type === 'waiting-room' || message.type === 'waiting-room-changes') {
          // Read through `waitingRoom` / `untilWaitingRoom`: how changes were batched is the relay's business.
          this.waitingRoom = applyWaitingRoom(this.waitingRoom, message);
        } else this.pending.push(message);
      }
      for (const listener of [...this.listeners]) listener();
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const listener of [...this.listeners]) listener();
      });
    });
    ws.on('error', () => {
      /* surfaced through `closed` */
    });
  }

  /** Resolves once the socket is open and the relay's hello (its challenge) has arrived. */
  static open(url: string, options: ClientOptions = {}, label = 'client'): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const client = new TestClient(ws, label);
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`${label}: no hello within ${WAIT_MS} ms`));
      }, WAIT_MS);
      const helloed = (): void => {
        if (client.challenge === null) return;
        clearTimeout(timer);
        client.listeners.delete(helloed);
        resolve(client);
      };
      client.listeners.add(helloed);
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  send(message: ClientMessageBody): void {
    this.ws.send(encode(message));
  }

  sendRaw(data: string | Buffer, options: { binary?: boolean } = {}): void {
    this.ws.send(data, { binary: options.binary ?? typeof data !== 'string' });
  }

  /** Resolves with (and consumes) the oldest unconsumed message of `type`; rejects after `timeoutMs`. */
  next<T extends ServerMessage['type']>(type: T, timeoutMs = WAIT_MS): Promise<ServerMessageOf<T>> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const index = this.pending.findIndex((m) => m.type === type);
        if (index < 0) return false;
        const [message] = this.pending.splice(index, 1);
        finish();
        resolve(message as ServerMessageOf<T>);
        return true;
      };
      const listener = (): void => {
        check();
      };
      const timer = setTimeout(() => {
        finish();
        const seen = this.pending.map((m) => m.type).join(', ') || 'nothing';
        reject(new Error(`${this.label}: no "${type}" within ${timeoutMs} ms (unconsumed: ${seen})`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      if (!check()) this.listeners.add(listener);
    });
  }

  /** Resolves with the waiting list once it satisfies `ready`; rejects after `timeoutMs`. */
  untilWaitingRoom(ready: (patients: WaitingPatient[]) => boolean, timeoutMs = WAIT_MS): Promise<WaitingPatient[]> {
    return new Promise((resolve, reject) => {
      const listener = (): void => {
        if (!ready(this.waitingRoom)) return;
        finish();
        resolve(this.waitingRoom);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${this.label}: waiting list not as expected within ${timeoutMs} ms: ${JSON.stringify(this.waitingRoom)}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
      };
      this.listeners.add(listener);
      listener();
    });
  }

  /** The next error, asserting nothing but its existence; callers check `code`. */
  nextError(timeoutMs = WAIT_MS): Promise<ServerMessageOf<'error'>> {
    return this.next('error', timeoutMs);
  }

  /** Waits `ms` and returns the unconsumed messages of `type` that arrived meanwhile (and consumes them). */
  async collect<T extends ServerMessage['type']>(type: T, ms = 150): Promise<Array<ServerMessageOf<T>>> {
    await delay(ms);
    const found: Array<ServerMessageOf<T>> = [];
    for (let i = this.pending.length - 1; i >= 0; i -= 1) {
      const message = this.pending[i];
      if (message?.type === type) {
        found.unshift(message as ServerMessageOf<T>);
        this.pending.splice(i, 1);
      }
    }
    return found;
  }

  /** All messages of `type` ever received (consumed or not). */
  count(type: ServerMessage['type']): number {
    return this.received.filter((m) => m.type === type).length;
  }

  /** Forgets unconsumed messages, e.g. the presence/waiting-room noise of a setup step. */
  drain(): void {
    this.pending.length = 0;
  }

  waitClosed(timeoutMs = WAIT_MS): Promise<Closed> {
    return Promise.race([
      this.closed,
      delay(timeoutMs).then(() => {
        throw new Error(`${this.label}: socket not closed within ${timeoutMs} ms`);
      }),
    ]);
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  terminate(): void {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with the HTTP status of a refused upgrade (rejects if the upgrade succeeds). */
export function upgradeStatus(url: string, options: ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error('upgrade: no answer'));
    }, WAIT_MS);
    ws.on('unexpected-response', (req, res) => {
      clearTimeout(timer);
      resolve(res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    ws.on('open', () => {
      clearTimeout(timer);
      ws.terminate();
      reject(new Error('upgrade unexpectedly accepted'));
    });
    ws.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
