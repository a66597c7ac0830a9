import { Button, Flex, FlexItem, Form, Stack, TextInput } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { downloadExport, isStoreUnavailable, parseNames, parseWords, useHistogram, useLogs, type LogRecord, type LogSearch as Search, type SortOrder } from '../../api/logging';
import { ErrorAlert } from '../../components/ErrorAlert';
import { HistogramCard, loaded, RangeBar, RangeText, RecordTime, ResultsCard, StoreUnavailable, useSearchRange } from '../../components/logging/SearchParts';

export { shortDuration } from '../../components/logging/SearchParts';

/** The filters as typed: words and parts of names, applied when the search is run. */
interface Filters {
  words: string;
  namespace: string;
  workload: string;
  pod: string;
  container: string;
}

const noFilters: Filters = { words: '', namespace: '', workload: '', pod: '', container: '' };

/**
 * LogSearch searches the container logs kept in the log store: in one
 * project (namespace) or every project the user may read, or the pods of
 * one workload (workload). Words and filters apply when searched; the time
 * range is the monitoring pages' picker, and dragging across the
 * histogram zooms into a part of it. The lines come a page at a time, and
 * Export downloads every line of the search as text.
 */
export function LogSearch({ namespace, workload, test = 'log-search' }: { namespace?: string; workload?: string; test?: string }) {
  const { t, i18n } = useTranslation('logging');
  const lang = i18n.language;
  const [draft, setDraft] = useState<Filters>(noFilters);
  const [applied, setApplied] = useState<Filters>(noFilters);
  const range = useSearchRange();
  const { shown } = range;
  const [sort, setSort] = useState<SortOrder>('desc');
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>();

  const search = useMemo<Search>(
    () => ({
      namespace,
      words: parseWords(applied.words),
      workloads: workload ? [workload] : undefined,
      namespaceParts: namespace ? undefined : parseNames(applied.namespace),
      workloadParts: workload ? undefined : parseNames(applied.workload),
      podParts: parseNames(applied.pod),
      containerParts: parseNames(applied.container),
      start: shown.start,
      end: shown.end,
    }),
    [namespace, workload, applied, shown.start, shown.end],
  );
  const logs = useLogs(search, sort);
  const histogram = useHistogram(search);
  const { records, total } = loaded<LogRecord>(logs);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setApplied(draft);
    range.touch();
  };
  const exportLines = async () => {
    setExporting(true);
    setExportError(undefined);
    try {
      await downloadExport(search);
    } catch (e) {
      setExportError(e);
    } finally {
      setExporting(false);
    }
  };

  const unavailable = isStoreUnavailable(logs.error) ? logs.error : isStoreUnavailable(histogram.error) ? histogram.error : undefined;
  const field = (key: keyof Filters, label: string, placeholder: string) => (
    <FlexItem>
      <TextInput
        type="search"
        aria-label={label}
        placeholder={placeholder}
        value={draft[key]}
        onChange={(_e, v) => setDraft((d) => ({ ...d, [key]: v }))}
        data-test={`log-filter-${key}`}
      />
    </FlexItem>
  );

  return (
    <Stack hasGutter data-test={test}>
      <Form onSubmit={submit} role="search" aria-label={t('Search the logs')}>
        <Flex spaceItems={{ default: 'spaceItemsSm' }} alignItems={{ default: 'alignItemsCenter' }}>
          <FlexItem grow={{ default: 'grow' }}>
            <TextInput
              type="search"
              aria-label={t('Words in the line')}
              placeholder={t('Words in the line, such as error or "connection reset"')}
              value={draft.words}
              onChange={(_e, v) => setDraft((d) => ({ ...d, words: v }))}
              data-test="log-query"
            />
          </FlexItem>
          {!namespace && field('namespace', t('Project (part of the name)'), t('Project'))}
          {!workload && field('workload', t('Workload (part of the name)'), t('Workload'))}
          {field('pod', t('Pod (part of the name)'), t('Pod'))}
          {field('container', t('Container (part of the name)'), t('Container'))}
          <FlexItem>
            <Button type="submit" variant="primary" data-test="log-search-run">
              {t('Search')}
            </Button>
          </FlexItem>
        </Flex>
      </Form>
      <RangeBar range={range} prefix="log" sort={sort} setSort={setSort}>
        <FlexItem>
          <Button variant="secondary" size="sm" onClick={() => void exportLines()} isLoading={exporting} isDisabled={exporting || total === 0} data-test="log-export">
            {t('Export')}
          </Button>
        </FlexItem>
      </RangeBar>
      <RangeText shown={shown} prefix="log" />
      {exportError !== undefined && <ErrorAlert error={exportError} title={t('The export failed')} onRetry={() => void exportLines()} />}
      {unavailable ? (
        <StoreUnavailable error={unavailable} test="logs-unavailable" />
      ) : (
        <>
          <HistogramCard
            histogram={histogram}
            range={range}
            prefix="log"
            texts={{ title: t('Lines over time'), empty: t('No lines in this time range'), count: (n) => t('{{count}} lines', { count: n }) }}
          />
          <ResultsCard
            q={logs}
            prefix="log"
            texts={{
              title: t('Lines'),
              total: (n) => t('{{count}} lines match', { count: n }),
              emptyTitle: t('No lines found'),
              emptyBody: t('No line in this time range matches the search. Widen the time range or change the words and filters.'),
            }}
          >
            <Table variant="compact" aria-label={t('Log lines')} data-test="log-lines">
              <Thead>
                <Tr>
                  <Th width={15}>{t('Time')}</Th>
                  <Th width={20}>{t('Source')}</Th>
                  <Th>{t('Line')}</Th>
                </Tr>
              </Thead>
              <Tbody>
                {records.map((r, i) => (
                  <Tr key={`${r.time}/${r.namespace}/${r.pod}/${r.container}/${i}`} data-test="log-line">
                    <Td dataLabel={t('Time')} modifier="nowrap" className="ke-log-time">
                      <RecordTime ts={r.time} lang={lang} />
                    </Td>
                    <Td dataLabel={t('Source')} modifier="nowrap" className="ke-log-source">
                      {!namespace && (
                        <>
                          <span data-test="log-namespace">{r.namespace}</span>
                          {' / '}
                        </>
                      )}
                      <span data-test="log-pod">{r.pod}</span>
                      {' / '}
                      <span data-test="log-container">{r.container}</span>
                    </Td>
                    <Td dataLabel={t('Line')}>
                      <code className="ke-log-line" data-test="log-text">
                        {r.log}
                      </code>
                    </Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
          </ResultsCard>
        </>
      )}
    </Stack>
  );
}
