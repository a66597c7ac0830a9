import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { TFunction } from 'i18next';
import { memo } from 'react';
import { useTranslation } from 'react-i18next';
import type { LogRecord } from '../../api/logging';
import { RecordTime } from './SearchParts';

/** LogLine is one row: drawn again only when its line changes, so that a live tail adding lines redraws only the new ones. */
const LogLine = memo(function LogLine({ r, withNamespace, rowTest, lang, t }: { r: LogRecord; withNamespace: boolean; rowTest: string; lang: string; t: TFunction }) {
  return (
    <Tr data-test={rowTest}>
      <Td dataLabel={t('Time')} modifier="nowrap" className="ke-log-time">
        <RecordTime ts={r.time} lang={lang} />
      </Td>
      <Td dataLabel={t('Source')} modifier="nowrap" className="ke-log-source">
        {withNamespace && (
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
  );
});

/**
 * LogLines is a table of log lines: each with its time to the
 * millisecond, where it came from (its project unless the page is one
 * project's, its pod and container) and the line as printed. The search's
 * results and its live tail show lines this way. keyOf names a line
 * among the others (a live tail's lines move down as new ones come; a
 * page's are named by their place).
 */
export function LogLines({ records, withNamespace, label, test, rowTest, keyOf }: { records: LogRecord[]; withNamespace: boolean; label: string; test: string; rowTest: string; keyOf?: (r: LogRecord) => string }) {
  const { t, i18n } = useTranslation('logging');
  const lang = i18n.language;
  return (
    <Table variant="compact" aria-label={label} data-test={test}>
      <Thead>
        <Tr>
          <Th width={15}>{t('Time')}</Th>
          <Th width={20}>{t('Source')}</Th>
          <Th>{t('Line')}</Th>
        </Tr>
      </Thead>
      <Tbody>
        {records.map((r, i) => (
          <LogLine key={keyOf ? keyOf(r) : `${r.time}/${r.namespace}/${r.pod}/${r.container}/${i}`} r={r} withNamespace={withNamespace} rowTest={rowTest} lang={lang} t={t} />
        ))}
      </Tbody>
    </Table>
  );
}
