import { useEffect, useState } from 'react';
import type { UpdateStatus } from '../../../contract/bridge';
import { useHost } from '../../bridge/bridge-context';
import type { Phase } from '../../engine/phase';
import { inCall, inConsultation, updateNotice } from './update-notice';

/**
 * The desktop app's own update (main/updates.ts): progress while it downloads, then "Restart to update"
 * between consultations. Also tells main whether a call is under way, so it neither checks nor
 * downloads during one. Renders nothing where the host does not update itself (browser mode).
 */
export function UpdateBanner({ phase, consultationOpen }: { phase: Phase; consultationOpen: boolean }) {
  const { bridge } = useHost();
  const updates = bridge.updates;
  // After a call the consultation may still be open, with patients waiting: a restart would lose it.
  const consulting = consultationOpen || inConsultation(phase);
  const calling = inCall(phase);
  const [status, setStatus] = useState<UpdateStatus | null>(null);
  const [restarting, setRestarting] = useState(false);

  useEffect(() => updates?.onStatus(setStatus), [updates]);
  useEffect(() => {
    updates?.setInCall(calling).catch(() => {}); // main gone: nothing to tell
  }, [updates, calling]);

  const notice = updates ? updateNotice(status, consulting) : null;
  if (!updates || !notice) return null;

  const restart = (): void => {
    setRestarting(true);
    updates.restart().then(
      (restarted) => setRestarting(restarted),
      () => setRestarting(false),
    );
  };

  return (
    <div className="notice update-banner" role="status" aria-live="polite" data-testid="update-status" data-state={status?.state}>
      <span>{notice.text}</span>{' '}
      {notice.canRestart && (
        <button type="button" className="button button--primary" data-testid="update-restart" disabled={restarting} onClick={restart}>
          Restart to update
        </button>
      )}
    </div>
  );
}
