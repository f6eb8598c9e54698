import { useState } from 'react';
import { useHost } from '../../bridge/bridge-context';
import type { ConsultEngine, EngineSnapshot } from '../../engine/engine';
import { DevicePicker } from './DevicePicker';

/** Device choice before a call, once the camera runs (the lists have labels only then). */
export function PreCallDevices({ engine, snapshot }: { engine: ConsultEngine; snapshot: EngineSnapshot }) {
  const [speakerId, setSpeakerId] = useState(useHost().settings.speakerId);
  if (!snapshot.localStream) return null;
  return <DevicePicker engine={engine} snapshot={snapshot} speakerId={speakerId} onSpeakerChange={setSpeakerId} />;
}
