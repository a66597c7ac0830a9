import { Button, PageSection } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useProjectAccess } from '../../api/access';
import { useInvalidate } from '../../api/mutations';
import { deleteStrategy, strategyPhases, useStrategies, type Strategy } from '../../api/servicemesh';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { Time } from '../../components/Time';
import { useToast } from '../../components/Toast';
import { PhaseLabel, useMeshCan, useTypeText } from './parts';

/** weightText is how the traffic is shared now, as "v1 90% · v2 10%" (the status's, else the spec's). */
export function weightText(s: Strategy): string {
  const versions = s.status?.versions;
  if (versions?.length) return versions.map((v) => `${v.name} ${v.weight}%`).join(' · ');
  if (s.spec.type === 'Canary') {
    const w = s.spec.weight ?? 0;
    return `${s.spec.principal} ${100 - w}% · ${s.spec.canary} ${w}%`;
  }
  if (s.spec.type === 'Mirror') return `${s.spec.principal} 100% (+${s.spec.mirror?.percent ?? 0}% → ${s.spec.canary})`;
  const active = s.spec.active === 'Canary' ? s.spec.canary : s.spec.principal;
  return `${active} 100%`;
}

/** The grayscale releases of a project: each Strategy with its type, service, versions, how the traffic is shared and its phase. */
export default function Strategies() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('servicemesh');
  const access = useProjectAccess(namespace);
  const allowed = access.may('strategies');
  const can = useMeshCan(namespace);
  const typeText = useTypeText();
  const invalidate = useInvalidate();
  const toast = useToast();
  const table = useTableState();
  const strategies = useStrategies(namespace, table.params, allowed);
  const [deleting, setDeleting] = useState<Strategy>();
  if (access.loaded && !allowed) return <NoAccess />;
  const base = `/projects/${namespace}/grayscale`;
  const create = (test: string) =>
    can.createStrategy && (
      <Button component={(p) => <Link {...p} to={`${base}/~new`} />} data-test={test}>
        {t('Create grayscale release')}
      </Button>
    );
  return (
    <>
      <PageHeader title={t('Grayscale release')} crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Grayscale release') }]} actions={create('create-strategy')} />
      <PageSection>
        <ResourceTable<Strategy>
          id="strategies"
          ariaLabel={t('Grayscale release')}
          table={table}
          query={strategies}
          statuses={[...strategyPhases]}
          link={(s) => `${base}/${s.metadata.name}`}
          columns={[
            { title: t('Name'), sortKey: 'name', render: (s) => s.metadata.name },
            { title: t('Type'), render: (s) => <span data-test="strategy-type">{typeText(s.spec.type)}</span> },
            { title: t('Service'), render: (s) => <span data-test="strategy-service">{s.spec.service}</span> },
            { title: t('Versions'), render: (s) => <span data-test="strategy-versions">{`${s.spec.principal} → ${s.spec.canary}`}</span> },
            { title: t('Traffic'), render: (s) => <span data-test="strategy-weight">{weightText(s)}</span>, hideBelow: 'lg' },
            { title: t('Phase'), render: (s) => <PhaseLabel phase={s.status?.phase} /> },
            { title: t('Created'), sortKey: 'createTime', render: (s) => <Time ts={s.metadata.creationTimestamp} />, hideBelow: 'xl' },
          ]}
          actions={(s) => (can.deleteStrategy ? [{ title: t('Delete'), isDanger: true, onClick: () => setDeleting(s) }] : [])}
          emptyTitle={t('No grayscale releases yet')}
          emptyText={t('A grayscale release sends a share of a service’s requests to a new version (canary), switches them all at once (blue-green) or copies them to it (mirror), until you promote or roll back.')}
          emptyAction={create('create-first-strategy') || undefined}
        />
      </PageSection>
      {deleting && (
        <ConfirmDelete
          kind={t('grayscale release')}
          name={deleting.metadata.name}
          extra={<p>{t('The VirtualService and DestinationRule it generated are deleted with it (unless a service policy still needs them); the workloads of both versions stay.')}</p>}
          onConfirm={async () => {
            await deleteStrategy(namespace, deleting.metadata.name);
            invalidate('strategies');
            toast.success(t('Grayscale release {{name}} is deleted.', { name: deleting.metadata.name }));
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}
