import {
  Alert,
  Bullseye,
  Button,
  Card,
  CardBody,
  CardTitle,
  EmptyState,
  EmptyStateBody,
  Flex,
  FlexItem,
  Form,
  FormSelect,
  FormSelectOption,
  Spinner,
  Stack,
  TextInput,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { lazy, Suspense, useEffect, useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client';
import {
  downloadExport,
  fillBuckets,
  isStoreUnavailable,
  logRange,
  parseDuration,
  parseNames,
  parseWords,
  useHistogram,
  useLogs,
  zoomRange,
  type LogRecord,
  type LogSearch as Search,
  type SortOrder,
} from '../../api/logging';
import { refreshInterval, type Refresh, type TimeRange } from '../../api/monitoring';
import { ErrorAlert } from '../../components/ErrorAlert';
import { TimeRangePicker, type TimeRangeState } from '../../components/monitoring/TimeRangePicker';

const HistogramChart = lazy(() => import('../../components/logging/HistogramChart'));

/** The filters as typed: words and parts of names, applied when the search is run. */
interface Filters {
  words: string;
  namespace: string;
  workload: string;
  pod: string;
  container: string;
}

const noFilters: Filters = { words: '', namespace: '', workload: '', pod: '', container: '' };

/** shortDuration writes a Go duration without its zero parts: 1m0s as 1m, 1h0m0s as 1h. */
export function shortDuration(d: string): string {
  return d.replace(/(\D)0s$/, '$1').replace(/(\D)0m$/, '$1');
}

/**
 * LogStoreUnavailable says that the log store does not answer (the API's
 * 503), with the server's own message folded away.
 */
function LogStoreUnavailable({ error }: { error: unknown }) {
  const { t } = useTranslation('logging');
  const message = error instanceof ApiError ? error.status.message : undefined;
  return (
    <Alert variant="warning" isInline title={t('The log store is unavailable')} data-test="logs-unavailable">
      <p>{t('The log store does not answer right now. Try again in a moment.')}</p>
      {message && (
        <details className="ke-error-details">
          <summary>{t('Details from the server')}</summary>
          <code>{message}</code>
        </details>
      )}
    </Alert>
  );
}

function Spin({ height }: { height: number }) {
  const { t } = useTranslation('logging');
  return (
    <Bullseye style={{ minHeight: height }}>
      <Spinner size="lg" aria-label={t('Loading')} />
    </Bullseye>
  );
}

function LogTime({ ts, lang }: { ts: string; lang: string }) {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return <>{ts}</>;
  const text = new Intl.DateTimeFormat(lang, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hourCycle: 'h23' }).format(d);
  return <time dateTime={ts}>{text}</time>;
}

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
  const [range, setRangeState] = useState<TimeRange>({ key: '1h' });
  const [refresh, setRefresh] = useState<Refresh>('off');
  const [now, setNow] = useState(() => Date.now());
  const [sort, setSort] = useState<SortOrder>('desc');
  const [zooms, setZooms] = useState<TimeRange[]>([]);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>();

  // Auto-refresh moves the range on to now, so both requests read again.
  useEffect(() => {
    const every = refreshInterval[refresh];
    if (!every) return;
    const id = setInterval(() => setNow(Date.now()), every);
    return () => clearInterval(id);
  }, [refresh]);

  const setRange = (r: TimeRange) => {
    setZooms([]);
    setRangeState(r);
    setNow(Date.now());
  };
  const picker: TimeRangeState = { range, setRange, refresh, setRefresh };

  const shown = logRange(range, now);
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
  // The bars, drawn again only when the answer or the range changes (not at each keystroke in the filters).
  const interval = histogram.data ? parseDuration(histogram.data.interval) : undefined;
  const bars = useMemo(() => fillBuckets(histogram.data?.buckets ?? [], interval, { start: shown.start, end: shown.end }), [histogram.data, interval, shown.start, shown.end]);
  const records: LogRecord[] = logs.data?.pages.flatMap((p) => p.records ?? []) ?? [];
  const total = logs.data?.pages[0]?.total ?? 0;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setApplied(draft);
    setNow(Date.now());
  };
  const zoom = (from: number, to: number) => {
    const r = zoomRange(from, to, shown);
    setZooms((z) => [...z, range]);
    setRangeState({ key: 'custom', start: r.start, end: r.end });
    setNow(Date.now());
  };
  const zoomOut = () => {
    const previous = zooms[zooms.length - 1];
    if (!previous) return;
    setZooms((z) => z.slice(0, -1));
    setRangeState(previous);
    setNow(Date.now());
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
  const state = logs.error ? (unavailable ? 'unavailable' : 'error') : logs.isLoading || !logs.data ? 'loading' : records.length === 0 ? 'empty' : 'ready';
  const fmt = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'medium' });
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

  let histogramBody;
  if (histogram.error) {
    histogramBody = isStoreUnavailable(histogram.error) ? null : <ErrorAlert error={histogram.error} onRetry={() => void histogram.refetch()} />;
  } else if (!histogram.data) {
    histogramBody = <Spin height={140} />;
  } else if ((histogram.data.buckets ?? []).length === 0) {
    histogramBody = (
      <EmptyState titleText={t('No lines in this time range')} headingLevel="h3" variant="xs" data-test="log-histogram-empty">
        <EmptyStateBody>{t('Widen the time range or change the search.')}</EmptyStateBody>
      </EmptyState>
    );
  } else {
    histogramBody = (
      <Suspense fallback={<Spin height={140} />}>
        <HistogramChart times={bars.times} counts={bars.counts} interval={interval ?? 60} range={shown} title={t('Lines over time')} onSelect={zoom} />
      </Suspense>
    );
  }

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
      <Flex spaceItems={{ default: 'spaceItemsSm' }} alignItems={{ default: 'alignItemsCenter' }} justifyContent={{ default: 'justifyContentSpaceBetween' }}>
        <FlexItem>
          <TimeRangePicker key={range.key === 'custom' ? `custom-${range.start}-${range.end}` : 'preset'} state={picker} />
        </FlexItem>
        <FlexItem>
          <Flex spaceItems={{ default: 'spaceItemsSm' }} alignItems={{ default: 'alignItemsCenter' }}>
            {zooms.length > 0 && (
              <FlexItem>
                <Button variant="secondary" size="sm" onClick={zoomOut} data-test="log-zoom-out">
                  {t('Zoom out')}
                </Button>
              </FlexItem>
            )}
            <FlexItem>
              <FormSelect aria-label={t('Order')} value={sort} onChange={(_e, v) => setSort(v === 'asc' ? 'asc' : 'desc')} data-test="log-sort">
                <FormSelectOption value="desc" label={t('Newest first')} />
                <FormSelectOption value="asc" label={t('Oldest first')} />
              </FormSelect>
            </FlexItem>
            <FlexItem>
              <Button variant="secondary" size="sm" onClick={() => void exportLines()} isLoading={exporting} isDisabled={exporting || total === 0} data-test="log-export">
                {t('Export')}
              </Button>
            </FlexItem>
          </Flex>
        </FlexItem>
      </Flex>
      <div data-test="log-range" data-start={shown.start} data-end={shown.end}>
        {t('From {{start}} to {{end}}', { start: fmt.format(new Date(shown.start * 1000)), end: fmt.format(new Date(shown.end * 1000)) })}
      </div>
      {exportError !== undefined && <ErrorAlert error={exportError} title={t('The export failed')} onRetry={() => void exportLines()} />}
      {unavailable ? (
        <LogStoreUnavailable error={unavailable} />
      ) : (
        <Card isCompact data-test="log-histogram" data-state={histogram.error ? 'error' : !histogram.data ? 'loading' : histogram.isPlaceholderData ? 'updating' : (histogram.data.buckets ?? []).length ? 'ready' : 'empty'}>
          <CardTitle>
            {t('Lines over time')}{' '}
            {histogram.data && (
              <span className="pf-v6-u-font-weight-normal pf-v6-u-ml-sm" data-test="log-histogram-interval">
                {t('(one bar per {{interval}}; drag across the bars to zoom in)', { interval: shortDuration(histogram.data.interval) })}
              </span>
            )}
          </CardTitle>
          <CardBody>{histogramBody}</CardBody>
        </Card>
      )}
      {!unavailable && (
        <Card isCompact data-test="log-results" data-state={logs.isPlaceholderData && !logs.error ? 'updating' : state}>
          <CardTitle>
            <span data-test="log-total">{logs.data ? t('{{count}} lines match', { count: total }) : t('Lines')}</span>
            {logs.isFetching && !logs.isFetchingNextPage && logs.data && <Spinner size="sm" className="pf-v6-u-ml-sm" aria-label={t('Loading')} />}
          </CardTitle>
          <CardBody>
            {state === 'error' && <ErrorAlert error={logs.error} onRetry={() => void logs.refetch()} />}
            {state === 'loading' && <Spin height={200} />}
            {state === 'empty' && (
              <EmptyState titleText={t('No lines found')} headingLevel="h3" variant="sm" data-test="log-empty">
                <EmptyStateBody>{t('No line in this time range matches the search. Widen the time range or change the words and filters.')}</EmptyStateBody>
              </EmptyState>
            )}
            {state === 'ready' && (
              <>
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
                          <LogTime ts={r.time} lang={lang} />
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
                <Flex className="pf-v6-u-mt-md" alignItems={{ default: 'alignItemsCenter' }}>
                  <FlexItem data-test="log-shown">{t('Showing {{shown}} of {{total}}', { shown: records.length, total })}</FlexItem>
                  {logs.hasNextPage && (
                    <FlexItem>
                      <Button variant="secondary" onClick={() => void logs.fetchNextPage()} isLoading={logs.isFetchingNextPage} isDisabled={logs.isFetchingNextPage} data-test="log-more">
                        {t('Load more')}
                      </Button>
                    </FlexItem>
                  )}
                </Flex>
              </>
            )}
          </CardBody>
        </Card>
      )}
    </Stack>
  );
}
