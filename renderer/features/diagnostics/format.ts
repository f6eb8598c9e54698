/** Figures as people read them in the panel; "—" where nothing is measured yet. */

const NONE = '—';

export function kbps(bps: number | null | undefined): string {
  if (bps === null || bps === undefined) return NONE;
  return bps >= 10_000_000 ? `${(bps / 1_000_000).toFixed(1)} Mbps` : `${Math.round(bps / 1000)} kbps`;
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return NONE;
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? NONE : `${value.toFixed(1)} %`;
}

export function fps(value: number | null | undefined): string {
  return value === null || value === undefined ? NONE : value.toFixed(0);
}

export function resolution(width: number | null, height: number | null): string {
  return width && height ? `${width}×${height}` : NONE;
}

export function text(value: string | null | undefined): string {
  return value === null || value === undefined || value === '' ? NONE : value;
}

export function clockTime(epochMs: number): string {
  const date = new Date(epochMs);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}
