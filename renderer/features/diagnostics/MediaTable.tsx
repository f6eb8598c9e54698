import * as f from './format';
import type { StreamStats } from './stats/derive';

const STREAM_NAME: Record<`${StreamStats['direction']} ${StreamStats['kind']}`, string> = {
  'outbound audio': 'Sent audio',
  'outbound video': 'Sent video',
  'inbound audio': 'Received audio',
  'inbound video': 'Received video',
};

/** Per direction and kind: bitrate, loss, jitter, frame rate, resolution, codec, encoder limitation. */
export function MediaTable({ streams }: { streams: readonly StreamStats[] }) {
  return (
    <table className="diagnostics__table">
      <caption className="visually-hidden">Media streams</caption>
      <thead>
        <tr>
          <th scope="col">Stream</th>
          <th scope="col">Bitrate</th>
          <th scope="col">Packet loss</th>
          <th scope="col">Jitter</th>
          <th scope="col">Frames/s</th>
          <th scope="col">Resolution</th>
          <th scope="col">Codec</th>
          <th scope="col">Quality limited by</th>
        </tr>
      </thead>
      <tbody>
        {streams.length === 0 && (
          <tr>
            <td colSpan={8}>No media yet.</td>
          </tr>
        )}
        {streams.map((s) => (
          <tr
            key={`${s.direction}-${s.kind}`}
            data-testid={`stream-${s.direction}-${s.kind}`}
            data-bitrate={s.bitrateBps ?? ''}
            data-fps={s.fps ?? ''}
          >
            <th scope="row">{STREAM_NAME[`${s.direction} ${s.kind}`]}</th>
            <td>{f.kbps(s.bitrateBps)}</td>
            <td>{f.percent(s.packetLossPct)}</td>
            <td>{f.ms(s.jitterMs)}</td>
            <td>{s.kind === 'video' ? f.fps(s.fps) : 'n/a'}</td>
            <td>{s.kind === 'video' ? f.resolution(s.width, s.height) : 'n/a'}</td>
            <td>{f.text(s.codec)}</td>
            <td>{s.direction === 'outbound' && s.kind === 'video' ? f.text(s.qualityLimitationReason) : 'n/a'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
