import { ActionGroup, Button, Form, FormGroup, PageSection, Stack, TextArea } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { platformActions, useAccess } from '../../api/access';
import { latest, usePromQuery, type PromQuery } from '../../api/monitoring';
import { Loading } from '../../components/Loading';
import { MetricChart } from '../../components/monitoring/MetricChart';
import { MonitoringSection } from '../../components/monitoring/Panels';
import { useTimeRange } from '../../components/monitoring/TimeRangePicker';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';

/** The index of the raw query's permission in platformActions. */
const queryIndex = 3;

/**
 * Query runs raw PromQL over a range and draws it, with the latest value of
 * each series below: for platform administrators, whom the API alone
 * allows (the navigation offers the page to them only).
 */
export default function Query() {
  const { t } = useTranslation('monitoring');
  const access = useAccess(platformActions);
  const range = useTimeRange();
  const [text, setText] = useState('');
  const [ran, setRan] = useState<string>('');
  const q: PromQuery | undefined = ran ? { query: ran, range: range.range } : undefined;
  const result = usePromQuery(q, range.refresh);
  if (!access.loaded) return <Loading />;
  if (!access.allowed[queryIndex]) return <NoAccess />;
  const series = result.data?.results[0]?.series ?? [];
  // The API names the result as it likes (the query, or a name of its own).
  const metric = result.data?.results[0]?.metricName ?? ran;
  return (
    <>
      <PageHeader title={t('PromQL query')} />
      <PageSection>
        <Stack hasGutter>
          <Form
            onSubmit={(e) => {
              e.preventDefault();
              setRan(text.trim());
            }}
          >
            <FormGroup label={t('Query')} fieldId="promql">
              <TextArea id="promql" value={text} onChange={(_e, v) => setText(v)} resizeOrientation="vertical" rows={3} placeholder="sum by (job) (up)" data-test="promql" spellCheck={false} />
            </FormGroup>
            <ActionGroup>
              <Button type="submit" variant="primary" isDisabled={!text.trim()} data-test="promql-run">
                {t('Run')}
              </Button>
            </ActionGroup>
          </Form>
          {ran && (
            <MonitoringSection title={t('Result')} range={range} test="query">
              <MetricChart title={ran} query={result} test="query" height={260} lines={[{ metric, label: '' }]} />
              {series.length > 0 && (
                <Table variant="compact" aria-label={t('Series')} data-test="query-series">
                  <Thead>
                    <Tr>
                      <Th>{t('Series')}</Th>
                      <Th>{t('Latest value')}</Th>
                    </Tr>
                  </Thead>
                  <Tbody>
                    {series.map((s, i) => (
                      <Tr key={i}>
                        <Td dataLabel={t('Series')}>
                          <code>{`{${Object.entries(s.labels)
                            .map(([k, v]) => `${k}="${v}"`)
                            .join(', ')}}`}</code>
                        </Td>
                        <Td dataLabel={t('Latest value')}>{latest(s) ?? '–'}</Td>
                      </Tr>
                    ))}
                  </Tbody>
                </Table>
              )}
            </MonitoringSection>
          )}
        </Stack>
      </PageSection>
    </>
  );
}
