import { Card, CardBody, CardHeader, CardTitle, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Gallery, Label, PageSection, Stack } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { platformActions, useAccess } from '../../api/access';
import { latest, latestOf, resultOf, useMetrics, type Component, type Metrics } from '../../api/monitoring';
import { Loading } from '../../components/Loading';
import { MetricChart, MetricsState } from '../../components/monitoring/MetricChart';
import { MonitoringSection } from '../../components/monitoring/Panels';
import { useTimeRange, type TimeRangeState } from '../../components/monitoring/TimeRangePicker';
import { formatValue } from '../../components/monitoring/units';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';

/** The components, what the page reads of each (always their up series), and the figure it charts. */
export const componentMetrics: Record<Component, { metrics: string[]; chart: string }> = {
  apiserver: { metrics: ['apiserver_request_rate', 'apiserver_request_latency_p99', 'apiserver_error_rate', 'component_up'], chart: 'apiserver_request_latency_p99' },
  etcd: { metrics: ['etcd_server_has_leader', 'etcd_db_size', 'etcd_request_latency_p99', 'component_up'], chart: 'etcd_request_latency_p99' },
  scheduler: { metrics: ['scheduler_schedule_attempts', 'scheduler_e2e_latency_p99', 'component_up'], chart: 'scheduler_e2e_latency_p99' },
  'controller-manager': { metrics: ['controller_manager_workqueue_depth', 'component_up'], chart: 'controller_manager_workqueue_depth' },
  platform: { metrics: ['component_up'], chart: 'component_up' },
};

export type Health = 'healthy' | 'degraded' | 'down' | 'unknown';

/** health reads a component's up series: every instance up, some, none, or no series at all. */
export function health(m: Metrics | undefined): { health: Health; up: number; all: number } {
  const series = resultOf(m, 'component_up')?.series ?? [];
  const up = series.filter((s) => latest(s) === 1).length;
  const all = series.length;
  return { health: all === 0 ? 'unknown' : up === all ? 'healthy' : up === 0 ? 'down' : 'degraded', up, all };
}

function HealthLabel({ h, test }: { h: Health; test: string }) {
  const { t } = useTranslation('monitoring');
  const words: Record<Health, [string, 'green' | 'orange' | 'red' | 'grey']> = {
    healthy: [t('Healthy'), 'green'],
    degraded: [t('Degraded'), 'orange'],
    down: [t('Down'), 'red'],
    unknown: [t('Unknown'), 'grey'],
  };
  return (
    <Label color={words[h][1]} isCompact data-test={`health-${test}`} data-health={h}>
      {words[h][0]}
    </Label>
  );
}

function ComponentCard({ component, title, range }: { component: Component; title: string; range: TimeRangeState }) {
  const { t, i18n } = useTranslation('monitoring');
  const spec = componentMetrics[component];
  const q = useMetrics({ level: 'component', component }, { range: range.range, refresh: range.refresh, metrics: spec.metrics });
  const h = health(q.data);
  const names: Record<string, string> = {
    apiserver_request_rate: t('Requests'),
    apiserver_request_latency_p99: t('Latency (p99)'),
    apiserver_error_rate: t('Errors'),
    etcd_server_has_leader: t('Has a leader'),
    etcd_db_size: t('Database size'),
    etcd_request_latency_p99: t('Latency (p99)'),
    scheduler_schedule_attempts: t('Scheduling attempts'),
    scheduler_e2e_latency_p99: t('Scheduling latency (p99)'),
    controller_manager_workqueue_depth: t('Work queue depth'),
  };
  const figures = spec.metrics.filter((m) => m !== 'component_up');
  const figure = (m: string) => {
    const v = latestOf(q.data, m);
    if (m === 'etcd_server_has_leader' && v !== null) return v >= 1 ? t('Yes') : t('No');
    return formatValue(v, resultOf(q.data, m)?.unit ?? '', t, i18n.language);
  };
  const jobs = resultOf(q.data, 'component_up')?.series ?? [];
  return (
    <Card isCompact data-test={`component-${component}`}>
      <CardHeader actions={{ actions: q.data && !q.error ? <HealthLabel h={h.health} test={component} /> : null, hasNoOffset: true }}>
        <CardTitle>{title}</CardTitle>
      </CardHeader>
      <CardBody>
        {q.error || !q.data ? (
          <MetricsState query={q} height={120} />
        ) : (
          <Stack hasGutter>
            <DescriptionList isCompact isHorizontal>
              <DescriptionListGroup>
                <DescriptionListTerm>{t('Instances up')}</DescriptionListTerm>
                <DescriptionListDescription data-test={`up-${component}`}>{t('{{up}} of {{all}}', { up: h.up, all: h.all })}</DescriptionListDescription>
              </DescriptionListGroup>
              {component === 'platform' &&
                jobs.map((s) => (
                  <DescriptionListGroup key={s.labels.job ?? s.labels.instance}>
                    <DescriptionListTerm>{s.labels.job ?? s.labels.instance}</DescriptionListTerm>
                    <DescriptionListDescription>{latest(s) === 1 ? t('Up') : t('Down')}</DescriptionListDescription>
                  </DescriptionListGroup>
                ))}
              {figures.map((m) => (
                <DescriptionListGroup key={m}>
                  <DescriptionListTerm>{names[m] ?? m}</DescriptionListTerm>
                  <DescriptionListDescription data-test={`figure-${m}`}>{figure(m)}</DescriptionListDescription>
                </DescriptionListGroup>
              ))}
            </DescriptionList>
            <MetricChart title={names[spec.chart] ?? t('Instances up')} query={q} test={`component-${component}`} height={140} lines={[{ metric: spec.chart, label: names[spec.chart] ?? t('Up') }]} />
          </Stack>
        )}
      </CardBody>
    </Card>
  );
}

/** Components shows the health and key figures of the control plane and of the platform's own components: one request each. */
export default function Components() {
  const { t } = useTranslation('monitoring');
  const access = useAccess(platformActions);
  const range = useTimeRange();
  if (!access.loaded) return <Loading />;
  if (!access.allowed[0]) return <NoAccess />;
  const titles: Record<Component, string> = {
    apiserver: t('Kubernetes API server'),
    etcd: 'etcd',
    scheduler: t('Scheduler'),
    'controller-manager': t('Controller manager'),
    platform: t('Platform components'),
  };
  return (
    <>
      <PageHeader title={t('Components')} />
      <PageSection>
        <MonitoringSection title={t('Health and key figures')} range={range} test="components">
          <Gallery hasGutter minWidths={{ default: '100%', lg: '420px' }}>
            {(Object.keys(componentMetrics) as Component[]).map((c) => (
              <ComponentCard key={c} component={c} title={titles[c]} range={range} />
            ))}
          </Gallery>
        </MonitoringSection>
      </PageSection>
    </>
  );
}
