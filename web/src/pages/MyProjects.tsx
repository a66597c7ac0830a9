import { Button, PageSection, Title } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useCan } from '../api/access';
import { useWorkspaces } from '../api/tenant';
import { displayName, workspaceLabel, type K8sObject, type Workspace } from '../api/types';
import { age } from '../components/format';
import { PageHeader } from '../components/PageHeader';
import { ResourceTable, useTableState } from '../components/ResourceTable';
import { StatusLabel } from '../components/StatusLabel';
import { derivedStatus } from '../components/status';

const named = (o: K8sObject) => displayName(o) + (displayName(o) !== o.metadata.name ? ` (${o.metadata.name})` : '');

/**
 * MyProjects is where a user who does not run the platform starts: the
 * workspaces and the projects they belong to (the lists hold only those),
 * and what to do when there are none yet.
 */
export default function MyProjects() {
  const { t } = useTranslation('common');
  const navigate = useNavigate();
  const [canCreateWorkspace] = useCan([{ verb: 'create', group: 'tenant.superkube.io', resource: 'workspaces' }]);
  const workspaceTable = useTableState({ defaultSortBy: 'name', defaultAscending: true, perPage: 5 });
  const workspaces = useWorkspaces(workspaceTable.params);
  return (
    <>
      <PageHeader title={t('My workspaces and projects')} />
      <PageSection>
        <Title headingLevel="h2" className="pf-v6-u-mb-sm">
          {t('Workspaces')}
        </Title>
        <ResourceTable<Workspace>
          id="my-workspaces"
          ariaLabel={t('Workspaces')}
          table={workspaceTable}
          query={workspaces}
          link={(w) => `/workspaces/${w.metadata.name}/overview`}
          columns={[
            { title: t('Name'), sortKey: 'name', render: named },
            { title: t('Manager'), render: (w) => w.spec.manager ?? '-' },
            { title: t('Age'), sortKey: 'createTime', render: (w) => age(w.metadata.creationTimestamp) },
          ]}
          emptyTitle={t('You are in no workspace yet')}
          emptyText={canCreateWorkspace ? t('Create a workspace for your team, then projects in it.') : t('Ask the administrator of a workspace to invite you. Projects you were invited to are listed below.')}
          emptyAction={
            canCreateWorkspace ? (
              <Button onClick={() => void navigate('/platform/workspaces?create=1')} data-test="create-first-workspace">
                {t('Create your first workspace')}
              </Button>
            ) : undefined
          }
        />
      </PageSection>
      <PageSection>
        <Title headingLevel="h2" className="pf-v6-u-mb-sm">
          {t('Projects')}
        </Title>
        <ResourceTable<K8sObject>
          id="my-projects"
          ariaLabel={t('Projects')}
          resource="namespaces"
          params={{ labelSelector: workspaceLabel }}
          link={(ns) => `/projects/${ns.metadata.name}/overview`}
          defaultSortBy="name"
          defaultAscending
          columns={[
            { title: t('Name'), sortKey: 'name', render: named },
            {
              title: t('Workspace'),
              render: (ns) => {
                const ws = ns.metadata.labels?.[workspaceLabel];
                return ws ? <Link to={`/workspaces/${ws}/overview`}>{ws}</Link> : '-';
              },
            },
            { title: t('Status'), render: (ns) => <StatusLabel status={derivedStatus(ns) ?? (ns.status as { phase?: string } | undefined)?.phase} /> },
            { title: t('Age'), sortKey: 'createTime', render: (ns) => age(ns.metadata.creationTimestamp) },
          ]}
          emptyTitle={t('You are in no project yet')}
          emptyText={t('Ask the administrator of a project or a workspace to invite you.')}
        />
      </PageSection>
    </>
  );
}
