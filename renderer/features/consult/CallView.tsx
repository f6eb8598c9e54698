import { useCallback, useEffect, useId, useState } from 'react';
import { useHost } from '../../bridge/bridge-context';
import type { ConsultEngine, EngineSnapshot, Phase } from '../../engine/engine';
import { DevicePicker } from '../devices/DevicePicker';
import { DiagnosticsPanel } from '../diagnostics/DiagnosticsPanel';
import { useDiagnosticsServices } from '../diagnostics/diagnostics-context';
import { QualityIndicator } from '../diagnostics/QualityIndicator';
import { ChatAnnouncer, ChatPanel, ChatToggle } from './ChatPanel';
import { ControlBar, MAC } from './ControlBar';
import { formatCallDuration, shortcutText } from './controls';
import { LowBandwidthOffer } from './LowBandwidthOffer';
import { RemoteTile } from './RemoteTile';
import { ScreenPicker } from './ScreenPicker';
import { RemoteScreen, ShareBanner, ShareToggle } from './share-controls';
import { useMutedSpeech } from './use-muted-speech';
import { VerificationCode } from './VerificationCode';
import { Video } from './Video';

/**
 * The call, for either role, as people know it: the other person filling the stage with their name on it, your
 * own picture small in a corner, a timer, and one row of controls under it. It fits the window at any size
 * (styles.css, "call screen"): panels open over the stage, never under the controls.
 */
export function CallView({ engine, snapshot }: { engine: ConsultEngine; snapshot: EngineSnapshot }) {
  const onFirstFrame = useCallback(() => engine.noteFirstRemoteFrame(), [engine]);
  const [speakerId, setSpeakerId] = useState(useHost().settings.speakerId);
  const [showDevices, setShowDevices] = useState(false);
  const peerName = snapshot.peer?.name ?? 'the other person';
  const diagnostics = useDiagnosticsServices();
  const [showDetails, setShowDetails] = useState(false);
  const panelId = useId();
  const devicesId = useId();
  const microphone = snapshot.localStream?.getAudioTracks()[0] ?? null;
  const talkingMuted = useMutedSpeech(microphone, !snapshot.micEnabled);
  const [showChat, setShowChat] = useState(false);
  const chatId = useId();
  return (
    <section className="call" aria-label={`Consultation with ${peerName}`}>
      <div className="call__stage">
        {snapshot.remoteShare && <RemoteScreen share={snapshot.remoteShare} name={peerName} />}
        <RemoteTile
          stream={snapshot.remoteStream}
          name={peerName}
          media={snapshot.remoteMedia}
          sinkId={speakerId}
          onFirstFrame={onFirstFrame}
          inset={snapshot.remoteShare !== null}
        />
        <CallTimer phase={snapshot.phase} />
        <QualityIndicator />
        {snapshot.phase === 'connecting' && <p className="call__overlay">Connecting to {peerName}…</p>}
        {snapshot.phase === 'reconnecting' && (
          <p className="call__overlay call__overlay--warn" data-testid="reconnecting">
            Connection lost. Reconnecting… (attempt {snapshot.recoveryAttempt})
          </p>
        )}
        {snapshot.peer && !snapshot.peer.present && snapshot.phase === 'connected' && (
          <p className="call__overlay call__overlay--warn">{peerName} lost the connection to the clinic server; the call goes on.</p>
        )}
        <div className="call__self" data-testid="self-view">
          <Video stream={snapshot.localStream} testId="local-video" label="Your camera" local />
          {!snapshot.micEnabled && (
            <span className="tile__badge call__self-badge" data-testid="local-muted">
              muted
            </span>
          )}
        </div>
        <div className="call__live" aria-live="polite">
          {talkingMuted && (
            <p className="call__hint" data-testid="muted-hint">
              You are muted. Press {shortcutText('mic', MAC)} or Mute to talk.
            </p>
          )}
        </div>
        {(showDevices || snapshot.mediaNotice) && (
          <div className="call__sheet call__sheet--devices" id={devicesId}>
            <DevicePicker engine={engine} snapshot={snapshot} speakerId={speakerId} onSpeakerChange={setSpeakerId} />
          </div>
        )}
        <LowBandwidthOffer engine={engine} snapshot={snapshot} />
        <ChatAnnouncer chat={snapshot.chat} peerName={peerName} />
        <ShareBanner engine={engine} share={snapshot.localShare} />
        <ScreenPicker />
        {showChat && (
          <div className="call__sheet call__sheet--chat">
            <ChatPanel engine={engine} snapshot={snapshot} id={chatId} onClose={() => setShowChat(false)} />
          </div>
        )}
        {showDetails && (
          <div className="call__sheet call__sheet--details">
            <VerificationCode engine={engine} snapshot={snapshot} />
            <DiagnosticsPanel id={panelId} />
          </div>
        )}
      </div>
      <ControlBar
        engine={engine}
        snapshot={snapshot}
        devicesOpen={showDevices}
        onToggleDevices={() => setShowDevices((shown) => !shown)}
        devicesId={devicesId}
        detailsOpen={diagnostics ? showDetails : null}
        onToggleDetails={() => setShowDetails((shown) => !shown)}
        detailsId={panelId}
        share={<ShareToggle engine={engine} share={snapshot.localShare} />}
        chat={
          <ChatToggle
            open={showChat}
            unread={snapshot.chat.unread}
            panelId={chatId}
            peerName={peerName}
            onToggle={() => setShowChat((shown) => !shown)}
          />
        }
      />
    </section>
  );
}

/** How long the call has lasted, from when it first connected (a restart does not start it again). */
function CallTimer({ phase }: { phase: Phase }) {
  const [startedAt, setStartedAt] = useState<number | null>(null);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (phase === 'connected' && startedAt === null) setStartedAt(Date.now());
  }, [phase, startedAt]);
  useEffect(() => {
    if (startedAt === null) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [startedAt]);
  if (startedAt === null) return null;
  return (
    <p className="call__timer" data-testid="call-timer" role="timer" aria-label="Call duration">
      {formatCallDuration(now - startedAt)}
    </p>
  );
}
