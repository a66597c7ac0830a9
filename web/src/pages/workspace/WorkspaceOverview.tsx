import { Card, CardBody, CardTitle, Gallery, PageSection, Title } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useOverview } from '../../api/tenant';
import { useWorkspaceAccess } from '../../api/access';
import { PageHeader } from '../../components/PageHeader';
import { PageError } from '../../components/PageState';
import { WorkspaceMonitoring } from '../monitoring/UsageMonitoring';
import { NetworkIsolationCard } from './NetworkIsolationCard';
import { PlacementCard } from './Placement';

export default function WorkspaceOverview() {
  const { workspace = '' } = useParams();
  const { t } = useTranslation('workspace');
  const o = useOverview(workspace);
  const access = useWorkspaceAccess(workspace);
  if (o.error) return <PageError error={o.error} onRetry={() => void o.refetch()} />;
  const cards: [string, number | undefined, string | undefined, string][] = [
    [t('Projects'), o.data?.projects, access.may('projects') ? `/workspaces/${workspace}/projects` : undefined, 'projects'],
    [t('Members'), o.data?.members, access.may('members') ? `/workspaces/${workspace}/members` : undefined, 'members'],
    [t('Pods'), o.data?.pods, undefined, 'pods'],
    [t('Clusters'), o.data?.clusters, undefined, 'clusters'],
  ];
  return (
    <>
      <PageHeader title={t('Workspace {{name}}', { name: workspace })} crumbs={[{ title: t('Workspaces'), to: '/platform/workspaces' }, { title: workspace }]} />
      <PageSection>
        <Gallery hasGutter minWidths={{ default: '180px' }}>
          {cards.map(([title, value, to, test]) => (
            <Card isCompact key={test} data-test={`count-${test}`}>
              <CardTitle>{title}</CardTitle>
              <CardBody>
                <Title headingLevel="h2" size="2xl">
                  {to ? <Link to={to}>{value ?? '…'}</Link> : (value ?? '…')}
                </Title>
              </CardBody>
            </Card>
          ))}
        </Gallery>
      </PageSection>
      <PageSection>
        <PlacementCard workspace={workspace} />
      </PageSection>
      <PageSection>
        <NetworkIsolationCard workspace={workspace} />
      </PageSection>
      {access.may('projects') && (
        <PageSection>
          <WorkspaceMonitoring workspace={workspace} />
        </PageSection>
      )}
    </>
  );
}
