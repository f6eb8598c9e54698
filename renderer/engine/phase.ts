/**
 * The consultation's phase, and the one function that changes it. Every legal change is one line of the
 * diagram below; `LINES` repeats it line for line, and a unit test parses this comment and holds the two
 * equal. Anything else is illegal: the engine logs it to the timeline and changes nothing.
 *
 * Each line reads `from ─ event ─▶ to`; `from` may list phases (`a|b`), `to` may be `same`.
 *
 *   idle                                      ─ media-ready   ─▶ previewing     camera and microphone run
 *   previewing|waiting                        ─ entered       ─▶ waiting        the relay placed us (welcome)
 *   connecting|connected|reconnecting         ─ entered       ─▶ same           welcome again after a reconnect
 *   ended|failed                              ─ entered       ─▶ same           (still in the consultation)
 *   waiting|ended|failed|connecting|connected ─ call-started  ─▶ connecting     a peer exists for a new call id
 *   reconnecting                              ─ call-started  ─▶ reconnecting   the restart's fresh call
 *   connecting|reconnecting                   ─ call-up       ─▶ connected      peer connected, remote media in
 *   connected|reconnecting                    ─ call-broke    ─▶ reconnecting   a restart attempt begins
 *   connecting                                ─ call-replaced ─▶ connecting     the relay replaced a call that
 *   connected|reconnecting                    ─ call-replaced ─▶ reconnecting     never connected / that had
 *   connecting|connected|reconnecting         ─ call-ended    ─▶ ended          hang-up, peer left, closed
 *   connecting|connected|reconnecting         ─ call-failed   ─▶ failed         could not connect, gave up
 *   waiting|ended|failed                      ─ call-failed   ─▶ failed         a call-start without media
 *   previewing|waiting|ended|failed           ─ relay-lost    ─▶ failed         the relay is gone for good
 *   connecting|reconnecting                   ─ relay-lost    ─▶ failed         (between a replaced call and
 *                                                                                its successor: no peer to keep)
 *   connecting|reconnecting                   ─ call-gone     ─▶ waiting        welcomed back, the relay has
 *                                                                                no call for us any more
 *   idle|previewing|waiting|ended|failed      ─ left          ─▶ ended          left, or consultation closed
 *   connecting|connected|reconnecting         ─ left          ─▶ ended
 *   previewing|waiting|ended|failed           ─ seat-lost     ─▶ previewing     the relay no longer knows us
 *   connecting|reconnecting                   ─ seat-lost     ─▶ previewing
 *
 * Not lines of the diagram, on purpose: a connected call survives losing the relay (media flows peer to
 * peer) and a seat the relay forgot (the call goes on until someone hangs up).
 */

export type Phase = 'idle' | 'previewing' | 'waiting' | 'connecting' | 'connected' | 'reconnecting' | 'ended' | 'failed';

export const PHASES: readonly Phase[] = ['idle', 'previewing', 'waiting', 'connecting', 'connected', 'reconnecting', 'ended', 'failed'];

export type PhaseEvent =
  | 'media-ready'
  | 'entered'
  | 'call-started'
  | 'call-up'
  | 'call-broke'
  | 'call-replaced'
  | 'call-ended'
  | 'call-failed'
  | 'relay-lost'
  | 'call-gone'
  | 'left'
  | 'seat-lost';

export const PHASE_EVENTS: readonly PhaseEvent[] = [
  'media-ready',
  'entered',
  'call-started',
  'call-up',
  'call-broke',
  'call-replaced',
  'call-ended',
  'call-failed',
  'relay-lost',
  'call-gone',
  'left',
  'seat-lost',
];

type Line = readonly [from: readonly Phase[], event: PhaseEvent, to: Phase | 'same'];

/** The diagram above, line for line. */
const LINES: readonly Line[] = [
  [['idle'], 'media-ready', 'previewing'],
  [['previewing', 'waiting'], 'entered', 'waiting'],
  [['connecting', 'connected', 'reconnecting'], 'entered', 'same'],
  [['ended', 'failed'], 'entered', 'same'],
  [['waiting', 'ended', 'failed', 'connecting', 'connected'], 'call-started', 'connecting'],
  [['reconnecting'], 'call-started', 'reconnecting'],
  [['connecting', 'reconnecting'], 'call-up', 'connected'],
  [['connected', 'reconnecting'], 'call-broke', 'reconnecting'],
  [['connecting'], 'call-replaced', 'connecting'],
  [['connected', 'reconnecting'], 'call-replaced', 'reconnecting'],
  [['connecting', 'connected', 'reconnecting'], 'call-ended', 'ended'],
  [['connecting', 'connected', 'reconnecting'], 'call-failed', 'failed'],
  [['waiting', 'ended', 'failed'], 'call-failed', 'failed'],
  [['previewing', 'waiting', 'ended', 'failed'], 'relay-lost', 'failed'],
  [['connecting', 'reconnecting'], 'relay-lost', 'failed'],
  [['connecting', 'reconnecting'], 'call-gone', 'waiting'],
  [['idle', 'previewing', 'waiting', 'ended', 'failed'], 'left', 'ended'],
  [['connecting', 'connected', 'reconnecting'], 'left', 'ended'],
  [['previewing', 'waiting', 'ended', 'failed'], 'seat-lost', 'previewing'],
  [['connecting', 'reconnecting'], 'seat-lost', 'previewing'],
];

/** Every legal change, as `from → event → to` (self-loops included). */
export const TRANSITIONS: ReadonlyMap<Phase, ReadonlyMap<PhaseEvent, Phase>> = (() => {
  const table = new Map<Phase, Map<PhaseEvent, Phase>>(PHASES.map((phase) => [phase, new Map()]));
  for (const [from, event, to] of LINES) {
    for (const phase of from) {
      const edges = table.get(phase);
      if (!edges || edges.has(event)) throw new Error(`phase diagram: ${phase} ─ ${event} is listed twice`);
      edges.set(event, to === 'same' ? phase : to);
    }
  }
  return table;
})();

/** The phase after `event`, or null when the event is illegal in `phase`. Pure. */
export function transition(phase: Phase, event: PhaseEvent): Phase | null {
  return TRANSITIONS.get(phase)?.get(event) ?? null;
}

/** Phases in which a call is on screen (its peer exists or is being replaced). */
export function isCallPhase(phase: Phase): boolean {
  return phase === 'connecting' || phase === 'connected' || phase === 'reconnecting';
}

/** The call on screen has connected at least once (a restart keeps that true): a break is then recovered. */
export function hasConnected(phase: Phase): boolean {
  return phase === 'connected' || phase === 'reconnecting';
}
