/** A bounded, timestamped log of what happened, for the diagnostics panel, exports and timing. */

export interface TimelineEntry {
  /** Wall-clock epoch ms with sub-ms precision, comparable across windows of one machine. */
  t: number;
  event: string;
  detail?: string;
}

const MAX_ENTRIES = 500;

export function epochNow(): number {
  return typeof performance !== 'undefined' ? performance.timeOrigin + performance.now() : Date.now();
}

export class Timeline {
  private readonly entries: TimelineEntry[] = [];

  constructor(private readonly now: () => number = epochNow) {}

  add(event: string, detail?: string): TimelineEntry {
    const entry: TimelineEntry = detail === undefined ? { t: this.now(), event } : { t: this.now(), event, detail };
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.shift();
    return entry;
  }

  list(): readonly TimelineEntry[] {
    return this.entries;
  }

  /** The latest entry of an event, e.g. the last "call-start". */
  last(event: string): TimelineEntry | undefined {
    for (let i = this.entries.length - 1; i >= 0; i -= 1) if (this.entries[i]?.event === event) return this.entries[i];
    return undefined;
  }
}
