/**
 * Bringing a broken call back without anyone clicking. A call that had connected and then breaks (ICE
 * `disconnected` past a grace period — it often heals by itself — or its peer failing) is restarted through
 * the relay: a fresh call id and peer, the same camera and microphone. Each attempt has a deadline; after the
 * last one the call ends as failed. When the other side is away from the relay (reloading, its network
 * down), a restart would go nowhere: recovery waits for it to come back instead.
 *
 * This owns only the counters and timers; the engine reports what happens and carries out what it decides.
 */
import { epochNow } from './timeline';

export interface RecoveryActions {
  /** The call now live (a restart replaces it), or null. */
  liveCallId(): string | null;
  /** Asks the relay to restart the call; false when the relay cannot be reached right now. */
  requestRestart(callId: string): boolean;
  /** Whether the other side is connected to the relay. */
  peerPresent(): boolean;
  /** Whether the live call's ICE is (still) `disconnected`. */
  stillDisconnected(callId: string): boolean;
  /** Attempt `attempt` has begun: show "Reconnecting… (attempt n)". */
  attempting(attempt: number): void;
  /** No attempts left: end the call as failed. */
  giveUp(callId: string): void;
  log(event: string, detail: string): void;
}

export interface RecoveryOptions {
  /** How long ICE may stay `disconnected` before the call is restarted. */
  disconnectedGraceMs: number;
  maxAttempts: number;
  /** How long one restart may take to connect before the next attempt begins. */
  attemptTimeoutMs: number;
}

export class CallRecovery {
  private attempt = 0;
  private startedAt = 0;
  /** Null while waiting for the other side to come back. */
  private attemptTimer: ReturnType<typeof setTimeout> | null = null;
  private disconnectTimer: ReturnType<typeof setTimeout> | null = null;
  /** A restart that could not be asked for because the relay was unreachable; asked once it is back. */
  private pendingRestart: string | null = null;

  constructor(
    private readonly options: RecoveryOptions,
    private readonly actions: RecoveryActions,
  ) {}

  /** A restart is under way (the phase shows "reconnecting"). */
  get active(): boolean {
    return this.attempt > 0;
  }

  /** ICE state of the live call, which has connected before. */
  iceState(callId: string, ice: string): void {
    if (ice === 'disconnected' && !this.disconnectTimer) {
      this.disconnectTimer = setTimeout(() => {
        this.disconnectTimer = null;
        if (this.actions.stillDisconnected(callId)) this.broke('connection lost');
      }, this.options.disconnectedGraceMs);
    } else if (ice === 'connected' || ice === 'completed') {
      this.clearDisconnectTimer();
    }
  }

  /** The live call, which had connected, broke: restart it, or give up after the last attempt. */
  broke(reason: string): void {
    const callId = this.actions.liveCallId();
    if (!callId) return;
    this.clearDisconnectTimer();
    if (this.attempt >= this.options.maxAttempts) {
      this.actions.log('recovery-gave-up', reason);
      this.actions.giveUp(callId);
      return;
    }
    const waitForPeer = !this.actions.peerPresent();
    this.begin(waitForPeer ? `${reason}; waiting for the other side to come back` : reason, waitForPeer);
    if (waitForPeer) return;
    if (!this.actions.requestRestart(callId)) this.pendingRestart = callId;
  }

  /** The relay restarted a call that had connected (the other side reloaded or asked): one attempt. */
  restartedByRelay(reason: string): void {
    if (!this.active) this.begin(reason, false);
  }

  /** The other side is back on the relay: a recovery that was waiting for it restarts the call now. */
  peerBack(): void {
    const callId = this.actions.liveCallId();
    if (!this.active || this.attemptTimer || !callId) return;
    this.attemptTimer = this.armAttemptTimer();
    this.actions.requestRestart(callId);
  }

  /** We are back on the relay: ask for the restart that could not be asked for before. */
  relayBack(): void {
    const pending = this.pendingRestart;
    this.pendingRestart = null;
    if (pending && pending === this.actions.liveCallId()) this.actions.requestRestart(pending);
  }

  /** The restarted call is up. */
  recovered(): void {
    if (!this.active) return;
    this.actions.log('call-recovered', `attempt ${this.attempt}, ${Math.round(epochNow() - this.startedAt)} ms`);
    this.stop();
  }

  /** The live call closed (finished or replaced): its ICE timer means nothing any more. */
  callClosed(): void {
    this.clearDisconnectTimer();
  }

  /** Recovery is over, whatever the outcome. */
  stop(): void {
    if (this.attemptTimer) clearTimeout(this.attemptTimer);
    this.attemptTimer = null;
    this.clearDisconnectTimer();
    this.attempt = 0;
    this.pendingRestart = null;
  }

  private begin(reason: string, waitForPeer: boolean): void {
    this.attempt += 1;
    if (this.attempt === 1) this.startedAt = epochNow();
    if (this.attemptTimer) clearTimeout(this.attemptTimer);
    this.attemptTimer = waitForPeer ? null : this.armAttemptTimer();
    this.actions.log('call-restart', `attempt ${this.attempt}: ${reason}`);
    this.actions.attempting(this.attempt);
  }

  /** A restart that has not connected in time counts as failed, and the next attempt begins. */
  private armAttemptTimer(): ReturnType<typeof setTimeout> {
    return setTimeout(() => {
      this.attemptTimer = null;
      this.broke('the restart did not connect in time');
    }, this.options.attemptTimeoutMs);
  }

  private clearDisconnectTimer(): void {
    if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
    this.disconnectTimer = null;
  }
}
