import { Alert, Card, CardBody, CardTitle, EmptyState, EmptyStateBody, Flex, FlexItem, Label, Spinner } from '@patternfly/react-core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { SortOrder } from '../../api/logging';
import { maxTailLines, recordKey, TailEnded, type LogTail } from '../../api/logtail';
import { ErrorAlert } from '../ErrorAlert';
import { LogLines } from './LogLines';

/** TailStatus shows the state of a live tail in a word: Live, Connecting, Reconnecting, Paused or Stopped. */
export function TailStatus({ tail }: { tail: LogTail }) {
  const { t } = useTranslation('logging');
  const shown = tail.paused && tail.state === 'live' ? 'paused' : tail.state;
  switch (shown) {
    case 'live':
      return (
        <Label color="green" isCompact icon={<span className="ke-live-dot" aria-hidden="true" />} data-test="log-live-status" data-state="live">
          {t('Live')}
        </Label>
      );
    case 'paused':
      return (
        <Label color="blue" isCompact data-test="log-live-status" data-state="paused">
          {t('Paused')}
        </Label>
      );
    case 'reconnecting':
      return (
        <Label color="orange" isCompact data-test="log-live-status" data-state="reconnecting">
          {t('Reconnecting')}
        </Label>
      );
    case 'failed':
      return (
        <Label color="red" isCompact data-test="log-live-status" data-state="failed">
          {t('Stopped')}
        </Label>
      );
    default:
      return (
        <Label color="grey" isCompact icon={<Spinner size="sm" aria-hidden="true" />} data-test="log-live-status" data-state="connecting">
          {t('Connecting')}
        </Label>
      );
  }
}

/**
 * LiveTail shows the lines of a live tail as they come, in the search's
 * order (newest first: new lines at the top; oldest first: at the bottom),
 * with the stream's state, how many lines are kept, held back while paused
 * or dropped, and why the stream broke off or could not start.
 */
export function LiveTail({ tail, sort, withNamespace }: { tail: LogTail; sort: SortOrder; withNamespace: boolean }) {
  const { t } = useTranslation('logging');
  const records = useMemo(() => (sort === 'desc' ? [...tail.lines].reverse() : tail.lines), [tail.lines, sort]);
  const state = tail.paused && tail.state === 'live' ? 'paused' : tail.state;
  return (
    <Card isCompact data-test="log-live-view" data-state={state} data-lines={tail.lines.length}>
      <CardTitle>
        <Flex spaceItems={{ default: 'spaceItemsSm' }} alignItems={{ default: 'alignItemsCenter' }}>
          <FlexItem>
            <TailStatus tail={tail} />
          </FlexItem>
          <FlexItem data-test="log-live-count">{t('{{count}} new lines', { count: tail.lines.length })}</FlexItem>
          {tail.held > 0 && (
            <FlexItem className="pf-v6-u-font-weight-normal" data-test="log-live-held">
              {t('{{count}} more held while paused', { count: tail.held })}
            </FlexItem>
          )}
          {tail.dropped > 0 && (
            <FlexItem className="pf-v6-u-font-weight-normal" data-test="log-live-dropped">
              {t('{{count}} older lines dropped', { count: tail.dropped })}
            </FlexItem>
          )}
        </Flex>
      </CardTitle>
      <CardBody>
        <p className="pf-v6-u-font-size-sm pf-v6-u-mb-sm">
          {sort === 'desc'
            ? t('New lines of the search appear at the top as they reach the log store; the time range does not apply. The newest {{max}} are kept.', { max: maxTailLines.toLocaleString() })
            : t('New lines of the search appear at the bottom as they reach the log store; the time range does not apply. The newest {{max}} are kept.', { max: maxTailLines.toLocaleString() })}
        </p>
        {tail.error !== undefined &&
          (tail.error instanceof TailEnded ? (
            <Alert variant="warning" isInline title={t('The live stream broke off')} data-test="log-live-error">
              {t('It is opened again in a moment, from the last line it had.')}
            </Alert>
          ) : (
            <div data-test="log-live-error">
              <ErrorAlert error={tail.error} title={tail.state === 'failed' ? t('The live stream could not start') : t('The live stream is interrupted; it is opened again in a moment')} />
            </div>
          ))}
        {records.length === 0 ? (
          tail.state !== 'failed' && (
            <EmptyState titleText={t('Waiting for new lines')} headingLevel="h3" variant="xs" data-test="log-live-empty">
              <EmptyStateBody>{t('Lines that match the search appear here as the containers print them.')}</EmptyStateBody>
            </EmptyState>
          )
        ) : (
          <LogLines records={records} withNamespace={withNamespace} label={t('Live log lines')} test="log-live-lines" rowTest="log-live-line" keyOf={recordKey} />
        )}
      </CardBody>
    </Card>
  );
}
