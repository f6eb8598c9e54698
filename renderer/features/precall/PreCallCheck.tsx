import { useEffect, useRef, useState } from 'react';
import { useHost } from '../../bridge/bridge-context';
import type { ConsultEngine, EngineSnapshot } from '../../engine/engine';
import { judgeCamera, sampleCamera } from './camera-check';
import type { CheckLine } from './check-line';
import { judgeMicrophone, MicMeter } from './mic-meter';
import { gatherCandidates, judgeIce, judgeRelay, pingRelay } from './network-check';
import { playTestTone } from './speaker-test';

const LISTEN_MS = 2500;
/** Mute and camera off outlast a call (local-media.ts): the check between calls says so instead of testing them. */
const CAMERA_OFF = 'Your camera is off (you turned it off in the last call). Turn it on in the next call to check it.';
const MUTED = 'You are muted (you muted yourself in the last call). Unmute in the next call to check the microphone.';

/** Camera, microphone, speaker and network, checked before the call, with one line each: pass, warn or fail. */
export function PreCallCheck({ engine, snapshot }: { engine: ConsultEngine; snapshot: EngineSnapshot }) {
  const { host, settings } = useHost();
  const stream = snapshot.localStream;
  const meter = useRef<MicMeter | null>(null);
  const [level, setLevel] = useState(0);
  const [lines, setLines] = useState<CheckLine[] | null>(null);
  const [running, setRunning] = useState(false);
  const [speaker, setSpeaker] = useState<CheckLine | null>(null);
  const [asking, setAsking] = useState(false);

  // The meter runs while the check is on screen, so people can watch it move as they speak.
  useEffect(() => {
    if (!stream || stream.getAudioTracks().length === 0) return;
    const current = new MicMeter(stream, setLevel);
    current.start();
    meter.current = current;
    return () => {
      current.stop();
      meter.current = null;
    };
  }, [stream]);

  const run = async () => {
    if (!stream) return;
    setRunning(true);
    setLines(null);
    if (meter.current) meter.current.peak = 0;
    const listened = new Promise((resolve) => setTimeout(resolve, LISTEN_MS));
    // Short-lived TURN credentials of its own: a call's come with that call (its call-start).
    const network = engine.precallIce().then(async (ice) => ({
      ice,
      gathered: ice && ice.iceServers.length > 0 ? await gatherCandidates(ice).catch(() => null) : null,
    }));
    const [camera, rtt, { ice, gathered }] = await Promise.all([
      stream.getVideoTracks().length === 0
        ? Promise.resolve<CheckLine>({
            id: 'camera',
            label: 'Camera',
            status: 'warn',
            detail: 'Audio-only consultation: no camera in use.',
          })
        : !snapshot.cameraEnabled
          ? Promise.resolve<CheckLine>({ id: 'camera', label: 'Camera', status: 'warn', detail: CAMERA_OFF })
          : sampleCamera(stream).then(judgeCamera),
      pingRelay(host.relayUrl),
      network,
    ]);
    await listened;
    const micLabel = stream.getAudioTracks()[0]?.label || 'Microphone';
    // A muted microphone sends silence by choice: the check says so instead of "no sound".
    const microphone: CheckLine = snapshot.micEnabled
      ? judgeMicrophone(meter.current?.peak ?? 0, micLabel)
      : { id: 'microphone', label: 'Microphone', status: 'warn', detail: MUTED };
    setLines([camera, microphone, judgeRelay(rtt), judgeIce(ice, gathered)]);
    setRunning(false);
  };

  const testSpeaker = async () => {
    setAsking(false);
    await playTestTone(settings.speakerId);
    setAsking(true);
  };
  const answerSpeaker = (heard: boolean) => {
    setAsking(false);
    setSpeaker(
      heard
        ? { id: 'speaker', label: 'Speaker', status: 'pass', detail: 'You heard the test sound.' }
        : { id: 'speaker', label: 'Speaker', status: 'fail', detail: 'No sound: check the volume, or choose another speaker.' },
    );
  };

  if (!stream) return null;
  const shown = [...(lines ?? []), ...(speaker ? [speaker] : [])];
  return (
    <section className="precall" aria-labelledby="precall-title" data-testid="precall">
      <h2 id="precall-title">Check before the call</h2>
      <label className="precall__meter">
        Microphone level (speak to see it move)
        <meter data-testid="mic-level" min={0} max={1} low={0.2} high={0.95} optimum={0.5} value={level} />
      </label>
      <div className="precall__actions">
        <button type="button" className="button" onClick={run} disabled={running}>
          {running ? 'Checking…' : 'Check camera, microphone and connection'}
        </button>
        <button type="button" className="button" onClick={testSpeaker}>
          Play test sound
        </button>
      </div>
      {asking && (
        <fieldset className="precall__question">
          <legend>Did you hear the test sound?</legend>
          <button type="button" className="button" onClick={() => answerSpeaker(true)}>
            Yes
          </button>{' '}
          <button type="button" className="button" onClick={() => answerSpeaker(false)}>
            No
          </button>
        </fieldset>
      )}
      {shown.length > 0 && (
        <ul className="precall__lines" aria-label="Check results">
          {shown.map((line) => (
            <li
              key={line.id}
              className={`precall__line precall__line--${line.status}`}
              data-testid={`precall-${line.id}`}
              data-status={line.status}
            >
              <strong>{line.label}</strong>{' '}
              <span className="precall__status">{line.status === 'pass' ? 'OK' : line.status === 'warn' ? 'Check' : 'Problem'}</span>
              <span className="precall__detail">{line.detail}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
