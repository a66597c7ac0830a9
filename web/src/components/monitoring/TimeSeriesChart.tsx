import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './chart.css';
import { currentTheme, watchTheme, type Theme } from '../../theme';
import type { Plotted } from './series';
import { axisValue, formatValue } from './units';

// The uPlot chart itself: loaded only where a chart is shown (MetricChart
// imports it lazily), so that no other screen carries uPlot.

const palettes: Record<Theme, { lines: string[]; axis: string; grid: string }> = {
  light: { lines: ['#0066cc', '#3e8635', '#c46100', '#a30000', '#5752d1', '#009596', '#8f4700', '#4d4d4d'], axis: '#4d4d4d', grid: '#e0e0e0' },
  dark: { lines: ['#4394e5', '#87bb62', '#f4c145', '#fe5142', '#a3a0e8', '#5ba9a9', '#f5921b', '#c7c7c7'], axis: '#c7c7c7', grid: '#3d3d3d' },
};

/** colour is the colour of the i-th series in a theme (the legend's swatch and the line). */
export function colour(theme: Theme, i: number): string {
  const l = palettes[theme].lines;
  return l[i % l.length];
}

function timeFormat(lang: string, span: number): Intl.DateTimeFormat {
  if (span > 2 * 86400) return new Intl.DateTimeFormat(lang, { month: 'short', day: 'numeric' });
  // Under ten minutes (a young cluster's first samples) ticks are less than a minute apart.
  if (span < 600) return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
}

/** axisSize is the width an axis' labels need (about 7 px a character), so that long ones (1.5 KiB/s) are not cut. */
function axisSize(_u: uPlot, values: string[] | null): number {
  return Math.max(40, ...(values ?? []).map((v) => v.length * 7 + 18));
}

interface Hover {
  idx: number;
  /** where the tooltip goes, in CSS pixels from the chart's left */
  left: number;
}

/**
 * TimeSeriesChart draws the series on a canvas (uPlot) with the unit on
 * the axis, a legend with each series' latest value, and a tooltip with
 * the values under the cursor; it follows the theme and its width.
 */
export default function TimeSeriesChart({ plotted, title, height = 180 }: { plotted: Plotted; title: string; height?: number }) {
  const { t, i18n } = useTranslation('monitoring');
  const lang = i18n.language;
  const box = useRef<HTMLDivElement>(null);
  const [theme, setTheme] = useState<Theme>(currentTheme);
  const [hover, setHover] = useState<Hover | null>(null);
  useEffect(() => watchTheme(setTheme), []);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const p = palettes[theme];
    const span = plotted.times.length > 1 ? plotted.times[plotted.times.length - 1] - plotted.times[0] : 0;
    const fmt = timeFormat(lang, span);
    const unit = plotted.unit;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      series: [
        {},
        // A series of one or two samples (a rate over a new pod's first
        // minutes) has no line to speak of: its samples show as dots.
        ...plotted.series.map((s, i) => ({
          label: s.label,
          stroke: colour(theme, i),
          width: 1.5,
          dash: s.dashed ? [6, 4] : undefined,
          points: { show: s.values.filter((v) => v !== null).length < 3, size: 6, fill: colour(theme, i) },
        })),
      ],
      axes: [
        { stroke: p.axis, grid: { stroke: p.grid, width: 1 }, ticks: { stroke: p.grid, width: 1 }, space: 70, values: (_u, splits) => splits.map((v) => fmt.format(new Date(v * 1000))) },
        { stroke: p.axis, grid: { stroke: p.grid, width: 1 }, ticks: { stroke: p.grid, width: 1 }, size: axisSize, values: (_u, splits) => splits.map((v) => axisValue(v, unit, lang)) },
      ],
      scales: {
        // One sample time alone would give the axis no width (every label
        // the same instant): it ends at that time and spans five minutes.
        x: { time: true, range: (_u, min, max) => (min === max ? [min - 300, max + 30] : [min, max]) },
        y: { range: (_u, min, max) => [Math.min(0, min), unit === 'ratio' ? Math.max(1, max) : max > 0 ? max * 1.1 : 1] },
      },
      legend: { show: false },
      cursor: { drag: { x: false, y: false, setScale: false } },
      hooks: {
        setCursor: [
          (u) => {
            const idx = u.cursor.idx;
            setHover(idx === null || idx === undefined ? null : { idx, left: Math.max(0, Math.min((u.cursor.left ?? 0) + 76, u.width - 190)) });
          },
        ],
      },
    };
    const u = new uPlot(opts, [plotted.times, ...plotted.series.map((s) => s.values)], el);
    let ro: ResizeObserver | undefined;
    if (typeof ResizeObserver !== 'undefined') {
      ro = new ResizeObserver(() => u.setSize({ width: Math.max(el.clientWidth, 200), height }));
      ro.observe(el);
    }
    return () => {
      ro?.disconnect();
      u.destroy();
    };
  }, [plotted, theme, lang, height]);

  const at = hover ? plotted.times[hover.idx] : undefined;
  return (
    <figure className="ke-chart" aria-label={title} data-test="chart">
      <div className="ke-chart-canvas" aria-hidden="true" data-test="chart-canvas">
        <div ref={box} />
        {hover && at !== undefined && (
          <div className="ke-chart-tooltip" style={{ left: hover.left, top: 8 }} data-test="chart-tooltip">
            <div className="ke-chart-tooltip-time">{new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(at * 1000))}</div>
            {plotted.series.map((s, i) => (
              <div key={i}>
                <span className="ke-chart-swatch" style={{ background: colour(theme, i) }} /> {s.label}: {formatValue(s.values[hover.idx], plotted.unit, t, lang)}
              </div>
            ))}
          </div>
        )}
      </div>
      <ul className="ke-chart-legend" aria-label={t('Legend of {{chart}}', { chart: title })} data-test="chart-legend">
        {plotted.series.map((s, i) => (
          <li key={i} data-test="legend-item">
            <span className="ke-chart-swatch" style={{ background: colour(theme, i), opacity: s.dashed ? 0.6 : 1 }} />
            <span data-test="legend-label">{s.label}</span> <strong data-test="legend-value">{formatValue(s.latest, plotted.unit, t, lang)}</strong>
          </li>
        ))}
      </ul>
    </figure>
  );
}
