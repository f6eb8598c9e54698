/**
 * The cameras, microphones and speakers this computer has, kept current as devices come and go
 * (`devicechange`). Labels are empty until camera/microphone permission is granted.
 */

export interface DeviceOption {
  deviceId: string;
  label: string;
}

export interface DeviceLists {
  cameras: DeviceOption[];
  microphones: DeviceOption[];
  speakers: DeviceOption[];
}

const EMPTY: DeviceLists = { cameras: [], microphones: [], speakers: [] };

export function groupDevices(devices: readonly MediaDeviceInfo[]): DeviceLists {
  const lists: DeviceLists = { cameras: [], microphones: [], speakers: [] };
  const counters = { videoinput: 0, audioinput: 0, audiooutput: 0 };
  for (const device of devices) {
    counters[device.kind] += 1;
    const fallback = { videoinput: 'Camera', audioinput: 'Microphone', audiooutput: 'Speaker' }[device.kind];
    const option = { deviceId: device.deviceId, label: device.label || `${fallback} ${counters[device.kind]}` };
    if (device.kind === 'videoinput') lists.cameras.push(option);
    else if (device.kind === 'audioinput') lists.microphones.push(option);
    else lists.speakers.push(option);
  }
  return lists;
}

export class DeviceList {
  private lists: DeviceLists = EMPTY;
  private readonly listeners = new Set<() => void>();
  private readonly refreshNow = (): void => void this.refresh();

  constructor(private readonly mediaDevices: MediaDevices) {}

  getSnapshot = (): DeviceLists => this.lists;

  subscribe = (listener: () => void): (() => void) => {
    if (this.listeners.size === 0) {
      this.mediaDevices.addEventListener('devicechange', this.refreshNow);
      void this.refresh();
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.mediaDevices.removeEventListener('devicechange', this.refreshNow);
    };
  };

  /** Re-reads the devices (also after permission is granted, when labels appear). */
  async refresh(): Promise<void> {
    this.lists = groupDevices(await this.mediaDevices.enumerateDevices());
    for (const listener of [...this.listeners]) listener();
  }
}
