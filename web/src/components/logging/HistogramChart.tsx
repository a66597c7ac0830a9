import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import '../monitoring/chart.css';
import { currentTheme, watchTheme, type Theme } from '../../theme';
import { colour } from '../monitoring/TimeSeriesChart';

// The histogram of a search of the log store (lines, events, audit
// records) on uPlot's canvas, as the monitoring charts are drawn: loaded
// only where it is shown (SearchParts imports it lazily).

const axes: Record<Theme, { axis: string; grid: string }> = {
  light: { axis: '#4d4d4d', grid: '#e0e0e0' },
  dark: { axis: '#c7c7c7', grid: '#3d3d3d' },
};

function timeFormat(lang: string, span: number): Intl.DateTimeFormat {
  if (span > 2 * 86400) return new Intl.DateTimeFormat(lang, { month: 'short', day: 'numeric', hour: '2-digit', hourCycle: 'h23' });
  if (span < 600) return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}

export interface HistogramProps {
  /** each bucket's start, Unix seconds */
  times: number[];
  counts: number[];
  /** the interval of a bucket in seconds */
  interval: number;
  /** the range searched, Unix seconds: the axis spans it */
  range: { start: number; end: number };
  title: string;
  /** a bar's count as the tooltip says it (the log search's "{{count}} lines" when not given) */
  countLabel?: (count: number) => string;
  /** called with the selected range (Unix seconds) when the user drags across the chart */
  onSelect: (from: number, to: number) => void;
  height?: number;
}

/**
 * HistogramChart draws the lines per interval as bars over the range
 * searched; dragging across it selects a range (onSelect), and hovering
 * shows a bucket's time and count.
 */
export default function HistogramChart({ times, counts, interval, range, title, countLabel, onSelect, height = 140 }: HistogramProps) {
  const { t, i18n } = useTranslation('logging');
  const lang = i18n.language;
  const box = useRef<HTMLDivElement>(null);
  const [theme, setTheme] = useState<Theme>(currentTheme);
  const [hover, setHover] = useState<{ idx: number; left: number } | null>(null);
  // The chart is made again when its data changes, not when the page gives a new callback.
  const select = useRef(onSelect);
  useEffect(() => {
    select.current = onSelect;
  }, [onSelect]);
  useEffect(() => watchTheme(setTheme), []);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const p = axes[theme];
    const fmt = timeFormat(lang, range.end - range.start);
    const half = interval / 2;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      series: [
        {},
        {
          label: title,
          stroke: colour(theme, 0),
          fill: colour(theme, 0),
          width: 0,
          paths: uPlot.paths.bars?.({ size: [0.9, 60], align: 0 }),
          points: { show: false },
        },
      ],
      axes: [
        { stroke: p.axis, grid: { stroke: p.grid, width: 1 }, ticks: { stroke: p.grid, width: 1 }, space: 80, values: (_u, splits) => splits.map((v) => fmt.format(new Date(v * 1000))) },
        { stroke: p.axis, grid: { stroke: p.grid, width: 1 }, ticks: { stroke: p.grid, width: 1 }, size: 50, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? new Intl.NumberFormat(lang, { notation: 'compact' }).format(v) : '')) },
      ],
      scales: {
        x: { time: true, range: () => [range.start, range.end] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      hooks: {
        setCursor: [
          (u) => {
            const idx = u.cursor.idx;
            setHover(idx === null || idx === undefined ? null : { idx, left: Math.max(0, Math.min((u.cursor.left ?? 0) + 56, u.width - 190)) });
          },
        ],
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width < 3) return;
            const from = u.posToVal(left, 'x');
            const to = u.posToVal(left + width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            select.current(from, to);
          },
        ],
      },
    };
    // Each bar covers its interval: drawn at the interval's middle.
    const u = new uPlot(opts, [times.map((x) => x + half), counts], el);
    let ro: ResizeObserver | undefined;
    if (typeof ResizeObserver !== 'undefined') {
      ro = new ResizeObserver(() => u.setSize({ width: Math.max(el.clientWidth, 200), height }));
      ro.observe(el);
    }
    return () => {
      ro?.disconnect();
      u.destroy();
    };
  }, [times, counts, interval, range.start, range.end, theme, lang, height, title]);

  const at = hover ? times[hover.idx] : undefined;
  return (
    <figure className="ke-chart" aria-label={title} data-test="log-histogram-chart">
      <div className="ke-chart-canvas" aria-hidden="true" data-test="chart-canvas">
        <div ref={box} />
        {hover && at !== undefined && (
          <div className="ke-chart-tooltip" style={{ left: hover.left, top: 8 }} data-test="chart-tooltip">
            <div className="ke-chart-tooltip-time">{new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(at * 1000))}</div>
            <div>{countLabel ? countLabel(counts[hover.idx]) : t('{{count}} lines', { count: counts[hover.idx] })}</div>
          </div>
        )}
      </div>
    </figure>
  );
}
