import { Button, PageSection } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useParams } from 'react-router';
import { useCan } from '../../api/access';
import { kinds, projectKinds } from '../../api/kinds';
import { deleteObject, restart, useInvalidate } from '../../api/mutations';
import type { K8sObject } from '../../api/types';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { PageHeader } from '../../components/PageHeader';
import { ResourceTable, type RowAction } from '../../components/ResourceTable';
import { columnsFor } from './columns';
import { kindTitle } from './kindTitles';
import { ScaleModal } from './ScaleModal';

/** ResourceList lists one kind of a project. */
export default function ResourceList() {
  const { namespace = '', resource = '' } = useParams();
  const { t } = useTranslation('project');
  const navigate = useNavigate();
  const invalidate = useInvalidate();
  const k = kinds[resource];
  const [deleting, setDeleting] = useState<K8sObject>();
  const [scaling, setScaling] = useState<K8sObject>();
  const [canCreate, canUpdate, canDelete] = useCan(
    k ? (['create', 'patch', 'delete'] as const).map((verb) => ({ verb, group: k.group, resource: k.resource, namespace })) : [],
  );
  if (!k || !projectKinds.includes(resource)) return <Navigate to={`/projects/${namespace}/overview`} replace />;

  const actions = (o: K8sObject): RowAction<K8sObject>[] => {
    const out: RowAction<K8sObject>[] = [];
    if (canUpdate && k.scalable) out.push({ title: t('Scale'), onClick: () => setScaling(o) });
    if (canUpdate && k.restartable) out.push({ title: t('Restart'), onClick: () => void restart(k, namespace, o.metadata.name).then(() => invalidate(resource)) });
    if (canDelete) out.push({ title: t('Delete'), onClick: () => setDeleting(o), isDanger: true });
    return out;
  };
  return (
    <>
      <PageHeader
        title={t(kindTitle(resource))}
        crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t(kindTitle(resource)) }]}
        actions={
          canCreate && resource === 'deployments' ? (
            <Button onClick={() => navigate(`/projects/${namespace}/deployments/~new`)} data-test="create">
              {t('Create')}
            </Button>
          ) : undefined
        }
      />
      <PageSection>
        <ResourceTable<K8sObject>
          key={resource}
          id={resource}
          ariaLabel={t(kindTitle(resource))}
          resource={resource}
          namespace={namespace}
          columns={columnsFor(resource, t)}
          statuses={k.statuses}
          link={(o) => `/projects/${namespace}/${resource}/${o.metadata.name}`}
          actions={canUpdate || canDelete ? actions : undefined}
        />
      </PageSection>
      {deleting && (
        <ConfirmDelete
          kind={k.kind}
          name={deleting.metadata.name}
          onConfirm={async () => {
            await deleteObject(k, namespace, deleting.metadata.name);
            invalidate(resource);
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
      {scaling && <ScaleModal kind={k} object={scaling} onClose={() => setScaling(undefined)} />}
    </>
  );
}
