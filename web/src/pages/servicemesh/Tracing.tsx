import { ActionGroup, Alert, Button, Card, CardBody, EmptyState, EmptyStateBody, Form, FormGroup, FormSelect, FormSelectOption, Grid, GridItem, Label, PageSection, Spinner, Stack, StackItem, TextInput } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams, useSearchParams } from 'react-router';
import { useProjectAccess } from '../../api/access';
import { useOperations, useTraceSearch, useTraceServices, type TraceSearch } from '../../api/servicemesh';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FieldHelp } from '../../components/FormModal';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { defaultLimit, defaultLookback, lookbacks, paramsFromSearch, parseTags, searchFromParams, tagsText, validDuration } from './tracingQuery';
import { formatMicros, summary } from './waterfall';

/** HiddenNotice says that spans of projects the user may not read were left out. */
export function HiddenNotice({ count }: { count: number | undefined }) {
  const { t } = useTranslation('servicemesh');
  if (!count) return null;
  return (
    <Alert variant="info" isInline isPlain title={t('{{count}} spans of other projects are hidden', { count })} data-test="hidden-spans">
      {t('Those spans belong to projects you are not a member of; the timeline shows yours only.')}
    </Alert>
  );
}

/**
 * The trace search of a project: by service (as the spans name it,
 * <app>.<project> under Istio), operation, tags, duration, time range and
 * count; each trace found with its root operation, spans, duration,
 * services and errors, linking to its timeline. The search lives in the
 * page's address, so that a workload's and the topology's links prefill it.
 */
export default function Tracing() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('servicemesh');
  const access = useProjectAccess(namespace);
  const allowed = access.may('tracing');
  const [params, setParams] = useSearchParams();
  const search = searchFromParams(params);
  const results = useTraceSearch(namespace, allowed ? search : undefined);
  if (access.loaded && !allowed) return <NoAccess />;
  return (
    <>
      <PageHeader title={t('Tracing')} crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Tracing') }]} />
      <PageSection>
        <Stack hasGutter>
          <StackItem>
            <SearchForm key={params.toString()} namespace={namespace} initial={search} onSearch={(s) => setParams(paramsFromSearch(s))} />
          </StackItem>
          <StackItem>
            {!search ? (
              <EmptyState titleText={t('Choose a service')} headingLevel="h2" data-test="traces-idle">
                <EmptyStateBody>{t('Traces are found by the service that recorded their spans. Under Istio a service is named <app>.<project>.')}</EmptyStateBody>
              </EmptyState>
            ) : results.error ? (
              <ErrorAlert error={results.error} onRetry={() => void results.refetch()} />
            ) : !results.data ? (
              <Spinner size="lg" aria-label={t('Loading')} />
            ) : (
              <Stack hasGutter>
                <HiddenNotice count={results.data.hiddenSpans} />
                <Results namespace={namespace} data={results.data.items} />
              </Stack>
            )}
          </StackItem>
        </Stack>
      </PageSection>
    </>
  );
}

function SearchForm({ namespace, initial, onSearch }: { namespace: string; initial?: TraceSearch; onSearch: (s: TraceSearch) => void }) {
  const { t } = useTranslation('servicemesh');
  const services = useTraceServices(namespace);
  const [service, setService] = useState(initial?.service ?? '');
  const [operation, setOperation] = useState(initial?.operation ?? '');
  const [tags, setTags] = useState(tagsText(initial?.tags));
  const [minDuration, setMin] = useState(initial?.minDuration ?? '');
  const [maxDuration, setMax] = useState(initial?.maxDuration ?? '');
  const [lookback, setLookback] = useState(initial?.lookback ?? defaultLookback);
  const [limit, setLimit] = useState(String(initial?.limit ?? defaultLimit));
  const operations = useOperations(namespace, service);
  const parsed = parseTags(tags);
  const limitN = Number(limit);
  const limitOK = Number.isInteger(limitN) && limitN > 0 && limitN <= 1500;
  const ok = !!service && parsed.bad.length === 0 && validDuration(minDuration) && validDuration(maxDuration) && limitOK;
  const names = services.data ?? [];
  const lookbackText: Record<number, string> = { 900: t('Last 15 minutes'), 3600: t('Last hour'), 21600: t('Last 6 hours'), 86400: t('Last day'), 604800: t('Last 7 days') };
  return (
    <Card isCompact>
      <CardBody>
        <Form
          onSubmit={(e) => {
            e.preventDefault();
            if (ok) onSearch({ service, operation: operation || undefined, tags: Object.keys(parsed.tags).length ? parsed.tags : undefined, minDuration: minDuration || undefined, maxDuration: maxDuration || undefined, lookback, limit: limitN });
          }}
          data-test="trace-search"
        >
          <Grid hasGutter md={4}>
            <GridItem>
              <FormGroup label={t('Service')} fieldId="trace-service" isRequired>
                <FormSelect id="trace-service" value={service} onChange={(_e, v) => { setService(v); setOperation(''); }} data-test="trace-service">
                  <FormSelectOption value="" label={services.isLoading ? t('Loading') : t('Choose a service')} isPlaceholder />
                  {service && !names.includes(service) && <FormSelectOption value={service} label={service} />}
                  {names.map((n) => (
                    <FormSelectOption key={n} value={n} label={n} />
                  ))}
                </FormSelect>
                {services.error ? <ErrorAlert error={services.error} onRetry={() => void services.refetch()} /> : names.length === 0 && !services.isLoading ? <FieldHelp rule={t('No service of this project has recorded spans yet.')} test="trace-services" /> : null}
              </FormGroup>
            </GridItem>
            <GridItem>
              <FormGroup label={t('Operation')} fieldId="trace-operation">
                <FormSelect id="trace-operation" value={operation} onChange={(_e, v) => setOperation(v)} isDisabled={!service} data-test="trace-operation">
                  <FormSelectOption value="" label={t('All operations')} />
                  {(operations.data ?? []).map((o) => (
                    <FormSelectOption key={`${o.name}/${o.spanKind ?? ''}`} value={o.name} label={o.spanKind ? `${o.name} (${o.spanKind})` : o.name} />
                  ))}
                </FormSelect>
              </FormGroup>
            </GridItem>
            <GridItem>
              <FormGroup label={t('Time range')} fieldId="trace-lookback">
                <FormSelect id="trace-lookback" value={String(lookback)} onChange={(_e, v) => setLookback(Number(v))} data-test="trace-lookback">
                  {lookbacks.map((l) => (
                    <FormSelectOption key={l} value={String(l)} label={lookbackText[l]} />
                  ))}
                </FormSelect>
              </FormGroup>
            </GridItem>
            <GridItem>
              <FormGroup label={t('Tags')} fieldId="trace-tags">
                <TextInput id="trace-tags" value={tags} onChange={(_e, v) => setTags(v)} placeholder="http.status_code=500 error=true" validated={parsed.bad.length ? 'error' : 'default'} data-test="trace-tags" />
                <FieldHelp error={parsed.bad.length ? t('Write each tag as key=value: {{words}}', { words: parsed.bad.join(' ') }) : undefined} test="trace-tags" />
              </FormGroup>
            </GridItem>
            <GridItem>
              <FormGroup label={t('Duration at least / at most')} fieldId="trace-min">
                <Grid hasGutter span={6}>
                  <TextInput id="trace-min" value={minDuration} onChange={(_e, v) => setMin(v.trim())} placeholder="100ms" aria-label={t('Minimum duration')} validated={validDuration(minDuration) ? 'default' : 'error'} data-test="trace-min" />
                  <TextInput id="trace-max" value={maxDuration} onChange={(_e, v) => setMax(v.trim())} placeholder="2s" aria-label={t('Maximum duration')} validated={validDuration(maxDuration) ? 'default' : 'error'} data-test="trace-max" />
                </Grid>
                <FieldHelp error={validDuration(minDuration) && validDuration(maxDuration) ? undefined : t('Use a duration such as 500us, 100ms or 1.5s.')} test="trace-duration" />
              </FormGroup>
            </GridItem>
            <GridItem>
              <FormGroup label={t('Traces at most')} fieldId="trace-limit">
                <TextInput id="trace-limit" type="number" min={1} max={1500} value={limit} onChange={(_e, v) => setLimit(v)} validated={limitOK ? 'default' : 'error'} data-test="trace-limit" />
                <FieldHelp error={limitOK ? undefined : t('Enter a whole number from 1 to 1500.')} />
              </FormGroup>
            </GridItem>
          </Grid>
          <ActionGroup>
            <Button type="submit" isDisabled={!ok} data-test="trace-search-submit">
              {t('Search')}
            </Button>
          </ActionGroup>
        </Form>
      </CardBody>
    </Card>
  );
}

function Results({ namespace, data }: { namespace: string; data: Parameters<typeof summary>[0][] }) {
  const { t, i18n } = useTranslation('servicemesh');
  if (data.length === 0) {
    return (
      <EmptyState titleText={t('No traces found')} headingLevel="h2" data-test="traces-empty">
        <EmptyStateBody>{t('No trace of this service matches in this time range. Widen the range or remove a condition.')}</EmptyStateBody>
      </EmptyState>
    );
  }
  const rows = data.map(summary).sort((a, b) => b.start - a.start);
  const when = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'short', timeStyle: 'medium' });
  return (
    <Table aria-label={t('Traces')} variant="compact" data-test="traces">
      <Thead>
        <Tr>
          <Th>{t('Trace')}</Th>
          <Th>{t('Root operation')}</Th>
          <Th>{t('Started')}</Th>
          <Th>{t('Spans')}</Th>
          <Th>{t('Duration')}</Th>
          <Th>{t('Services')}</Th>
          <Th>{t('Errors')}</Th>
        </Tr>
      </Thead>
      <Tbody>
        {rows.map((r) => (
          <Tr key={r.traceID} data-test="trace-row">
            <Td dataLabel={t('Trace')}>
              <Link to={`/projects/${namespace}/tracing/${r.traceID}`} className="ke-mono" data-test="trace-link">
                {r.traceID.slice(0, 16)}
              </Link>
            </Td>
            <Td dataLabel={t('Root operation')} data-test="trace-root">
              {r.rootService}: {r.rootOperation}
            </Td>
            <Td dataLabel={t('Started')}>{r.start ? when.format(new Date(r.start / 1000)) : '-'}</Td>
            <Td dataLabel={t('Spans')} data-test="trace-spans">{r.spans}</Td>
            <Td dataLabel={t('Duration')} data-test="trace-duration">{formatMicros(r.duration)}</Td>
            <Td dataLabel={t('Services')}>{r.services.join(', ')}</Td>
            <Td dataLabel={t('Errors')} data-test="trace-errors">
              {r.errors ? <Label isCompact color="red">{r.errors}</Label> : '0'}
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}
