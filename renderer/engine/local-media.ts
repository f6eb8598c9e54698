/**
 * The local camera and microphone: one MediaStream object for the whole consultation. Switching a device
 * swaps a track inside that same stream (simple-peer's replaceTrack needs the original stream object),
 * and a device that disappears is replaced by the default one, with a notice saying so.
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
}

export interface LocalMediaDeps {
  getUserMedia: GetUserMedia;
  /** Saved choices; `ideal`, so a device that is gone falls back to the default instead of failing. */
  preferred?: { cameraId: string | null; microphoneId: string | null };
  onChange(state: LocalMediaState): void;
  /** A track of the stream was swapped: a live call must send the new one. */
  onTrackReplaced(oldTrack: MediaStreamTrack, newTrack: MediaStreamTrack, stream: MediaStream): void;
  log(event: string, detail?: string): void;
}

const KIND_OF: Record<DeviceKind, 'video' | 'audio'> = { camera: 'video', microphone: 'audio' };

export class LocalMedia {
  private state: LocalMediaState = { stream: null, error: null, cameraId: null, microphoneId: null, audioOnly: false, notice: null };
  private pending: Promise<MediaStream | null> | null = null;

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
        this.set({ stream, error: null, audioOnly, ...this.deviceIds(stream) });
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
    this.set({ stream, error: null, ...this.deviceIds(stream) });
  }

  /** Switches camera or microphone, before or during a call. Returns false (and says why) when it failed. */
  async switchDevice(kind: DeviceKind, deviceId: string): Promise<boolean> {
    const stream = this.state.stream;
    if (!stream) return false;
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
    const media = KIND_OF[kind];
    const base = DEFAULT_CONSTRAINTS[media];
    const fresh = await acquireLocalMedia(this.deps.getUserMedia, {
      [media]: { ...(typeof base === 'object' ? base : {}), ...(deviceId ? { deviceId } : {}) },
    });
    const next = media === 'video' ? fresh.getVideoTracks()[0] : fresh.getAudioTracks()[0];
    if (!next) throw Object.assign(new Error(`no ${kind} track`), { name: 'NotFoundError' });
    const old = media === 'video' ? stream.getVideoTracks()[0] : stream.getAudioTracks()[0];
    this.watch(next);
    if (old) {
      this.deps.onTrackReplaced(old, next, stream);
      stream.removeTrack(old);
      old.stop();
    }
    stream.addTrack(next);
    this.deps.log('device-switched', `${kind}: ${next.label}`);
    this.set(this.deviceIds(stream));
    return next;
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
    return {
      cameraId: stream.getVideoTracks()[0]?.getSettings().deviceId ?? null,
      microphoneId: stream.getAudioTracks()[0]?.getSettings().deviceId ?? null,
    };
  }

  private set(patch: Partial<LocalMediaState>): void {
    this.state = { ...this.state, ...patch };
    this.deps.onChange(this.state);
  }
}
