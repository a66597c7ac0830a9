import { Button, EmptyState, EmptyStateBody, Flex, FlexItem, Form, FormSelect, FormSelectOption, Label, Stack, TextInput } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { auditFailed, isNotServed, useAudit, useAuditHistogram, type AuditRecord, type AuditSearch as Search } from '../../api/events';
import { isStoreUnavailable, parseNames, type SortOrder } from '../../api/logging';
import { HistogramCard, loaded, RangeBar, RangeText, RecordTime, ResultsCard, StoreUnavailable, useSearchRange } from '../../components/logging/SearchParts';

/** The filters as typed, applied when the search is run. */
interface Filters {
  user: string;
  verb: string;
  resource: string;
  name: string;
  namespace: string;
  code: string;
  /** '', kube-apiserver or ke-apiserver */
  source: string;
}

const noFilters: Filters = { user: '', verb: '', resource: '', name: '', namespace: '', code: '', source: '' };

/** auditTarget writes what a request was about: resource/subresource and name. */
export function auditTarget(r: Pick<AuditRecord, 'resource' | 'subresource' | 'name'>): string {
  const what = [r.resource, r.subresource].filter(Boolean).join('/');
  return [what, r.name].filter(Boolean).join(' ') || '-';
}

/** AuditCode is a request's answer: its code (or result) in green when it succeeded, red when it failed. */
export function AuditCode({ r }: { r: Pick<AuditRecord, 'code' | 'result'> }) {
  const { t } = useTranslation('logging');
  const failed = auditFailed(r);
  const text = r.code ? String(r.code) : r.result || '-';
  return (
    <Label color={failed ? 'red' : 'green'} isCompact data-test="audit-code" data-failed={failed} aria-label={failed ? t('{{code}} (failed)', { code: text }) : t('{{code}} (succeeded)', { code: text })}>
      {text}
    </Label>
  );
}

/**
 * AuditSearch searches the audit records of kube-apiserver and
 * ke-apiserver kept in the log store: all of them for a platform
 * administrator, one workspace's (workspace) for its administrators. A
 * platform that does not serve the search yet (404) shows that it is not
 * available.
 */
export function AuditSearch({ workspace, test = 'audit-search' }: { workspace?: string; test?: string }) {
  const { t, i18n } = useTranslation('logging');
  const lang = i18n.language;
  const [draft, setDraft] = useState<Filters>(noFilters);
  const [applied, setApplied] = useState<Filters>(noFilters);
  const range = useSearchRange();
  const { shown } = range;
  const [sort, setSort] = useState<SortOrder>('desc');

  const search = useMemo<Search>(
    () => ({
      workspace,
      users: parseNames(applied.user),
      verbs: parseNames(applied.verb),
      resources: parseNames(applied.resource),
      names: parseNames(applied.name),
      namespaces: parseNames(applied.namespace),
      codes: parseNames(applied.code),
      sources: applied.source ? [applied.source] : undefined,
      start: shown.start,
      end: shown.end,
    }),
    [workspace, applied, shown.start, shown.end],
  );
  const audit = useAudit(search, sort);
  const histogram = useAuditHistogram(search);
  const { records } = loaded<AuditRecord>(audit);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setApplied(draft);
    range.touch();
  };
  const field = (key: Exclude<keyof Filters, 'source'>, label: string, placeholder: string) => (
    <FlexItem>
      <TextInput type="search" aria-label={label} placeholder={placeholder} value={draft[key]} onChange={(_e, v) => setDraft((d) => ({ ...d, [key]: v }))} data-test={`audit-filter-${key}`} />
    </FlexItem>
  );
  const notServed = isNotServed(audit.error) || isNotServed(histogram.error);
  const unavailable = isStoreUnavailable(audit.error) ? audit.error : isStoreUnavailable(histogram.error) ? histogram.error : undefined;

  let results;
  if (notServed) {
    results = (
      <EmptyState titleText={t('Audit search is not available')} headingLevel="h2" variant="sm" data-test="audit-not-served">
        <EmptyStateBody>{t('This platform does not keep audit records in the log store yet.')}</EmptyStateBody>
      </EmptyState>
    );
  } else if (unavailable) {
    results = <StoreUnavailable error={unavailable} test="audit-unavailable" />;
  } else {
    results = (
      <>
        <HistogramCard
          histogram={histogram}
          range={range}
          prefix="audit"
          texts={{ title: t('Requests over time'), empty: t('No audit records in this time range'), count: (n) => t('{{count}} requests', { count: n }) }}
        />
        <ResultsCard
          q={audit}
          prefix="audit"
          texts={{
            title: t('Audit records'),
            total: (n) => t('{{count}} audit records match', { count: n }),
            emptyTitle: t('No audit records found'),
            emptyBody: t('No request in this time range matches the search, or none that your roles let you see. Widen the time range or change the filters.'),
          }}
        >
          <Table variant="compact" aria-label={t('Audit records')} data-test="audit-table">
            <Thead>
              <Tr>
                <Th width={15}>{t('Time')}</Th>
                <Th>{t('User')}</Th>
                <Th>{t('Verb')}</Th>
                <Th>{t('Resource and name')}</Th>
                <Th>{t('Project')}</Th>
                <Th>{t('Code')}</Th>
                <Th>{t('Source IP')}</Th>
                <Th>{t('Component')}</Th>
                <Th screenReaderText={t('Details')} />
              </Tr>
            </Thead>
            <Tbody>
              {records.map((r, i) => (
                <Tr key={`${r.auditID ?? ''}/${r.time}/${i}`} data-test="audit-row">
                  <Td dataLabel={t('Time')} modifier="nowrap">
                    <RecordTime ts={r.time} lang={lang} />
                  </Td>
                  <Td dataLabel={t('User')} modifier="breakWord" data-test="audit-user">
                    {r.user || '-'}
                  </Td>
                  <Td dataLabel={t('Verb')} data-test="audit-verb">
                    {r.verb}
                  </Td>
                  <Td dataLabel={t('Resource and name')} modifier="breakWord" data-test="audit-target">
                    {auditTarget(r)}
                  </Td>
                  <Td dataLabel={t('Project')} data-test="audit-namespace">
                    {r.namespace || '-'}
                  </Td>
                  <Td dataLabel={t('Code')}>
                    <AuditCode r={r} />
                  </Td>
                  <Td dataLabel={t('Source IP')}>{r.sourceIP || '-'}</Td>
                  <Td dataLabel={t('Component')} data-test="audit-source">
                    {r.source}
                  </Td>
                  <Td dataLabel={t('Details')}>
                    <details>
                      <summary>{t('More')}</summary>
                      <dl className="pf-v6-u-font-size-sm">
                        {r.apiGroup !== undefined && (
                          <div>
                            <dt className="pf-v6-u-font-weight-bold">{t('API group')}</dt>
                            <dd>{r.apiGroup || 'core'}</dd>
                          </div>
                        )}
                        {r.workspace && (
                          <div>
                            <dt className="pf-v6-u-font-weight-bold">{t('Workspace')}</dt>
                            <dd>{r.workspace}</dd>
                          </div>
                        )}
                        {r.userAgent && (
                          <div>
                            <dt className="pf-v6-u-font-weight-bold">{t('User agent')}</dt>
                            <dd>{r.userAgent}</dd>
                          </div>
                        )}
                        {r.auditID && (
                          <div>
                            <dt className="pf-v6-u-font-weight-bold">{t('Audit ID')}</dt>
                            <dd>
                              <code>{r.auditID}</code>
                            </dd>
                          </div>
                        )}
                        {r.message && (
                          <div>
                            <dt className="pf-v6-u-font-weight-bold">{t('Message')}</dt>
                            <dd>{r.message}</dd>
                          </div>
                        )}
                      </dl>
                    </details>
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        </ResultsCard>
      </>
    );
  }

  return (
    <Stack hasGutter data-test={test}>
      <Form onSubmit={submit} role="search" aria-label={t('Search the audit records')}>
        <Flex spaceItems={{ default: 'spaceItemsSm' }} alignItems={{ default: 'alignItemsCenter' }}>
          {field('user', t('User'), t('User'))}
          {field('verb', t('Verb, such as create or delete'), t('Verb'))}
          {field('resource', t('Resource, such as deployments'), t('Resource'))}
          {field('name', t('Name of the object (exact)'), t('Name'))}
          {field('namespace', t('Project (exact name)'), t('Project'))}
          {field('code', t('Response code, such as 403'), t('Code'))}
          <FlexItem>
            <FormSelect aria-label={t('Component')} value={draft.source} onChange={(_e, v) => setDraft((d) => ({ ...d, source: v }))} data-test="audit-filter-source">
              <FormSelectOption value="" label={t('All components')} />
              <FormSelectOption value="kube-apiserver" label="kube-apiserver" />
              <FormSelectOption value="ke-apiserver" label="ke-apiserver" />
            </FormSelect>
          </FlexItem>
          <FlexItem>
            <Button type="submit" variant="primary" data-test="audit-search-run">
              {t('Search')}
            </Button>
          </FlexItem>
        </Flex>
      </Form>
      <RangeBar range={range} prefix="audit" sort={sort} setSort={setSort} />
      <RangeText shown={shown} prefix="audit" />
      {results}
    </Stack>
  );
}
