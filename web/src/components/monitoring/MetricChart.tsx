import { Alert, Bullseye, Card, CardBody, CardTitle, EmptyState, EmptyStateBody, Spinner } from '@patternfly/react-core';
import { lazy, Suspense, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { isUnavailable, type Metrics } from '../../api/monitoring';
import { ApiError } from '../../api/client';
import { ErrorAlert } from '../ErrorAlert';
import { hasData, plot, type Line } from './series';

const TimeSeriesChart = lazy(() => import('./TimeSeriesChart'));

/** MetricsResult is what a chart shows: a query's result (useMetrics). */
export interface MetricsResult {
  data?: Metrics;
  error: unknown;
  isLoading: boolean;
  refetch?: () => unknown;
}

/**
 * MonitoringUnavailable says that the metrics store does not answer (the
 * API's 503), with the server's own message folded away: shown in place of
 * a chart or a table, never an empty one or a spinner that does not end.
 */
export function MonitoringUnavailable({ error }: { error: unknown }) {
  const { t } = useTranslation('monitoring');
  const message = error instanceof ApiError ? error.status.message : undefined;
  return (
    <Alert variant="warning" isInline isPlain title={t('Monitoring is unavailable')} data-test="monitoring-unavailable">
      <p>{t('The metrics store does not answer right now. The charts show again when it does.')}</p>
      {message && (
        <details className="ke-error-details">
          <summary>{t('Details from the server')}</summary>
          <code data-test="monitoring-unavailable-message">{message}</code>
        </details>
      )}
    </Alert>
  );
}

/** MetricsState is the part of a chart or table that is not data: loading, unavailable, failed; null once there is an answer. */
export function MetricsState({ query, height = 180 }: { query: MetricsResult; height?: number }) {
  const { t } = useTranslation('monitoring');
  if (query.error) {
    if (isUnavailable(query.error)) return <MonitoringUnavailable error={query.error} />;
    const refetch = query.refetch;
    return <ErrorAlert error={query.error} onRetry={refetch ? () => void refetch() : undefined} />;
  }
  if (query.isLoading || !query.data) {
    return (
      <Bullseye style={{ minHeight: height }} data-test="chart-loading">
        <Spinner size="lg" aria-label={t('Loading')} />
      </Bullseye>
    );
  }
  return null;
}

/** stateOf names a chart's state for tests (data-state). */
function stateOf(query: MetricsResult, drawable: boolean): string {
  if (query.error) return isUnavailable(query.error) ? 'unavailable' : 'error';
  if (query.isLoading || !query.data) return 'loading';
  return drawable ? 'ready' : 'empty';
}

/**
 * MetricChart is a card with a time-series chart of some metrics of one
 * answer: a spinner while it loads, "Monitoring is unavailable" on a 503,
 * the error of a metric that failed alone, "No data" when nothing was
 * recorded in the range, and otherwise the chart (uPlot, loaded when first
 * shown) with its legend and tooltips.
 */
export function MetricChart({ title, query, lines, test, height = 180 }: { title: string; query: MetricsResult; lines: Line[]; test: string; height?: number }) {
  const { t } = useTranslation('monitoring');
  // Lines are often written inline: the chart is drawn again when the data or what they say changes, not at every render.
  const linesKey = JSON.stringify(lines);
  const plotted = useMemo(() => plot(query.data, JSON.parse(linesKey) as Line[]), [query.data, linesKey]);
  const drawable = hasData(plotted);
  const failed = Object.entries(plotted.errors);
  const state = stateOf(query, drawable);
  let body;
  if (state === 'loading' || state === 'unavailable' || state === 'error') {
    body = <MetricsState query={query} height={height} />;
  } else if (!drawable && failed.length > 0) {
    body = (
      <Alert variant="warning" isInline isPlain title={t('This metric could not be read')} data-test="metric-error">
        {failed.map(([m, e]) => (
          <p key={m}>
            <code>{m}</code>: {e}
          </p>
        ))}
      </Alert>
    );
  } else if (!drawable) {
    body = (
      <EmptyState titleText={t('No data')} headingLevel="h4" variant="xs" data-test="chart-empty">
        <EmptyStateBody>{t('Nothing was recorded in this time range.')}</EmptyStateBody>
      </EmptyState>
    );
  } else {
    body = (
      <Suspense
        fallback={
          <Bullseye style={{ minHeight: height }}>
            <Spinner size="lg" aria-label={t('Loading')} />
          </Bullseye>
        }
      >
        <TimeSeriesChart plotted={plotted} title={title} height={height} />
      </Suspense>
    );
  }
  return (
    <Card isCompact data-test={`chart-${test}`} data-state={state}>
      <CardTitle>{title}</CardTitle>
      <CardBody>{body}</CardBody>
    </Card>
  );
}
