import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { useHost } from '../../bridge/bridge-context';
import type { ConsultEngine, EngineSnapshot } from '../../engine/engine';
import { DeviceList, type DeviceOption } from './device-list';

interface Props {
  engine: ConsultEngine;
  snapshot: EngineSnapshot;
  /** Speaker in use; changing it is the view's business (setSinkId on the remote video). */
  speakerId: string | null;
  onSpeakerChange(deviceId: string): void;
}

/** Camera, microphone and speaker choice, before and during a call; choices are remembered. */
export function DevicePicker({ engine, snapshot, speakerId, onSpeakerChange }: Props) {
  const { settings, saveSettings } = useHost();
  const deviceList = useMemo(() => new DeviceList(navigator.mediaDevices), []);
  const lists = useSyncExternalStore(deviceList.subscribe, deviceList.getSnapshot);
  // Labels appear once the camera is allowed: read the list again when media starts.
  useEffect(() => {
    if (snapshot.localStream) void deviceList.refresh();
  }, [deviceList, snapshot.localStream]);

  const remember = (patch: Partial<typeof settings>) => void saveSettings({ ...settings, ...patch }).catch(() => undefined);
  const pickCamera = async (deviceId: string) => {
    if (await engine.switchDevice('camera', deviceId)) remember({ cameraId: deviceId });
  };
  const pickMicrophone = async (deviceId: string) => {
    if (await engine.switchDevice('microphone', deviceId)) remember({ microphoneId: deviceId });
  };
  const pickSpeaker = (deviceId: string) => {
    onSpeakerChange(deviceId);
    remember({ speakerId: deviceId });
  };

  return (
    <fieldset className="devices" data-testid="device-picker">
      <legend>Camera, microphone and speaker</legend>
      {snapshot.mediaNotice && (
        <p className="notice" role="status" data-testid="media-notice">
          {snapshot.mediaNotice}{' '}
          <button type="button" className="button button--quiet" onClick={() => engine.dismissMediaNotice()}>
            OK
          </button>
        </p>
      )}
      {!snapshot.devices.audioOnly && (
        <DeviceSelect label="Camera" name="camera" options={lists.cameras} value={snapshot.devices.cameraId} onChange={pickCamera} />
      )}
      <DeviceSelect
        label="Microphone"
        name="microphone"
        options={lists.microphones}
        value={snapshot.devices.microphoneId}
        onChange={pickMicrophone}
      />
      {'setSinkId' in HTMLMediaElement.prototype && (
        <DeviceSelect label="Speaker" name="speaker" options={lists.speakers} value={speakerId} onChange={pickSpeaker} />
      )}
    </fieldset>
  );
}

interface SelectProps {
  label: string;
  name: string;
  options: DeviceOption[];
  value: string | null;
  onChange(deviceId: string): void;
}

function DeviceSelect({ label, name, options, value, onChange }: SelectProps) {
  return (
    <label className="field">
      {label}
      <select name={name} value={value ?? ''} onChange={(e) => onChange(e.target.value)} disabled={options.length === 0}>
        {value === null && <option value="">Default</option>}
        {options.map((option) => (
          <option key={option.deviceId} value={option.deviceId}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}
