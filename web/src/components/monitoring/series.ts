import { latest, num, resultOf, type Metrics } from '../../api/monitoring';

/** Line names a metric to draw, and how to name its series in the legend. */
export interface Line {
  metric: string;
  /** the legend's name; with by, the name of each series is its label's value, after this */
  label: string;
  /** draw one line per value of this label (container, pod ...), named by it */
  by?: string;
  /** a limit such as a capacity, drawn dashed */
  dashed?: boolean;
}

/** Plotted is what a chart draws: shared times (Unix seconds) and one row of values per series. */
export interface Plotted {
  times: number[];
  series: { label: string; values: (number | null)[]; latest: number | null; dashed: boolean }[];
  unit: string;
  /** errors of metrics that failed alone, by metric */
  errors: Record<string, string>;
}

/**
 * plot lines up the series of the lines' metrics on the union of their
 * sample times, a missing or NaN sample being a gap (null). The unit is
 * the first metric's unit the API stated.
 */
export function plot(m: Metrics | undefined, lines: Line[]): Plotted {
  const times = new Set<number>();
  const picked: { label: string; samples: Map<number, number | null>; latest: number | null; dashed: boolean }[] = [];
  const errors: Record<string, string> = {};
  let unit = '';
  for (const line of lines) {
    const r = resultOf(m, line.metric);
    if (!r) continue;
    if (r.error) errors[line.metric] = r.error;
    unit ||= r.unit;
    for (const s of r.series) {
      const samples = new Map<number, number | null>();
      for (const [ts, v] of s.values ?? (s.value ? [s.value] : [])) {
        times.add(ts);
        samples.set(ts, num(v));
      }
      // One line per series: named by the label asked for, or, when a metric
      // the chart names once has several series, by what tells them apart.
      const part = line.by ? (s.labels[line.by] ?? '') : r.series.length > 1 ? distinct(s.labels, r.series.map((x) => x.labels)) : '';
      const label = `${line.label} ${part}`.trim();
      picked.push({ label, samples, latest: latest(s), dashed: !!line.dashed });
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    times: sorted,
    unit,
    errors,
    series: picked.map((p) => ({ label: p.label, dashed: p.dashed, latest: p.latest, values: sorted.map((t) => p.samples.get(t) ?? null) })),
  };
}

/** distinct shows the labels of a series whose values differ among the series of its metric (job=etcd, code=500). */
export function distinct(labels: Record<string, string>, all: Record<string, string>[]): string {
  return Object.keys(labels)
    .filter((k) => k !== '__name__' && all.some((o) => o[k] !== labels[k]))
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(', ');
}

/** hasData tells whether anything can be drawn: a series with at least one value. */
export function hasData(p: Plotted): boolean {
  return p.series.some((s) => s.values.some((v) => v !== null));
}
