import { Button, PageSection } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { useDevOpsAccess } from '../../api/access';
import { deletePipeline, usePipelines, type Pipeline } from '../../api/devops';
import { useInvalidate } from '../../api/mutations';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { Time } from '../../components/Time';
import { useToast } from '../../components/Toast';
import { duration } from './graph';
import { PhaseLabel, useDevOpsCan } from './parts';
import { RunDialog } from './RunDialog';

/** A DevOps project's pipelines, each with its last run: phase, start and duration. */
export default function Pipelines() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('devops');
  const navigate = useNavigate();
  const invalidate = useInvalidate();
  const toast = useToast();
  const access = useDevOpsAccess(namespace);
  const can = useDevOpsCan(namespace);
  const table = useTableState();
  const pipelines = usePipelines(namespace, table.params);
  const [deleting, setDeleting] = useState<Pipeline>();
  const [running, setRunning] = useState<Pipeline>();
  if (access.loaded && !access.may('pipelines')) return <NoAccess />;
  const base = `/devops/${namespace}`;
  return (
    <>
      <PageHeader
        title={t('Pipelines')}
        crumbs={[{ title: namespace, to: `${base}/pipelines` }, { title: t('Pipelines') }]}
        actions={
          can.createPipeline && (
            <Button component={(p) => <Link {...p} to={`${base}/pipelines/~new`} />} data-test="create-pipeline">
              {t('Create pipeline')}
            </Button>
          )
        }
      />
      <PageSection>
        <ResourceTable<Pipeline>
          id="pipelines"
          ariaLabel={t('Pipelines')}
          table={table}
          query={pipelines}
          link={(p) => `${base}/pipelines/${p.metadata.name}`}
          columns={[
            { title: t('Name'), sortKey: 'name', render: (p) => p.metadata.name },
            { title: t('Description'), render: (p) => p.spec.description || '-', hideBelow: 'xl' },
            {
              title: t('Last run'),
              render: (p) =>
                p.status?.lastRun ? (
                  <Link to={`${base}/runs/${p.status.lastRun.name}`} data-test="last-run">
                    <PhaseLabel phase={p.status.lastRun.phase} test="last-run-phase" />
                  </Link>
                ) : (
                  <span data-test="last-run">{t('Never run')}</span>
                ),
            },
            { title: t('Started'), render: (p) => <Time ts={p.status?.lastRun?.startTime} />, hideBelow: 'lg' },
            { title: t('Duration'), render: (p) => <span data-test="last-run-duration">{duration(p.status?.lastRun?.startTime, p.status?.lastRun?.completionTime)}</span> },
          ]}
          actions={(p) => [
            ...(can.run ? [{ title: t('Run'), onClick: () => setRunning(p), isDisabled: !!p.spec.disabled }] : []),
            ...(can.updatePipeline ? [{ title: t('Edit'), onClick: () => void navigate(`${base}/pipelines/${p.metadata.name}/edit`) }] : []),
            ...(can.deletePipeline ? [{ title: t('Delete'), isDanger: true, onClick: () => setDeleting(p) }] : []),
          ]}
          emptyTitle={t('No pipelines yet')}
          emptyText={t('A pipeline builds, tests and deploys from a Git repository in stages of steps.')}
          emptyAction={
            can.createPipeline ? (
              <Button component={(p) => <Link {...p} to={`${base}/pipelines/~new`} />} data-test="create-first-pipeline">
                {t('Create pipeline')}
              </Button>
            ) : undefined
          }
        />
      </PageSection>
      {running && <RunDialog namespace={namespace} pipeline={running} onClose={() => setRunning(undefined)} onStarted={(r) => void navigate(`${base}/runs/${r.metadata.name}`)} />}
      {deleting && (
        <ConfirmDelete
          kind={t('pipeline')}
          name={deleting.metadata.name}
          extra={<p>{t('Its runs and their logs are deleted with it.')}</p>}
          onConfirm={async () => {
            await deletePipeline(namespace, deleting.metadata.name);
            invalidate('pipelines');
            toast.success(t('Pipeline {{name}} is deleted.', { name: deleting.metadata.name }));
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}
