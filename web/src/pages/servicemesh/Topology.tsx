import { Button, Card, CardBody, CardTitle, EmptyState, EmptyStateBody, Flex, FlexItem, PageSection, Stack, StackItem } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useProjectAccess } from '../../api/access';
import { useTopology, type Topology, type TopologyEdge, type TopologyNode } from '../../api/servicemesh';
import { MetricsState } from '../../components/monitoring/MetricChart';
import { TimeRangePicker, useTimeRange } from '../../components/monitoring/TimeRangePicker';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { edgeLabel, health, layout, nodeHeight, nodeWidth } from './topologyLayout';
import './servicemesh.css';

/** traceService is the name a node's spans carry: Istio's <app>.<namespace>. */
export function traceService(n: TopologyNode, namespace: string): string {
  return `${n.service ?? n.name}.${n.namespace ?? namespace}`;
}

/** workloadLink is a node's page in the console, when it has one in this project. */
export function workloadLink(n: TopologyNode, namespace: string): string | undefined {
  if ((n.namespace ?? namespace) !== namespace) return undefined;
  if (n.kind === 'workload' && n.workload) return `/projects/${namespace}/deployments/${n.workload}`;
  if (n.kind === 'service') return `/projects/${namespace}/services/${n.service ?? n.name}`;
  return undefined;
}

/**
 * The traffic graph of a project: its services and workloads (and who
 * calls them from outside) as nodes, the requests between them as edges
 * labelled with their rate, error ratio and p95 latency, from the mesh's
 * metrics over the chosen range. Clicking a node shows its traffic and
 * links to its traces and its page.
 */
export default function TopologyPage() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('servicemesh');
  const access = useProjectAccess(namespace);
  const allowed = access.may('topology');
  const time = useTimeRange('15m');
  const topology = useTopology(namespace, time.range, time.refresh, allowed);
  const [selected, setSelected] = useState<string>();
  if (access.loaded && !allowed) return <NoAccess />;
  const data = topology.data;
  const node = data?.nodes.find((n) => n.id === selected);
  return (
    <>
      <PageHeader title={t('Traffic topology')} crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Traffic topology') }]} actions={<TimeRangePicker state={time} />} />
      <PageSection>
        {!data ? (
          <MetricsState query={topology} height={300} />
        ) : data.nodes.length === 0 ? (
          <EmptyState titleText={t('No traffic')} headingLevel="h2" data-test="topology-empty">
            <EmptyStateBody>{t('The mesh recorded no request to or from this project’s workloads in this time range. Traffic shows once the project is in the mesh and its services are called.')}</EmptyStateBody>
          </EmptyState>
        ) : (
          <Stack hasGutter>
            <StackItem>
              <Card isCompact>
                <CardBody>
                  <Graph topology={data} selected={selected} onSelect={setSelected} />
                </CardBody>
              </Card>
            </StackItem>
            {node && (
              <StackItem>
                <NodePanel namespace={namespace} node={node} topology={data} onClose={() => setSelected(undefined)} />
              </StackItem>
            )}
          </Stack>
        )}
      </PageSection>
    </>
  );
}

function kindMark(k: TopologyNode['kind']): string {
  return k === 'service' ? '◆' : k === 'workload' ? '■' : k === 'external' ? '◯' : '?';
}

/** Graph draws the layered layout in SVG: edges first, then nodes on top, each focusable. */
function Graph({ topology, selected, onSelect }: { topology: Topology; selected?: string; onSelect: (id: string) => void }) {
  const { t } = useTranslation('servicemesh');
  const l = useMemo(() => layout(topology), [topology]);
  return (
    <div className="ke-topology" data-test="topology">
      <svg width={l.width} height={l.height} viewBox={`0 0 ${l.width} ${l.height}`} role="group" aria-label={t('Traffic topology')}>
        <defs>
          <marker id="ke-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" className="ke-topology-arrow" />
          </marker>
        </defs>
        {l.edges.map((e) => {
          const mx = (e.x1 + e.x2) / 2;
          const my = (e.y1 + e.y2) / 2 - (e.back ? 28 : 0);
          const d = e.back ? `M ${e.x1} ${e.y1} C ${e.x1 + 60} ${e.y1 - 60}, ${e.x2 + 60} ${e.y2 - 60}, ${e.x2} ${e.y2}` : `M ${e.x1} ${e.y1} C ${mx} ${e.y1}, ${mx} ${e.y2}, ${e.x2} ${e.y2}`;
          const label = edgeLabel(e.edge);
          return (
            <g key={`${e.edge.source}>${e.edge.target}`} className={`ke-topology-edge ke-${health(e.edge.errorRatio)}`} data-test={`edge-${e.edge.source}-${e.edge.target}`}>
              <path d={d} fill="none" markerEnd="url(#ke-arrow)" />
              <text x={mx} y={my - 4} textAnchor="middle" className="ke-topology-edge-label" data-test="edge-label">
                {label}
              </text>
            </g>
          );
        })}
        {l.nodes.map((n) => (
          <g
            key={n.node.id}
            transform={`translate(${n.x},${n.y})`}
            className={`ke-topology-node ke-kind-${n.node.kind}${selected === n.node.id ? ' ke-selected' : ''}`}
            role="button"
            tabIndex={0}
            aria-label={`${n.node.name}${n.node.version ? ` ${n.node.version}` : ''}`}
            aria-pressed={selected === n.node.id}
            onClick={() => onSelect(n.node.id)}
            onKeyDown={(ev) => {
              if (ev.key === 'Enter' || ev.key === ' ') {
                ev.preventDefault();
                onSelect(n.node.id);
              }
            }}
            data-test={`node-${n.node.id}`}
          >
            <rect width={nodeWidth} height={nodeHeight} rx={6} />
            <text x={10} y={18} className="ke-topology-node-name">
              {kindMark(n.node.kind)} {n.node.name.length > 17 ? `${n.node.name.slice(0, 16)}…` : n.node.name}
            </text>
            <text x={10} y={34} className="ke-topology-node-sub">
              {[n.node.version, n.node.namespace].filter(Boolean).join(' · ')}
            </text>
          </g>
        ))}
      </svg>
    </div>
  );
}

/** NodePanel is what a node receives and sends, with links to its traces and its page. */
function NodePanel({ namespace, node, topology, onClose }: { namespace: string; node: TopologyNode; topology: Topology; onClose: () => void }) {
  const { t } = useTranslation('servicemesh');
  const name = (id: string) => topology.nodes.find((n) => n.id === id)?.name ?? id;
  const inbound = topology.edges.filter((e) => e.target === node.id);
  const outbound = topology.edges.filter((e) => e.source === node.id);
  const page = workloadLink(node, namespace);
  const kinds: Record<TopologyNode['kind'], string> = { service: t('Service'), workload: t('Workload'), external: t('Outside the project'), unknown: t('Unknown caller') };
  const rows = (edges: TopologyEdge[], other: (e: TopologyEdge) => string, test: string) =>
    edges.length === 0 ? (
      <p>{t('None.')}</p>
    ) : (
      <Table variant="compact" aria-label={test} data-test={test}>
        <Thead>
          <Tr>
            <Th>{t('Peer')}</Th>
            <Th>{t('Req/s')}</Th>
            <Th>{t('Errors')}</Th>
            <Th>p50</Th>
            <Th>p95</Th>
            <Th>p99</Th>
          </Tr>
        </Thead>
        <Tbody>
          {edges.map((e) => (
            <Tr key={`${e.source}>${e.target}`}>
              <Td>{name(other(e))}</Td>
              <Td>{e.rate.toFixed(2)}</Td>
              <Td>{`${+(e.errorRatio * 100).toFixed(2)}%`}</Td>
              <Td>{ms(e.latencyP50)}</Td>
              <Td>{ms(e.latencyP95)}</Td>
              <Td>{ms(e.latencyP99)}</Td>
            </Tr>
          ))}
        </Tbody>
      </Table>
    );
  return (
    <Card isCompact data-test="node-panel">
      <CardTitle>
        <Flex justifyContent={{ default: 'justifyContentSpaceBetween' }}>
          <FlexItem data-test="node-title">
            {node.name} {node.version && <small>({node.version})</small>}
          </FlexItem>
          <FlexItem>
            <Button variant="plain" aria-label={t('Close')} onClick={onClose}>
              ×
            </Button>
          </FlexItem>
        </Flex>
      </CardTitle>
      <CardBody>
        <Stack hasGutter>
          <StackItem>{kinds[node.kind]}</StackItem>
          <StackItem>
            <Flex alignItems={{ default: 'alignItemsFlexStart' }} spaceItems={{ default: 'spaceItems2xl' }}>
              <FlexItem flex={{ default: 'flex_1' }}>
                <strong>{t('Requests received')}</strong>
                {rows(inbound, (e) => e.source, 'node-inbound')}
              </FlexItem>
              <FlexItem flex={{ default: 'flex_1' }}>
                <strong>{t('Requests sent')}</strong>
                {rows(outbound, (e) => e.target, 'node-outbound')}
              </FlexItem>
            </Flex>
          </StackItem>
          <StackItem>
            <Flex>
              {(node.kind === 'service' || node.kind === 'workload') && (
                <Link to={`/projects/${namespace}/tracing?service=${encodeURIComponent(traceService(node, namespace))}`} data-test="node-traces">
                  {t('Traces')}
                </Link>
              )}
              {page && (
                <Link to={page} data-test="node-page">
                  {node.kind === 'service' ? t('Service page') : t('Workload page')}
                </Link>
              )}
            </Flex>
          </StackItem>
        </Stack>
      </CardBody>
    </Card>
  );
}

function ms(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '-' : `${Math.round(v)} ms`;
}
