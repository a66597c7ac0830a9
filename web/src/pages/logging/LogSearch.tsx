import { Button, Flex, FlexItem, Form, Stack, TextInput } from '@patternfly/react-core';
import PauseIcon from '@patternfly/react-icons/dist/esm/icons/pause-icon';
import PlayIcon from '@patternfly/react-icons/dist/esm/icons/play-icon';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { downloadExport, isStoreUnavailable, parseNames, parseWords, useHistogram, useLogs, type LogRecord, type LogSearch as Search, type SortOrder } from '../../api/logging';
import { useLogTail, type TailSearch } from '../../api/logtail';
import { ErrorAlert } from '../../components/ErrorAlert';
import { LiveTail } from '../../components/logging/LiveTail';
import { LogLines } from '../../components/logging/LogLines';
import { HistogramCard, loaded, RangeBar, RangeText, ResultsCard, StoreUnavailable, useSearchRange } from '../../components/logging/SearchParts';

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
 * Export downloads every line of the search as text. Live follows the
 * search's new lines as they reach the store, in place of the histogram
 * and the page of lines, until it is turned off.
 */
export function LogSearch({ namespace, workload, test = 'log-search' }: { namespace?: string; workload?: string; test?: string }) {
  const { t } = useTranslation('logging');
  const [draft, setDraft] = useState<Filters>(noFilters);
  const [applied, setApplied] = useState<Filters>(noFilters);
  const range = useSearchRange();
  const { shown } = range;
  const [sort, setSort] = useState<SortOrder>('desc');
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>();

  // What the lines must be, whatever the time: the live tail follows this.
  const filters = useMemo<TailSearch>(
    () => ({
      namespace,
      words: parseWords(applied.words),
      workloads: workload ? [workload] : undefined,
      namespaceParts: namespace ? undefined : parseNames(applied.namespace),
      workloadParts: workload ? undefined : parseNames(applied.workload),
      podParts: parseNames(applied.pod),
      containerParts: parseNames(applied.container),
    }),
    [namespace, workload, applied],
  );
  const search = useMemo<Search>(() => ({ ...filters, start: shown.start, end: shown.end }), [filters, shown.start, shown.end]);
  const [live, setLive] = useState(false);
  // Live follows the filters applied (a new search restarts the stream); the time range does not apply.
  const tail = useLogTail(live ? filters : undefined);
  const logs = useLogs(live ? undefined : search, sort);
  const histogram = useHistogram(live ? undefined : search);
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
          <Button
            variant={live ? 'primary' : 'secondary'}
            size="sm"
            aria-pressed={live}
            onClick={() => {
              // Off again, the search reads up to now.
              if (live) range.touch();
              setLive(!live);
              tail.setPaused(false);
            }}
            data-test="log-live"
          >
            {live ? t('Stop live') : t('Live')}
          </Button>
        </FlexItem>
        {live && (
          <FlexItem>
            <Button variant="secondary" size="sm" icon={tail.paused ? <PlayIcon /> : <PauseIcon />} onClick={() => tail.setPaused(!tail.paused)} data-test="log-live-pause">
              {tail.paused ? t('Resume') : t('Pause')}
            </Button>
          </FlexItem>
        )}
        <FlexItem>
          <Button variant="secondary" size="sm" onClick={() => void exportLines()} isLoading={exporting} isDisabled={exporting || total === 0} data-test="log-export">
            {t('Export')}
          </Button>
        </FlexItem>
      </RangeBar>
      {!live && <RangeText shown={shown} prefix="log" />}
      {exportError !== undefined && <ErrorAlert error={exportError} title={t('The export failed')} onRetry={() => void exportLines()} />}
      {live ? (
        <LiveTail tail={tail} sort={sort} withNamespace={!namespace} />
      ) : unavailable ? (
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
            <LogLines records={records} withNamespace={!namespace} label={t('Log lines')} test="log-lines" rowTest="log-line" />
          </ResultsCard>
        </>
      )}
    </Stack>
  );
}
