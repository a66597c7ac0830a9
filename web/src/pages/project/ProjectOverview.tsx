import { Card, CardBody, CardTitle, Flex, FlexItem, Gallery, PageSection, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useProjectAccess } from '../../api/access';
import { useList } from '../../api/resources';
import type { K8sObject } from '../../api/types';
import { Events } from '../../components/Events';
import { PageHeader } from '../../components/PageHeader';
import { NotFound } from '../../components/PageState';
import { StatusLabel } from '../../components/StatusLabel';
import { useProjectWorkspace } from '../../layout/useProjectWorkspace';
import { kindTitle } from './kindTitles';
import { MeshMembership } from '../servicemesh/MeshMembership';
import { ProjectMonitoring } from '../monitoring/UsageMonitoring';

function KindCount({ namespace, resource }: { namespace: string; resource: string }) {
  const { t } = useTranslation('project');
  const q = useList<K8sObject>(resource, namespace, { limit: 1 }, { live: false });
  return (
    <Card isCompact data-test={`count-${resource}`}>
      <CardTitle>{t(kindTitle(resource))}</CardTitle>
      <CardBody>
        <Title headingLevel="h2" size="2xl">
          {q.data ? <Link to={`/projects/${namespace}/${resource}`}>{q.data.totalItems}</Link> : q.error ? '–' : '…'}
        </Title>
      </CardBody>
    </Card>
  );
}

/** The states the summary counts, by kind, in the order shown: what runs, what changes, what failed. */
const summaryStates: Record<string, string[]> = {
  deployments: ['running', 'updating', 'pending', 'stopped'],
  statefulsets: ['running', 'updating', 'pending', 'stopped'],
  daemonsets: ['running', 'updating', 'pending', 'stopped'],
  jobs: ['running', 'completed', 'failed'],
  pods: ['running', 'pending', 'failed'],
};

/** SummaryRow is one kind's objects counted by state (the list engine's countBy=status), each count a link to the list filtered by that state. */
function SummaryRow({ namespace, resource }: { namespace: string; resource: string }) {
  const { t } = useTranslation('project');
  const q = useList<K8sObject>(resource, namespace, { limit: 1, countBy: 'status' });
  const counts = q.data?.counts ?? {};
  return (
    <Tr data-test={`summary-${resource}`}>
      <Td dataLabel={t('Kind')}>
        <Link to={`/projects/${namespace}/${resource}`}>{t(kindTitle(resource))}</Link>
      </Td>
      <Td dataLabel={t('Total')}>{q.data ? q.data.totalItems : q.error ? '–' : '…'}</Td>
      <Td dataLabel={t('By state')}>
        <Flex spaceItems={{ default: 'spaceItemsMd' }}>
          {summaryStates[resource].map((state) =>
            q.data && counts[state] ? (
              <FlexItem key={state}>
                <Link to={`/projects/${namespace}/${resource}?status=${state}`} data-test={`summary-${resource}-${state}`}>
                  <StatusLabel status={state} /> {counts[state]}
                </Link>
              </FlexItem>
            ) : null,
          )}
        </Flex>
      </Td>
    </Tr>
  );
}

/** WorkloadSummary counts the project's workloads and pods by state. */
export function WorkloadSummary({ namespace, kinds }: { namespace: string; kinds: string[] }) {
  const { t } = useTranslation('project');
  if (kinds.length === 0) return null;
  return (
    <Card isCompact data-test="workload-summary">
      <CardTitle>{t('Workloads by state')}</CardTitle>
      <CardBody>
        <Table variant="compact" aria-label={t('Workloads by state')}>
          <Thead>
            <Tr>
              <Th>{t('Kind')}</Th>
              <Th>{t('Total')}</Th>
              <Th>{t('By state')}</Th>
            </Tr>
          </Thead>
          <Tbody>
            {kinds.map((r) => (
              <SummaryRow key={r} namespace={namespace} resource={r} />
            ))}
          </Tbody>
        </Table>
      </CardBody>
    </Card>
  );
}

export default function ProjectOverview() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('project');
  const ws = useProjectWorkspace(namespace);
  const access = useProjectAccess(namespace);
  // The same query useProjectWorkspace makes: the project, if the user may see it.
  const project = useList<K8sObject>('namespaces', undefined, { names: namespace, limit: 1 }, { live: false, enabled: !!namespace });
  if (project.data && project.data.items.length === 0) return <NotFound detail={t('There is no project {{name}}, or you are not a member of it.', { name: namespace })} />;
  return (
    <>
      <PageHeader title={t('Project {{name}}', { name: namespace })} crumbs={ws ? [{ title: ws, to: `/workspaces/${ws}/projects` }, { title: namespace }] : undefined} />
      <PageSection>
        <WorkloadSummary namespace={namespace} kinds={Object.keys(summaryStates).filter((r) => access.may(r))} />
      </PageSection>
      <PageSection>
        <Gallery hasGutter minWidths={{ default: '160px' }}>
          {['deployments', 'statefulsets', 'daemonsets', 'jobs', 'pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims']
            .filter((r) => access.may(r))
            .map((r) => (
              <KindCount key={r} namespace={namespace} resource={r} />
            ))}
        </Gallery>
      </PageSection>
      {access.may('strategies') && (
        <PageSection>
          <MeshMembership namespace={namespace} />
        </PageSection>
      )}
      {access.may('pods') && (
        <PageSection>
          <ProjectMonitoring namespace={namespace} />
        </PageSection>
      )}
      <PageSection>
        <Title headingLevel="h2">{t('Recent events')}</Title>
        {access.may('pods') || !access.loaded ? <Events namespace={namespace} /> : null}
      </PageSection>
    </>
  );
}
