import { Button, PageSection } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { useCan, useProjectAccess } from '../../api/access';
import { useCluster } from '../../api/cluster';
import { kinds, projectKinds } from '../../api/kinds';
import { deleteObject, useInvalidate } from '../../api/mutations';
import type { K8sObject } from '../../api/types';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { NoAccess, NotFound } from '../../components/PageState';
import { useToast } from '../../components/Toast';
import { PageHeader } from '../../components/PageHeader';
import { ResourceTable, type RowAction } from '../../components/ResourceTable';
import { columnsFor } from './columns';
import { kindTitle } from './kindTitles';
import { RestartConfirm } from './RestartConfirm';
import { ScaleModal } from './ScaleModal';

/** ResourceList lists one kind of a project. */
export default function ResourceList() {
  const { namespace = '', resource = '' } = useParams();
  const status = useSearchParams()[0].get('status') ?? '';
  const { t } = useTranslation('project');
  const navigate = useNavigate();
  const invalidate = useInvalidate();
  const cluster = useCluster();
  const toast = useToast();
  const k = kinds[resource];
  const access = useProjectAccess(namespace);
  const [deleting, setDeleting] = useState<K8sObject>();
  const [scaling, setScaling] = useState<K8sObject>();
  const [restarting, setRestarting] = useState<K8sObject>();
  const [canCreate, canUpdate, canDelete] = useCan(
    k ? (['create', 'patch', 'delete'] as const).map((verb) => ({ verb, group: k.group, resource: k.resource, namespace })) : [],
  );
  if (!k || !projectKinds.includes(resource)) return <NotFound />;
  // A list the user may not read is not shown (nor asked for again). The
  // list is asked for at once, not after the review, so as not to wait for
  // it: the navigation offers no such list, and within the console the
  // review's answer is there already.
  if (access.loaded && !access.may(resource)) return <NoAccess />;

  const actions = (o: K8sObject): RowAction<K8sObject>[] => {
    const out: RowAction<K8sObject>[] = [];
    if (canUpdate && k.scalable) out.push({ title: t('Scale'), onClick: () => setScaling(o) });
    if (canUpdate && k.restartable) out.push({ title: t('Restart'), onClick: () => setRestarting(o) });
    if (canDelete) out.push({ title: t('Delete'), onClick: () => setDeleting(o), isDanger: true });
    return out;
  };
  const create =
    canCreate && resource === 'deployments' ? (
      <Button onClick={() => void navigate(`/projects/${namespace}/deployments/~new`)} data-test="create">
        {t('Create')}
      </Button>
    ) : undefined;
  return (
    <>
      <PageHeader
        title={t(kindTitle(resource))}
        crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t(kindTitle(resource)) }]}
        actions={create}
      />
      <PageSection>
        <ResourceTable<K8sObject>
          key={`${resource}?${status}`}
          defaultStatus={status}
          id={resource}
          ariaLabel={t(kindTitle(resource))}
          resource={resource}
          namespace={namespace}
          columns={columnsFor(resource, t)}
          statuses={k.statuses}
          link={(o) => `/projects/${namespace}/${resource}/${o.metadata.name}`}
          actions={canUpdate || canDelete ? actions : undefined}
          emptyTitle={t('No {{kind}} yet', { kind: t(kindTitle(resource)) })}
          emptyText={resource === 'deployments' && canCreate ? t('Create a Deployment to run your first application in this project.') : t('There are none in this project yet.')}
          emptyAction={
            canCreate && resource === 'deployments' ? (
              <Button onClick={() => void navigate(`/projects/${namespace}/deployments/~new`)} data-test="empty-create">
                {t('Create your first Deployment')}
              </Button>
            ) : undefined
          }
        />
      </PageSection>
      {deleting && (
        <ConfirmDelete
          kind={k.kind}
          name={deleting.metadata.name}
          onConfirm={async () => {
            await deleteObject(k, namespace, deleting.metadata.name, cluster);
            invalidate(resource);
            toast.success(t('{{kind}} {{name}} is being deleted.', { kind: k.kind, name: deleting.metadata.name }));
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
      {scaling && <ScaleModal kind={k} object={scaling} onClose={() => setScaling(undefined)} />}
      {restarting && <RestartConfirm kind={k} namespace={namespace} name={restarting.metadata.name} onClose={() => setRestarting(undefined)} />}
    </>
  );
}
