import type { CallEndReason, EngineSnapshot, Phase } from '../../engine/engine';

const PHASE_TEXT: Record<Phase, string> = {
  idle: 'Not started',
  previewing: 'Camera ready',
  waiting: 'Waiting',
  connecting: 'Connecting…',
  connected: 'In consultation',
  reconnecting: 'Reconnecting…',
  ended: 'Call ended',
  failed: 'Call failed',
};

export const END_REASON_TEXT: Record<CallEndReason, string> = {
  'hang-up': 'You ended the call.',
  'remote-hang-up': 'The other person ended the call.',
  'peer-left': 'The other person left.',
  'consultation-closed': 'The clinician closed the consultation.',
  left: 'You left the consultation.',
  'access-revoked': 'IT revoked your sign-in, so the consultation was closed.',
  'connection-failed': 'The connection could not be made or was lost.',
  'relay-lost': 'The connection to the clinic server was lost.',
  'media-error': 'The camera or microphone could not be used.',
};

/** The engine phase, as text for people and as `data-state` for tools. */
export function CallState({ snapshot }: { snapshot: EngineSnapshot }) {
  const relayNote = snapshot.relay === 'reconnecting' ? ' (reconnecting to the clinic server…)' : '';
  return (
    <p
      className={`call-state call-state--${snapshot.phase}`}
      data-testid="call-state"
      data-state={snapshot.phase}
      role="status"
      aria-live="polite"
    >
      {PHASE_TEXT[snapshot.phase]}
      {snapshot.phase === 'reconnecting' && snapshot.recoveryAttempt > 0 && ` (attempt ${snapshot.recoveryAttempt})`}
      {relayNote}
    </p>
  );
}
