/**
 * The local camera and microphone: one MediaStream object for the whole consultation. Switching a device
 * swaps a track inside that same stream (simple-peer's replaceTrack needs the original stream object),
 * and a device that disappears is replaced by the default one, with a notice saying so.
 *
 * Mute and camera off are this object's state, so they hold across device switches and call restarts (every
 * call's peer is made from this stream):
 * - mute = the microphone track's `enabled = false`: the sender sends silence, nothing renegotiates, the
 *   microphone keeps running so speech while muted can be noticed (on a clone), and unmuting is instant;
 * - camera off = the camera track is stopped (the camera's light goes off, its capture buffers are freed) and
 *   the sender sends nothing (`replaceTrack(null)`). The stopped track stays in the stream: the next call's
 *   peer still gets a video sender (an ended track is a valid one), and simple-peer finds that sender by it
 *   when the camera comes back on a fresh track. `enabled = false` would send black frames with the light on.
 */
import { acquireLocalMedia, DEFAULT_CONSTRAINTS, describeMediaError, type GetUserMedia, type MediaFailure } from './media';

export type DeviceKind = 'camera' | 'microphone';

export interface LocalMediaState {
  stream: MediaStream | null;
  error: MediaFailure | null;
  /** deviceId of the camera/microphone in use, as the browser reports it. */
  cameraId: string | null;
  microphoneId: string | null;
  audioOnly: boolean;
  /** Something changed without being asked (a device unplugged and replaced). */
  notice: string | null;
  /** The person's choice: false = muted. */
  micEnabled: boolean;
  /** The person's choice: false = camera off (its track stopped). */
  cameraEnabled: boolean;
}

export interface LocalMediaDeps {
  getUserMedia: GetUserMedia;
  /** Saved choices; `ideal`, so a device that is gone falls back to the default instead of failing. */
  preferred?: { cameraId: string | null; microphoneId: string | null };
  onChange(state: LocalMediaState): void;
  /** A track of the stream was swapped (null: the camera is off): a live call must send the new one. */
  onTrackReplaced(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack | null, stream: MediaStream): void;
  log(event: string, detail?: string): void;
}

const KIND_OF: Record<DeviceKind, 'video' | 'audio'> = { camera: 'video', microphone: 'audio' };

export class LocalMedia {
  private state: LocalMediaState = {
    stream: null,
    error: null,
    cameraId: null,
    microphoneId: null,
    audioOnly: false,
    notice: null,
    micEnabled: true,
    cameraEnabled: true,
  };
  private pending: Promise<MediaStream | null> | null = null;
  /** Counts camera on/off requests: a camera that starts after a newer "off" is stopped at once. */
  private cameraRequests = 0;

  constructor(private readonly deps: LocalMediaDeps) {}

  get current(): LocalMediaState {
    return this.state;
  }

  /** Starts camera and microphone once; later calls get the same stream. Null when it failed (retry allowed). */
  start(options: { audioOnly?: boolean } = {}): Promise<MediaStream | null> {
    if (this.pending) return this.pending;
    const audioOnly = options.audioOnly ?? false;
    this.deps.log('media-requested', audioOnly ? 'audio only' : undefined);
    const promise = acquireLocalMedia(this.deps.getUserMedia, this.constraints(audioOnly)).then(
      (stream) => {
        this.deps.log(
          'media-ready',
          stream
            .getTracks()
            .map((t) => t.kind)
            .join('+'),
        );
        for (const track of stream.getTracks()) this.watch(track);
        const ids = this.deviceIds(stream);
        // Choices made before the camera started (none through the UI today) still hold.
        for (const track of stream.getAudioTracks()) track.enabled = this.state.micEnabled;
        if (!this.state.cameraEnabled) for (const track of stream.getVideoTracks()) track.stop();
        this.set({ stream, error: null, audioOnly, ...ids });
        return stream;
      },
      (err: unknown) => {
        const failure = describeMediaError(err);
        this.deps.log('media-failed', failure.kind);
        this.pending = null;
        this.set({ error: failure });
        return null;
      },
    );
    this.pending = promise;
    return promise;
  }

  /** Takes over a stream another engine opened (the relay changed): no second prompt. */
  adopt(stream: MediaStream): void {
    if (this.pending) return;
    this.pending = Promise.resolve(stream);
    for (const track of stream.getTracks()) this.watch(track);
    this.deps.log('media-ready', 'adopted');
    // The stream keeps the choices made on it (a muted track, a stopped camera).
    this.set({
      stream,
      error: null,
      ...this.deviceIds(stream),
      micEnabled: stream.getAudioTracks().every((track) => track.enabled),
      cameraEnabled: stream.getVideoTracks().every((track) => track.readyState !== 'ended'),
    });
  }

  /** Mutes or unmutes: the microphone keeps running, its track sends silence (no renegotiation). */
  setMicEnabled(on: boolean): void {
    for (const track of this.state.stream?.getAudioTracks() ?? []) track.enabled = on;
    if (on !== this.state.micEnabled) this.deps.log(on ? 'mic-on' : 'mic-muted');
    this.set({ micEnabled: on });
  }

  /**
   * Turns the camera off (its track stopped, the call sending no video) or back on (a fresh track from the
   * camera in use, sent on the same sender). False when the camera could not start again (the error says why)
   * or a newer request overtook this one.
   */
  async setCameraEnabled(on: boolean): Promise<boolean> {
    const request = ++this.cameraRequests;
    const stream = this.state.stream;
    const current = stream?.getVideoTracks()[0];
    if (!stream || !current) {
      // Nothing to turn on or off yet (or ever: audio only); remembered for when the camera starts.
      this.set({ cameraEnabled: on });
      return !on || !stream;
    }
    if (!on) {
      if (current.readyState === 'live') {
        this.deps.onTrackReplaced(current, null, stream); // the sender first: no frame of a stopping track goes out
        current.stop();
        this.deps.log('camera-off', current.label);
      }
      this.set({ cameraEnabled: false });
      return true;
    }
    if (current.readyState === 'live') {
      this.set({ cameraEnabled: true });
      return true;
    }
    try {
      const next = await this.restartCamera(this.state.cameraId);
      if (request !== this.cameraRequests || this.state.stream !== stream) {
        next.stop(); // turned off again (or media restarted) while the camera was starting
        return false;
      }
      this.put(stream, current, next);
      this.deps.log('camera-on', next.label);
      this.set({ cameraEnabled: true, error: null, ...this.deviceIds(stream) });
      return true;
    } catch (err) {
      const failure = describeMediaError(err);
      this.deps.log('camera-on-failed', failure.kind);
      if (request === this.cameraRequests) this.set({ error: failure });
      return false;
    }
  }

  /**
   * Switches camera or microphone, before or during a call. Returns false (and says why) when it failed. A
   * camera chosen while it is off is only remembered: its light comes on when the person turns it on.
   */
  async switchDevice(kind: DeviceKind, deviceId: string): Promise<boolean> {
    const stream = this.state.stream;
    if (!stream) return false;
    if (kind === 'camera' && !this.state.cameraEnabled && stream.getVideoTracks().length > 0) {
      this.deps.log('device-switched', 'camera (off): remembered');
      this.set({ cameraId: deviceId, error: null, notice: null });
      return true;
    }
    try {
      await this.swap(stream, kind, { exact: deviceId });
      this.set({ error: null, notice: null });
      return true;
    } catch (err) {
      const failure = describeMediaError(err);
      this.deps.log('device-switch-failed', `${kind}: ${failure.kind}`);
      this.set({ error: failure });
      return false;
    }
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }

  stop(): void {
    for (const track of this.state.stream?.getTracks() ?? []) track.stop();
  }

  private async swap(stream: MediaStream, kind: DeviceKind, deviceId: ConstrainDOMString | undefined): Promise<MediaStreamTrack> {
    const next = await this.acquire(kind, deviceId);
    if (kind === 'camera' && !this.state.cameraEnabled) {
      // Turned off while the new camera was starting: remember it, keep the light off.
      next.stop();
      this.set({ cameraId: next.getSettings().deviceId ?? this.state.cameraId });
      return next;
    }
    const old = KIND_OF[kind] === 'video' ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
    this.put(stream, old, next);
    this.deps.log('device-switched', `${kind}: ${next.label}`);
    this.set(this.deviceIds(stream));
    return next;
  }

  /**
   * The camera in use (or chosen while off) again: `exact`, since Chromium weighs an `ideal` deviceId against
   * the ideal size and frame rate and may pick another camera; the default one if it is gone.
   */
  private async restartCamera(cameraId: string | null): Promise<MediaStreamTrack> {
    if (!cameraId) return this.acquire('camera', undefined);
    try {
      return await this.acquire('camera', { exact: cameraId });
    } catch (err) {
      const name = (err as { name?: unknown } | null)?.name;
      if (name !== 'OverconstrainedError' && name !== 'NotFoundError') throw err;
      this.deps.log('camera-gone', 'the default camera instead');
      return this.acquire('camera', undefined);
    }
  }

  /** One fresh track from a device; a microphone comes muted when the person is muted. */
  private async acquire(kind: DeviceKind, deviceId: ConstrainDOMString | undefined): Promise<MediaStreamTrack> {
    const media = KIND_OF[kind];
    const base = DEFAULT_CONSTRAINTS[media];
    const fresh = await acquireLocalMedia(this.deps.getUserMedia, {
      [media]: { ...(typeof base === 'object' ? base : {}), ...(deviceId ? { deviceId } : {}) },
    });
    const next = media === 'video' ? fresh.getVideoTracks()[0] : fresh.getAudioTracks()[0];
    if (!next) throw Object.assign(new Error(`no ${kind} track`), { name: 'NotFoundError' });
    if (media === 'audio') next.enabled = this.state.micEnabled;
    return next;
  }

  /** Puts `next` in the stream in place of `old`, the live call sending it from now on. */
  private put(stream: MediaStream, old: MediaStreamTrack | undefined, next: MediaStreamTrack): void {
    this.watch(next);
    if (old) {
      this.deps.onTrackReplaced(old, next, stream);
      stream.removeTrack(old);
      old.stop();
    }
    stream.addTrack(next);
  }

  /** An unplugged device ends its track: fall back to the default device and tell the person. */
  private watch(track: MediaStreamTrack): void {
    track.addEventListener('ended', () => {
      const stream = this.state.stream;
      if (!stream?.getTracks().includes(track)) return; // stopped on purpose
      const kind: DeviceKind = track.kind === 'video' ? 'camera' : 'microphone';
      this.deps.log('device-lost', `${kind}: ${track.label}`);
      this.swap(stream, kind, undefined).then(
        (next) => this.set({ notice: `Your ${kind} "${track.label}" stopped working; now using "${next.label}".` }),
        (err: unknown) => this.set({ error: describeMediaError(err), notice: `Your ${kind} "${track.label}" stopped working.` }),
      );
    });
  }

  private constraints(audioOnly: boolean): MediaStreamConstraints {
    const preferred = this.deps.preferred;
    const audio = {
      ...(DEFAULT_CONSTRAINTS.audio as MediaTrackConstraints),
      ...(preferred?.microphoneId ? { deviceId: { ideal: preferred.microphoneId } } : {}),
    };
    if (audioOnly) return { audio };
    const video = {
      ...(DEFAULT_CONSTRAINTS.video as MediaTrackConstraints),
      ...(preferred?.cameraId ? { deviceId: { ideal: preferred.cameraId } } : {}),
    };
    return { audio, video };
  }

  private deviceIds(stream: MediaStream): Pick<LocalMediaState, 'cameraId' | 'microphoneId'> {
    const camera = stream.getVideoTracks()[0];
    return {
      // A camera that is off keeps the id it had, or the one chosen meanwhile: a stopped track may no longer say it.
      cameraId: camera && camera.readyState !== 'live' ? this.state.cameraId : (camera?.getSettings().deviceId ?? null),
      microphoneId: stream.getAudioTracks()[0]?.getSettings().deviceId ?? null,
    };
  }

  private set(patch: Partial<LocalMediaState>): void {
    this.state = { ...this.state, ...patch };
    this.deps.onChange(this.state);
  }
}
