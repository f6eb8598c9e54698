import { useDiagnosticsState } from './diagnostics-context';
import type { QualityLevel } from './stats/quality';

const LEVEL_TEXT: Record<QualityLevel, string> = {
  good: 'Good',
  fair: 'Fair',
  poor: 'Poor',
  lost: 'Lost',
};
const BARS: Record<QualityLevel, number> = { good: 3, fair: 2, poor: 1, lost: 0 };

/** Connection quality, always on screen during a call; the reason is in the tooltip and the panel. */
export function QualityIndicator() {
  const state = useDiagnosticsState();
  if (!state) return null;
  const quality = state.quality;
  const level = quality?.level ?? null;
  const label = level ? `Connection quality: ${LEVEL_TEXT[level]}` : 'Connection quality: measuring…';
  return (
    <p
      className={`quality quality--${level ?? 'unknown'}`}
      data-testid="quality-indicator"
      data-level={level ?? 'unknown'}
      title={quality?.reason}
    >
      <span className="quality__bars" aria-hidden="true">
        {[1, 2, 3].map((bar) => (
          <span key={bar} className={level && BARS[level] >= bar ? 'quality__bar quality__bar--on' : 'quality__bar'} />
        ))}
      </span>
      {/* Only the level is announced, and only when it changes: the reason changes every second. */}
      <span role="status" aria-live="polite">
        {label}
      </span>
    </p>
  );
}
