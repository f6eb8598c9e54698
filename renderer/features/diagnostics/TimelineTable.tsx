import type { TimelineEntry } from '../../engine/timeline';
import { clockTime } from './format';

/** What happened, newest first. */
export function TimelineTable({ entries }: { entries: readonly TimelineEntry[] }) {
  const newestFirst = [...entries].reverse();
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus so it scrolls by keyboard
    <section className="diagnostics__scroll" tabIndex={0} aria-label="Event timeline, newest first">
      <table className="diagnostics__table" data-testid="diagnostics-timeline">
        <caption className="visually-hidden">Event timeline</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Event</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {newestFirst.map((entry, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows hold no state, and two entries may share a time
            <tr key={`${entry.t}-${index}`}>
              <td className="diagnostics__time">{clockTime(entry.t)}</td>
              <td>{entry.event}</td>
              <td>{entry.detail ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
