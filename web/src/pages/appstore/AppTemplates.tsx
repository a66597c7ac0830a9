import { Button, Flex, FlexItem, FormGroup, PageSection } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { useAccess } from '../../api/access';
import { appTitle, group, maxChartBytes, uploadChart, useWorkspaceApps, type Application, type ApplicationVersion } from '../../api/appstore';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { Time } from '../../components/Time';
import { useToast } from '../../components/Toast';
import { AppIcon, ReviewStateLabel } from './parts';
import { appPage } from './paths';

/**
 * AppTemplates are a workspace's apps: the charts its developers uploaded
 * (and those of its repositories), in every state of the review workflow.
 * Upload adds a chart as a draft version, of a new app or of the chart's.
 */
export default function AppTemplates() {
  const { t } = useTranslation('appstore');
  const { workspace = '' } = useParams();
  const navigate = useNavigate();
  const access = useAccess([
    { verb: 'list', group, resource: 'applications', workspace },
    { verb: 'create', group, resource: 'applications', workspace },
  ]);
  const [canList, canCreate] = access.allowed;
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true });
  const apps = useWorkspaceApps(workspace, table.params, canList);
  const [uploading, setUploading] = useState(false);
  if (!access.loaded) return <Loading />;
  if (!canList) return <NoAccess />;
  const upload = (
    <Button onClick={() => setUploading(true)} data-test="upload-chart">
      {t('Upload a chart')}
    </Button>
  );
  return (
    <>
      <PageHeader title={t('App templates')} crumbs={[{ title: workspace, to: `/workspaces/${workspace}/overview` }, { title: t('App templates') }]}>
        <p>{t('Charts of this workspace. Upload one, submit a version for review, and release it to the store once a reviewer approves it.')}</p>
      </PageHeader>
      <PageSection>
        <ResourceTable<Application>
          id="app-templates"
          ariaLabel={t('App templates')}
          table={table}
          query={apps}
          link={(a) => appPage(a.metadata.name, workspace)}
          toolbar={canCreate ? upload : undefined}
          columns={[
            {
              title: t('App'),
              sortKey: 'name',
              render: (a) => (
                <Flex alignItems={{ default: 'alignItemsCenter' }} component="span" flexWrap={{ default: 'nowrap' }}>
                  <FlexItem component="span">
                    <AppIcon icon={a.spec.icon} size={24} />
                  </FlexItem>
                  <FlexItem component="span">{appTitle(a)}</FlexItem>
                </Flex>
              ),
            },
            { title: t('State'), render: (a) => <ReviewStateLabel state={a.status?.state} test="app-state" /> },
            { title: t('Latest version'), render: (a) => a.status?.latestVersion ?? '' },
            { title: t('Versions'), render: (a) => String(a.status?.versions ?? '') },
            { title: t('Updated'), render: (a) => <Time ts={a.status?.updateTime ?? a.metadata.creationTimestamp} />, hideBelow: 'lg' },
          ]}
          emptyTitle={t('No app templates yet')}
          emptyText={canCreate ? t('Upload a Helm chart (.tgz) to make the first one.') : t('There are no apps in this workspace.')}
          emptyAction={canCreate ? upload : undefined}
        />
      </PageSection>
      {uploading && (
        <UploadChart
          workspace={workspace}
          onClose={() => setUploading(false)}
          onUploaded={(v) => void navigate(appPage(v.spec.application, workspace, v.metadata.name))}
        />
      )}
    </>
  );
}

/** UploadChart sends a packaged chart; one too large is refused before it is sent. */
export function UploadChart({ workspace, onClose, onUploaded }: { workspace: string; onClose: () => void; onUploaded: (v: ApplicationVersion) => void }) {
  const { t } = useTranslation('appstore');
  const toast = useToast();
  const client = useQueryClient();
  const [file, setFile] = useState<File>();
  const tooLarge = !!file && file.size > maxChartBytes;
  return (
    <FormModal
      title={t('Upload a chart')}
      test="upload"
      submitLabel={t('Upload')}
      canSubmit={!!file && !tooLarge}
      onSubmit={async () => {
        const v = await uploadChart(workspace, file!);
        void client.invalidateQueries({ queryKey: ['appstore'] });
        toast.success(t('{{app}} {{version}} is uploaded as a draft.', { app: v.spec.application, version: v.spec.version }), t('Submit it for review when it is ready.'));
        onUploaded(v);
      }}
      onClose={onClose}
    >
      <FormGroup label={t('Chart archive')} fieldId="chart-file" isRequired>
        <input
          id="chart-file"
          type="file"
          accept=".tgz,.tar.gz,application/gzip,application/x-gzip,application/x-compressed-tar"
          onChange={(e) => setFile(e.target.files?.[0] ?? undefined)}
          data-test="chart-file"
        />
        <FieldHelp
          rule={t('A chart packaged by helm package (.tgz), at most 1 MiB.')}
          error={tooLarge ? t('The archive is {{size}} KiB; the limit is 1024 KiB.', { size: Math.ceil(file.size / 1024) }) : undefined}
          test="chart-file"
        />
      </FormGroup>
    </FormModal>
  );
}
