import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useTranslation } from 'react-i18next';
import type { LogRecord } from '../../api/logging';
import { RecordTime } from './SearchParts';

/**
 * LogLines is a table of log lines: each with its time to the
 * millisecond, where it came from (its project unless the page is one
 * project's, its pod and container) and the line as printed. The search's
 * results and its live tail show lines this way.
 */
export function LogLines({ records, withNamespace, label, test, rowTest }: { records: LogRecord[]; withNamespace: boolean; label: string; test: string; rowTest: string }) {
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
          <Tr key={`${r.time}/${r.namespace}/${r.pod}/${r.container}/${i}`} data-test={rowTest}>
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
        ))}
      </Tbody>
    </Table>
  );
}
