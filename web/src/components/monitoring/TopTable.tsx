import { EmptyState, EmptyStateBody } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ranked, type NameOf } from '../../api/monitoring';
import { MetricsState, type MetricsResult } from './MetricChart';
import { formatValue } from './units';

export interface TopColumn {
  metric: string;
  title: string;
}

/**
 * TopTable lists the objects of a ranked answer (sort_metric, limit) in
 * the API's order with their latest values: "top pods by CPU". nameOf is
 * the series label that names an object (pod, namespace, node ...).
 */
export function TopTable({
  query,
  sortMetric,
  nameOf,
  nameTitle,
  columns,
  link,
  extra,
  test,
  ariaLabel,
}: {
  query: MetricsResult;
  sortMetric: string;
  nameOf: NameOf;
  nameTitle: string;
  columns: TopColumn[];
  link?: (name: string, labels: Record<string, string>) => string | undefined;
  /** a column between the name and the values (the project of a pod) */
  extra?: { title: string; render: (labels: Record<string, string>) => ReactNode };
  test: string;
  ariaLabel: string;
}) {
  const { t, i18n } = useTranslation('monitoring');
  const state = <MetricsState query={query} height={120} />;
  if (query.error || query.isLoading || !query.data) return <div data-test={`top-${test}`}>{state}</div>;
  const rows = ranked(query.data, sortMetric, nameOf);
  const units = Object.fromEntries(query.data.results.map((r) => [r.metricName, r.unit]));
  if (rows.length === 0) {
    return (
      <EmptyState titleText={t('No data')} headingLevel="h4" variant="xs" data-test={`top-${test}`}>
        <EmptyStateBody>{t('Nothing was recorded yet.')}</EmptyStateBody>
      </EmptyState>
    );
  }
  return (
    <Table variant="compact" aria-label={ariaLabel} data-test={`top-${test}`}>
      <Thead>
        <Tr>
          <Th>{nameTitle}</Th>
          {extra && <Th>{extra.title}</Th>}
          {columns.map((c) => (
            <Th key={c.metric}>{c.title}</Th>
          ))}
        </Tr>
      </Thead>
      <Tbody>
        {rows.map((r) => {
          const to = link?.(r.name, r.labels);
          return (
            <Tr key={`${r.labels.namespace ?? ''}/${r.name}`} data-test={`top-row-${r.name}`}>
              <Td dataLabel={nameTitle}>{to ? <Link to={to}>{r.name}</Link> : r.name}</Td>
              {extra && <Td dataLabel={extra.title}>{extra.render(r.labels)}</Td>}
              {columns.map((c) => (
                <Td key={c.metric} dataLabel={c.title}>
                  {formatValue(r.values[c.metric], units[c.metric] ?? '', t, i18n.language)}
                </Td>
              ))}
            </Tr>
          );
        })}
      </Tbody>
    </Table>
  );
}
