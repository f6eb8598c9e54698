/** A small live line graph of the last 60 s, drawn as SVG; gaps where nothing was measured. */

export interface Series {
  name: string;
  values: readonly (number | null)[];
}

interface SparklineProps {
  title: string;
  unit: string;
  /** Epoch ms of each value, oldest first, shared by every series. */
  times: readonly number[];
  series: readonly Series[];
  windowMs?: number;
  testId: string;
}

const WIDTH = 240;
const HEIGHT = 56;
const PAD = 2;

export function Sparkline({ title, unit, times, series, windowMs = 60_000, testId }: SparklineProps) {
  const end = times.at(-1) ?? 0;
  const start = end - windowMs;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = Math.max(1, ...all) * 1.1;
  const x = (t: number) => PAD + ((t - start) / windowMs) * (WIDTH - 2 * PAD);
  const y = (v: number) => HEIGHT - PAD - (v / max) * (HEIGHT - 2 * PAD);
  const latest = series.map((s) => `${s.name} ${formatLatest(s.values.at(-1) ?? null)} ${unit}`).join(', ');
  return (
    <figure className="sparkline" data-testid={testId}>
      <figcaption className="sparkline__caption">
        {title} <span className="sparkline__latest">{latest}</span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width={WIDTH}
        height={HEIGHT}
        role="img"
        aria-label={`${title}, last 60 seconds: now ${latest}`}
      >
        <rect x="0" y="0" width={WIDTH} height={HEIGHT} className="sparkline__frame" />
        {series.map((s, index) => (
          <path key={s.name} className={`sparkline__line sparkline__line--${index}`} d={pathFor(times, s.values, x, y)} />
        ))}
        <text x={WIDTH - PAD} y={10} textAnchor="end" className="sparkline__scale">
          {formatLatest(max)} {unit}
        </text>
      </svg>
    </figure>
  );
}

/** Move-to after every gap, line-to otherwise. */
function pathFor(times: readonly number[], values: readonly (number | null)[], x: (t: number) => number, y: (v: number) => number): string {
  let d = '';
  let pen = false;
  values.forEach((value, i) => {
    const t = times[i];
    if (value === null || t === undefined) {
      pen = false;
      return;
    }
    d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(value).toFixed(1)}`;
    pen = true;
  });
  return d;
}

function formatLatest(value: number | null): string {
  if (value === null) return '—';
  return value >= 100 ? String(Math.round(value)) : value.toFixed(1);
}
