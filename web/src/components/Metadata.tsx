import { DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Label, LabelGroup } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Condition, K8sObject } from '../api/types';
import { Time } from './Time';

export function Labels({ labels, test }: { labels?: Record<string, string>; test: string }) {
  const { t } = useTranslation('common');
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return <>-</>;
  return (
    <LabelGroup numLabels={10} collapsedText={t('${remaining} more')} expandedText={t('Show less')} data-test={test}>
      {entries.map(([k, v]) => (
        <Label key={k} isCompact>
          {k}={v}
        </Label>
      ))}
    </LabelGroup>
  );
}

/** Metadata shows the fields every object has, and any more the caller gives. */
export function Metadata({ object, extra }: { object: K8sObject; extra?: [string, ReactNode][] }) {
  const { t } = useTranslation('common');
  const m = object.metadata;
  const rows: [string, ReactNode][] = [
    [t('Name'), m.name],
    ...(m.namespace ? ([[t('Project'), m.namespace]] as [string, ReactNode][]) : []),
    [t('Created'), <Time key="c" ts={m.creationTimestamp} test="created" />],
    ...(extra ?? []),
    [t('Labels'), <Labels key="l" labels={m.labels} test="labels" />],
    [t('Annotations'), <Labels key="a" labels={m.annotations} test="annotations" />],
  ];
  return (
    <DescriptionList isHorizontal isCompact data-test="details">
      {rows.map(([term, value]) => (
        <DescriptionListGroup key={term}>
          <DescriptionListTerm>{term}</DescriptionListTerm>
          <DescriptionListDescription>{value}</DescriptionListDescription>
        </DescriptionListGroup>
      ))}
    </DescriptionList>
  );
}

export function Conditions({ conditions }: { conditions?: Condition[] }) {
  const { t } = useTranslation('common');
  if (!conditions?.length) return null;
  return (
    <Table aria-label={t('Conditions')} variant="compact" data-test="conditions">
      <Thead>
        <Tr>
          <Th modifier="wrap">{t('Type')}</Th>
          <Th modifier="wrap">{t('Status')}</Th>
          <Th modifier="wrap">{t('Reason')}</Th>
          <Th modifier="wrap">{t('Message')}</Th>
          <Th modifier="wrap">{t('Changed')}</Th>
        </Tr>
      </Thead>
      <Tbody>
        {conditions.map((c) => (
          <Tr key={c.type}>
            <Td dataLabel={t('Type')}>{c.type}</Td>
            <Td dataLabel={t('Status')}>{c.status}</Td>
            <Td dataLabel={t('Reason')}>{c.reason ?? '-'}</Td>
            <Td dataLabel={t('Message')}>{c.message ?? '-'}</Td>
            <Td dataLabel={t('Changed')}>
              <Time ts={c.lastTransitionTime} />
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
