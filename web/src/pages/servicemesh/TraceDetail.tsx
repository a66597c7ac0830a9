import { Card, CardBody, CardTitle, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Grid, GridItem, Label, PageSection, Stack, StackItem } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useProjectAccess } from '../../api/access';
import { useTrace, type KeyValue, type Span } from '../../api/servicemesh';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess, PageError } from '../../components/PageState';
import { HiddenNotice } from './Tracing';
import { bounds, formatMicros, labelPlace, ticks, waterfall } from './waterfall';
import './servicemesh.css';

function valueText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * A trace's page: its spans as a timeline (waterfall) nested by parent,
 * each bar placed by its start and as long as its duration; clicking a span
 * shows its tags and logs. Spans of projects the user may not read are not
 * sent, and a notice says how many were left out.
 */
export default function TraceDetail() {
  const { namespace = '', traceID = '' } = useParams();
  const { t } = useTranslation('servicemesh');
  const access = useProjectAccess(namespace);
  const allowed = access.may('tracing');
  const trace = useTrace(namespace, allowed ? traceID : '');
  const rows = useMemo(() => (trace.data ? waterfall(trace.data) : []), [trace.data]);
  const [selected, setSelected] = useState<string>();
  if (access.loaded && !allowed) return <NoAccess />;
  if (trace.isLoading || !access.loaded) return <Loading />;
  if (trace.error || !trace.data) return <PageError error={trace.error} onRetry={() => void trace.refetch()} />;
  const b = bounds(trace.data.spans);
  const span = trace.data.spans.find((s) => s.spanID === (selected ?? rows[0]?.span.spanID));
  const services = new Set(trace.data.spans.map((s) => s.service));
  return (
    <>
      <PageHeader
        title={<span className="ke-mono">{t('Trace {{id}}', { id: traceID.slice(0, 16) })}</span>}
        crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Tracing'), to: `/projects/${namespace}/tracing` }, { title: traceID.slice(0, 16) }]}
      />
      <PageSection>
        <Stack hasGutter>
          <StackItem>
            <HiddenNotice count={trace.data.hiddenSpans} />
          </StackItem>
          <StackItem>
            <DescriptionList isCompact isHorizontal columnModifier={{ default: '2Col', lg: '3Col' }}>
              <Fact term={t('Trace ID')} test="trace-id">
                <span className="ke-mono">{traceID}</span>
              </Fact>
              <Fact term={t('Duration')} test="trace-duration">{formatMicros(b.duration)}</Fact>
              <Fact term={t('Spans')} test="trace-span-count">{trace.data.spans.length}</Fact>
              <Fact term={t('Services')} test="trace-services">{[...services].sort().join(', ')}</Fact>
              <Fact term={t('Started')} test="trace-start">{b.start ? new Date(b.start / 1000).toISOString() : '-'}</Fact>
            </DescriptionList>
          </StackItem>
          <StackItem>
            <Grid hasGutter>
              <GridItem lg={8}>
                <Card isCompact>
                  <CardTitle>{t('Timeline')}</CardTitle>
                  <CardBody>
                    <div className="ke-waterfall-axis" aria-hidden>
                      <span>{t('Service: operation')}</span>
                      <span className="ke-waterfall-ticks">
                        {ticks(b.duration).map((x, i) => (
                          <span key={i}>{formatMicros(x)}</span>
                        ))}
                      </span>
                    </div>
                    <div role="list" aria-label={t('Spans')} data-test="waterfall">
                      {rows.map((r) => (
                        <div
                          key={r.span.spanID}
                          role="listitem"
                          tabIndex={0}
                          className={`ke-waterfall-row${span?.spanID === r.span.spanID ? ' ke-selected' : ''}`}
                          onClick={() => setSelected(r.span.spanID)}
                          onKeyDown={(e) => {
                            if (e.key === 'Enter' || e.key === ' ') {
                              e.preventDefault();
                              setSelected(r.span.spanID);
                            }
                          }}
                          aria-current={span?.spanID === r.span.spanID}
                          data-test="span-row"
                          data-span={r.span.spanID}
                          data-depth={r.depth}
                        >
                          <span className="ke-waterfall-name" style={{ paddingLeft: `${r.depth * 1.1}rem` }} title={`${r.span.service}: ${r.span.operation}`}>
                            {r.hasChildren ? '▾ ' : '· '}
                            <strong>{r.span.service}</strong>: <span data-test="span-operation">{r.span.operation}</span>
                            {r.orphan && (
                              <Label isCompact className="pf-v6-u-ml-xs">
                                {t('parent hidden')}
                              </Label>
                            )}
                          </span>
                          <span className="ke-waterfall-track">
                            <span className={`ke-waterfall-bar${r.error ? ' ke-error' : ''}`} style={{ left: `${r.left}%`, width: `${r.width}%` }} data-test="span-bar" />
                            <DurationLabel left={r.left} width={r.width} duration={r.span.duration} />
                          </span>
                        </div>
                      ))}
                    </div>
                  </CardBody>
                </Card>
              </GridItem>
              <GridItem lg={4}>{span && <SpanPanel span={span} traceStart={b.start} namespace={namespace} />}</GridItem>
            </Grid>
          </StackItem>
        </Stack>
      </PageSection>
    </>
  );
}

function DurationLabel({ left, width, duration }: { left: number; width: number; duration: number }) {
  const p = labelPlace(left, width);
  const style = p.side === 'after' ? { left: `${p.left}%` } : { right: `${p.right}%` };
  return (
    <span className={`ke-waterfall-time ke-${p.side}`} style={style}>
      {formatMicros(duration)}
    </span>
  );
}

function Fact({ term, test, children }: { term: string; test: string; children: React.ReactNode }) {
  return (
    <DescriptionListGroup>
      <DescriptionListTerm>{term}</DescriptionListTerm>
      <DescriptionListDescription data-test={test}>{children}</DescriptionListDescription>
    </DescriptionListGroup>
  );
}

function KeyValues({ items, test }: { items: KeyValue[]; test: string }) {
  const { t } = useTranslation('servicemesh');
  return (
    <Table variant="compact" aria-label={test} data-test={test}>
      <Thead>
        <Tr>
          <Th>{t('Key')}</Th>
          <Th>{t('Value')}</Th>
        </Tr>
      </Thead>
      <Tbody>
        {items.map((kv, i) => (
          <Tr key={`${kv.key}-${i}`} data-test={`${test}-row`}>
            <Td className="ke-mono" style={{ overflowWrap: 'anywhere' }}>
              {kv.key}
            </Td>
            <Td className="ke-mono" style={{ overflowWrap: 'break-word' }}>
              {valueText(kv.value)}
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

/** SpanPanel shows a span: where it ran, when, its tags and its logs. */
function SpanPanel({ span, traceStart, namespace }: { span: Span; traceStart: number; namespace: string }) {
  const { t } = useTranslation('servicemesh');
  const ns = span.namespace;
  return (
    <Card isCompact data-test="span-detail">
      <CardTitle data-test="span-title">
        {span.service}: {span.operation}
      </CardTitle>
      <CardBody>
        <Stack hasGutter>
          <DescriptionList isCompact isHorizontal>
            <Fact term={t('Span ID')} test="span-id">
              <span className="ke-mono">{span.spanID}</span>
            </Fact>
            {ns && (
              <Fact term={t('Project')} test="span-namespace">
                {ns === namespace ? ns : <Link to={`/projects/${ns}/overview`}>{ns}</Link>}
              </Fact>
            )}
            <Fact term={t('Starts after')} test="span-offset">{formatMicros(span.startTime - traceStart)}</Fact>
            <Fact term={t('Duration')} test="span-duration">{formatMicros(span.duration)}</Fact>
          </DescriptionList>
          <strong>{t('Tags')}</strong>
          {span.tags?.length ? <KeyValues items={span.tags} test="span-tags" /> : <p>{t('None.')}</p>}
          <strong>{t('Logs')}</strong>
          {span.logs?.length ? (
            span.logs.map((l, i) => (
              <div key={i} data-test="span-log">
                <small>+{formatMicros(l.timestamp - traceStart)}</small>
                <KeyValues items={l.fields} test="span-log-fields" />
              </div>
            ))
          ) : (
            <p>{t('None.')}</p>
          )}
        </Stack>
      </CardBody>
    </Card>
  );
}
