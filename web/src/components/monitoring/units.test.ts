import i18n from '../../i18n';
import { plot, hasData, distinct } from './series';
import { axisValue, formatBytes, formatValue } from './units';
import type { Metrics } from '../../api/monitoring';

const t = i18n.getFixedT('en', 'monitoring');

describe('formatValue', () => {
  it.each([
    ['cores of one or more in cores', 1.5, 'cores', '1.5 cores'],
    ['one core in the singular', 1, 'cores', '1 core'],
    ['less than a core in millicores', 0.25, 'cores', '250 millicores'],
    ['a small share of a core with a decimal', 0.0025, 'cores', '2.5 millicores'],
    ['no CPU as cores', 0, 'cores', '0 cores'],
    ['bytes under a KiB as bytes', 512, 'bytes', '512 B'],
    ['KiB', 1536, 'bytes', '1.5 KiB'],
    ['MiB', 256 * 1024 * 1024, 'bytes', '256 MiB'],
    ['GiB', 3.25 * 1024 ** 3, 'bytes', '3.25 GiB'],
    ['a rate of bytes', 2048, 'bytes/s', '2 KiB/s'],
    ['a ratio as a percentage', 0.42, 'ratio', '42%'],
    ['a small ratio with a decimal', 0.015, 'ratio', '1.5%'],
    ['a count', 37, 'count', '37'],
    ['a rate of counts', 1.234, 'count/s', '1.23/s'],
    ['less than a second in ms', 0.125, 'seconds', '125 ms'],
    ['seconds', 2.5, 'seconds', '2.5 s'],
    ['a unit the console does not know after the number', 3, 'widgets', '3 widgets'],
  ])('shows %s', (_name, v, unit, want) => {
    expect(formatValue(v, unit, t, 'en')).toBe(want);
  });

  it('shows no value (NaN, none) as a dash', () => {
    expect(formatValue(null, 'cores', t, 'en')).toBe('–');
    expect(formatValue(Number.NaN, 'bytes', t, 'en')).toBe('–');
  });

  it("writes numbers in the user's language", () => {
    expect(formatBytes(1536, 'de')).toBe('1,5 KiB');
  });

  it('keeps axis ticks short', () => {
    expect(axisValue(0.25, 'cores', 'en')).toBe('250m');
    expect(axisValue(2, 'cores', 'en')).toBe('2');
    expect(axisValue(0.5, 'ratio', 'en')).toBe('50%');
    expect(axisValue(1024 ** 3, 'bytes', 'en')).toBe('1 GiB');
    expect(axisValue(0.05, 'seconds', 'en')).toBe('50 ms');
  });
});

describe('plot', () => {
  const m: Metrics = {
    results: [
      {
        metricName: 'container_cpu_usage',
        unit: 'cores',
        resultType: 'matrix',
        series: [
          { labels: { container: 'app' }, values: [[100, '0.1'], [160, '0.2']] },
          { labels: { container: 'sidecar' }, values: [[160, 'NaN'], [220, '0.05']] },
        ],
      },
      { metricName: 'container_memory_usage_wo_cache', unit: 'bytes', resultType: 'matrix', series: [], error: 'query timed out' },
    ],
  };

  it('lines up series on the union of their times, a missing or NaN sample being a gap', () => {
    const p = plot(m, [{ metric: 'container_cpu_usage', label: '', by: 'container' }]);
    expect(p.unit).toBe('cores');
    expect(p.times).toEqual([100, 160, 220]);
    expect(p.series).toEqual([
      { label: 'app', values: [0.1, 0.2, null], latest: 0.2, dashed: false },
      { label: 'sidecar', values: [null, null, 0.05], latest: 0.05, dashed: false },
    ]);
    expect(hasData(p)).toBe(true);
  });

  it('names the series of a metric drawn once by the labels that tell them apart', () => {
    const p = plot(m, [{ metric: 'container_cpu_usage', label: 'CPU' }]);
    expect(p.series.map((s) => s.label)).toEqual(['CPU container=app', 'CPU container=sidecar']);
    expect(distinct({ job: 'etcd', instance: 'a' }, [{ job: 'etcd', instance: 'a' }, { job: 'etcd', instance: 'b' }])).toBe('instance=a');
  });

  it('keeps the error of a metric that failed alone, and has nothing to draw for it', () => {
    const p = plot(m, [{ metric: 'container_memory_usage_wo_cache', label: 'Memory' }]);
    expect(p.errors).toEqual({ container_memory_usage_wo_cache: 'query timed out' });
    expect(hasData(p)).toBe(false);
  });
});
