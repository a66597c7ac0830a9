import { Alert, Bullseye, Button, Card, CardBody, CardTitle, EmptyState, EmptyStateBody, Flex, FlexItem, FormSelect, FormSelectOption, Spinner } from '@patternfly/react-core';
import type { UseInfiniteQueryResult, InfiniteData, UseQueryResult } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client';
import { fillBuckets, isStoreUnavailable, logRange, parseDuration, zoomRange, type Histogram, type RecordPage, type SortOrder } from '../../api/logging';
import { refreshInterval, type Refresh, type TimeRange } from '../../api/monitoring';
import { ErrorAlert } from '../ErrorAlert';
import { TimeRangePicker, type TimeRangeState } from '../monitoring/TimeRangePicker';

// The pieces every search of the log store shows (the log search, the
// event search, the audit search): the time range with its zoom, the
// histogram card, the results card with its states and paging. Each page
// names its own texts and the prefix of its data-test names.

const HistogramChart = lazy(() => import('./HistogramChart'));

/** shortDuration writes a Go duration without its zero parts: 1m0s as 1m, 1h0m0s as 1h. */
export function shortDuration(d: string): string {
  return d.replace(/(\D)0s$/, '$1').replace(/(\D)0m$/, '$1');
}

/**
 * SearchRange is a search's time range: the picker's range (the last hour
 * at first) and auto-refresh, the range shown now (Unix seconds), and the
 * zooms made by dragging across the histogram, undone one at a time.
 */
export interface SearchRange {
  range: TimeRange;
  shown: { start: number; end: number };
  picker: TimeRangeState;
  zoomed: boolean;
  zoom: (from: number, to: number) => void;
  zoomOut: () => void;
  /** moves a preset range on to now, as a new search does */
  touch: () => void;
}

export function useSearchRange(initial: TimeRange = { key: '1h' }): SearchRange {
  const [range, setRangeState] = useState<TimeRange>(initial);
  const [refresh, setRefresh] = useState<Refresh>('off');
  const [now, setNow] = useState(() => Date.now());
  const [zooms, setZooms] = useState<TimeRange[]>([]);

  // Auto-refresh moves the range on to now, so the requests read again.
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
  const shown = logRange(range, now);
  return {
    range,
    shown,
    picker: { range, setRange, refresh, setRefresh },
    zoomed: zooms.length > 0,
    zoom: (from, to) => {
      const r = zoomRange(from, to, shown);
      setZooms((z) => [...z, range]);
      setRangeState({ key: 'custom', start: r.start, end: r.end });
      setNow(Date.now());
    },
    zoomOut: () => {
      const previous = zooms[zooms.length - 1];
      if (!previous) return;
      setZooms((z) => z.slice(0, -1));
      setRangeState(previous);
      setNow(Date.now());
    },
    touch: () => setNow(Date.now()),
  };
}

/**
 * StoreUnavailable says that the log store does not answer (the API's
 * 503), with the server's own message folded away.
 */
export function StoreUnavailable({ error, test }: { error: unknown; test: string }) {
  const { t } = useTranslation('logging');
  const message = error instanceof ApiError ? error.status.message : undefined;
  return (
    <Alert variant="warning" isInline title={t('The log store is unavailable')} data-test={test}>
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

export function Spin({ height }: { height: number }) {
  const { t } = useTranslation('logging');
  return (
    <Bullseye style={{ minHeight: height }}>
      <Spinner size="lg" aria-label={t('Loading')} />
    </Bullseye>
  );
}

/** RecordTime shows a record's moment to the millisecond in the user's language. */
export function RecordTime({ ts, lang, millis = true }: { ts: string; lang: string; millis?: boolean }) {
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return <>{ts}</>;
  const text = new Intl.DateTimeFormat(lang, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    ...(millis ? { fractionalSecondDigits: 3 as const } : {}),
    hourCycle: 'h23',
  }).format(d);
  return <time dateTime={ts}>{text}</time>;
}

/** RangeBar is the time range picker, Zoom out after a zoom, the order of the results, and a page's own buttons. */
export function RangeBar({ range, prefix, sort, setSort, children }: { range: SearchRange; prefix: string; sort: SortOrder; setSort: (s: SortOrder) => void; children?: ReactNode }) {
  const { t } = useTranslation('logging');
  const r = range.range;
  return (
    <Flex spaceItems={{ default: 'spaceItemsSm' }} alignItems={{ default: 'alignItemsCenter' }} justifyContent={{ default: 'justifyContentSpaceBetween' }}>
      <FlexItem>
        <TimeRangePicker key={r.key === 'custom' ? `custom-${r.start}-${r.end}` : 'preset'} state={range.picker} />
      </FlexItem>
      <FlexItem>
        <Flex spaceItems={{ default: 'spaceItemsSm' }} alignItems={{ default: 'alignItemsCenter' }}>
          {range.zoomed && (
            <FlexItem>
              <Button variant="secondary" size="sm" onClick={range.zoomOut} data-test={`${prefix}-zoom-out`}>
                {t('Zoom out')}
              </Button>
            </FlexItem>
          )}
          <FlexItem>
            <FormSelect aria-label={t('Order')} value={sort} onChange={(_e, v) => setSort(v === 'asc' ? 'asc' : 'desc')} data-test={`${prefix}-sort`}>
              <FormSelectOption value="desc" label={t('Newest first')} />
              <FormSelectOption value="asc" label={t('Oldest first')} />
            </FormSelect>
          </FlexItem>
          {children}
        </Flex>
      </FlexItem>
    </Flex>
  );
}

/** RangeText says the range searched in words, with its bounds (Unix seconds) for tests. */
export function RangeText({ shown, prefix }: { shown: { start: number; end: number }; prefix: string }) {
  const { t, i18n } = useTranslation('logging');
  const fmt = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'medium' });
  return (
    <div data-test={`${prefix}-range`} data-start={shown.start} data-end={shown.end}>
      {t('From {{start}} to {{end}}', { start: fmt.format(new Date(shown.start * 1000)), end: fmt.format(new Date(shown.end * 1000)) })}
    </div>
  );
}

export interface HistogramTexts {
  /** the card's and the chart's title: "Lines over time" */
  title: string;
  /** when nothing is in the range: "No lines in this time range" */
  empty: string;
  /** a bar's count in the tooltip: "{{count}} lines" */
  count: (n: number) => string;
}

/**
 * HistogramCard shows the records per interval of a search as bars over
 * the range shown; dragging across them zooms in. data-state is loading,
 * updating (the previous answer stays while the new one loads), ready,
 * empty or error.
 */
export function HistogramCard({ histogram, range, prefix, texts }: { histogram: UseQueryResult<Histogram, unknown>; range: SearchRange; prefix: string; texts: HistogramTexts }) {
  const { t } = useTranslation('logging');
  const { shown } = range;
  // The bars, drawn again only when the answer or the range changes (not at each keystroke in the filters).
  const interval = histogram.data ? parseDuration(histogram.data.interval) : undefined;
  const bars = useMemo(() => fillBuckets(histogram.data?.buckets ?? [], interval, { start: shown.start, end: shown.end }), [histogram.data, interval, shown.start, shown.end]);

  let body;
  if (histogram.error) {
    body = isStoreUnavailable(histogram.error) ? null : <ErrorAlert error={histogram.error} onRetry={() => void histogram.refetch()} />;
  } else if (!histogram.data) {
    body = <Spin height={140} />;
  } else if ((histogram.data.buckets ?? []).length === 0) {
    body = (
      <EmptyState titleText={texts.empty} headingLevel="h3" variant="xs" data-test={`${prefix}-histogram-empty`}>
        <EmptyStateBody>{t('Widen the time range or change the search.')}</EmptyStateBody>
      </EmptyState>
    );
  } else {
    body = (
      <Suspense fallback={<Spin height={140} />}>
        <HistogramChart times={bars.times} counts={bars.counts} interval={interval ?? 60} range={shown} title={texts.title} countLabel={texts.count} onSelect={range.zoom} />
      </Suspense>
    );
  }
  const state = histogram.error ? 'error' : !histogram.data ? 'loading' : histogram.isPlaceholderData ? 'updating' : (histogram.data.buckets ?? []).length ? 'ready' : 'empty';
  return (
    <Card isCompact data-test={`${prefix}-histogram`} data-state={state}>
      <CardTitle>
        {texts.title}{' '}
        {histogram.data && (
          <span className="pf-v6-u-font-weight-normal pf-v6-u-ml-sm" data-test={`${prefix}-histogram-interval`}>
            {t('(one bar per {{interval}}; drag across the bars to zoom in)', { interval: shortDuration(histogram.data.interval) })}
          </span>
        )}
      </CardTitle>
      <CardBody>{body}</CardBody>
    </Card>
  );
}

/** The state of a search's results: what the results card shows. */
export type ResultsState = 'loading' | 'error' | 'unavailable' | 'empty' | 'ready';

/** resultsState tells what a paged search has to show. */
export function resultsState<T>(q: UseInfiniteQueryResult<InfiniteData<RecordPage<T>>, unknown>, unavailable: boolean): ResultsState {
  if (q.error) return unavailable ? 'unavailable' : 'error';
  if (q.isLoading || !q.data) return 'loading';
  return q.data.pages.some((p) => (p.records?.length ?? 0) > 0) ? 'ready' : 'empty';
}

/** records are the records of the pages loaded so far, and total how many match. */
export function loaded<T>(q: UseInfiniteQueryResult<InfiniteData<RecordPage<T>>, unknown>): { records: T[]; total: number } {
  return { records: q.data?.pages.flatMap((p) => p.records ?? []) ?? [], total: q.data?.pages[0]?.total ?? 0 };
}

export interface ResultsTexts {
  /** the title before the answer: "Lines" */
  title: string;
  /** the title with the answer: "{{count}} lines match" */
  total: (n: number) => string;
  emptyTitle: string;
  emptyBody: string;
}

/**
 * ResultsCard shows a paged search's results (children, when there are
 * some), or its loading, error and empty states, and loads more pages on
 * request. data-state is the state, or updating while a new search's
 * answer loads with the previous one on screen.
 */
export function ResultsCard<T>({ q, prefix, texts, children }: { q: UseInfiniteQueryResult<InfiniteData<RecordPage<T>>, unknown>; prefix: string; texts: ResultsTexts; children: ReactNode }) {
  const { t } = useTranslation('logging');
  const state = resultsState(q, false);
  const { records, total } = loaded(q);
  return (
    <Card isCompact data-test={`${prefix}-results`} data-state={q.isPlaceholderData && !q.error ? 'updating' : state}>
      <CardTitle>
        <span data-test={`${prefix}-total`}>{q.data ? texts.total(total) : texts.title}</span>
        {q.isFetching && !q.isFetchingNextPage && q.data && <Spinner size="sm" className="pf-v6-u-ml-sm" aria-label={t('Loading')} />}
      </CardTitle>
      <CardBody>
        {state === 'error' && <ErrorAlert error={q.error} onRetry={() => void q.refetch()} />}
        {state === 'loading' && <Spin height={200} />}
        {state === 'empty' && (
          <EmptyState titleText={texts.emptyTitle} headingLevel="h3" variant="sm" data-test={`${prefix}-empty`}>
            <EmptyStateBody>{texts.emptyBody}</EmptyStateBody>
          </EmptyState>
        )}
        {state === 'ready' && (
          <>
            {children}
            <Flex className="pf-v6-u-mt-md" alignItems={{ default: 'alignItemsCenter' }}>
              <FlexItem data-test={`${prefix}-shown`}>{t('Showing {{shown}} of {{total}}', { shown: records.length, total })}</FlexItem>
              {q.hasNextPage && (
                <FlexItem>
                  <Button variant="secondary" onClick={() => void q.fetchNextPage()} isLoading={q.isFetchingNextPage} isDisabled={q.isFetchingNextPage} data-test={`${prefix}-more`}>
                    {t('Load more')}
                  </Button>
                </FlexItem>
              )}
            </Flex>
          </>
        )}
      </CardBody>
    </Card>
  );
}
