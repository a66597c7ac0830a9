import { Button, PageSection, Popover } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { useAccess } from '../../api/access';
import { deleteRelease, group, useReleases, type Release } from '../../api/appstore';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { Time } from '../../components/Time';
import { useToast } from '../../components/Toast';
import { ReleasePhaseLabel } from './parts';
import { releasePage, storePage, upgradePage } from './paths';

/** chartVersion is the chart version a release runs: its newest revision's, else its version object's name. */
export function chartVersion(r: Release): string {
  const top = r.status?.history?.find((h) => h.revision === r.status?.revision) ?? r.status?.history?.[0];
  return top?.version ?? r.spec.version;
}

/** PhaseCell is a release's phase, with Helm's message when it failed. */
export function PhaseCell({ release }: { release: Release }) {
  const { t } = useTranslation('appstore');
  const phase = release.status?.phase;
  if (phase === 'Failed' && release.status?.message)
    return (
      <Popover headerContent={t('Helm’s message')} bodyContent={release.status.message}>
        <Button variant="link" isInline data-test="phase-message">
          <ReleasePhaseLabel phase={phase} />
        </Button>
      </Popover>
    );
  return <ReleasePhaseLabel phase={phase} />;
}

/**
 * Releases are a project's installed apps: each release's phase (never a
 * silent "creating": an operation under way shows, a failure shows Helm's
 * message), its app, chart version and revision; upgrade and uninstall
 * from the row.
 */
export default function Releases() {
  const { t } = useTranslation('appstore');
  const { namespace = '' } = useParams();
  const navigate = useNavigate();
  const toast = useToast();
  const client = useQueryClient();
  const access = useAccess([
    { verb: 'list', group, resource: 'applicationreleases', namespace },
    { verb: 'update', group, resource: 'applicationreleases', namespace },
    { verb: 'delete', group, resource: 'applicationreleases', namespace },
  ]);
  const [canList, canUpdate, canDelete] = access.allowed;
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true });
  const releases = useReleases(namespace, table.params, canList);
  const [deleting, setDeleting] = useState<Release>();
  if (!access.loaded) return <Loading />;
  if (!canList) return <NoAccess />;
  const install = (
    <Button variant="secondary" onClick={() => void navigate(`${storePage}?namespace=${encodeURIComponent(namespace)}`)} data-test="install-app">
      {t('Install from the app store')}
    </Button>
  );
  return (
    <>
      <PageHeader title={t('Apps')} crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Apps') }]} />
      <PageSection>
        <ResourceTable<Release>
          id="releases"
          ariaLabel={t('Apps')}
          table={table}
          query={releases}
          link={(r) => releasePage(namespace, r.metadata.name)}
          toolbar={install}
          columns={[
            { title: t('Release'), sortKey: 'name', render: (r) => r.metadata.name },
            { title: t('Phase'), render: (r) => <PhaseCell release={r} /> },
            { title: t('App'), render: (r) => r.spec.application },
            { title: t('Chart version'), render: (r) => chartVersion(r) },
            { title: t('Revision'), render: (r) => (r.status?.revision ? String(r.status.revision) : '–') },
            { title: t('Created'), sortKey: 'createTime', render: (r) => <Time ts={r.metadata.creationTimestamp} />, hideBelow: 'lg' },
          ]}
          actions={(r) => [
            ...(canUpdate ? [{ title: t('Upgrade'), isDisabled: !!r.metadata.deletionTimestamp, onClick: (x: Release) => void navigate(upgradePage(namespace, x.metadata.name)) }] : []),
            ...(canDelete ? [{ title: t('Uninstall'), isDanger: true, isDisabled: !!r.metadata.deletionTimestamp, onClick: (x: Release) => setDeleting(x) }] : []),
          ]}
          emptyTitle={t('No apps installed')}
          emptyText={t('Install an app from the app store into this project.')}
          emptyAction={install}
        />
      </PageSection>
      {deleting && (
        <UninstallRelease
          release={deleting}
          onDone={() => {
            void client.invalidateQueries({ queryKey: ['appstore'] });
            toast.success(t('Release {{name}} is uninstalling.', { name: deleting.metadata.name }));
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}

/** UninstallRelease asks for the release's name before Helm uninstalls it. */
export function UninstallRelease({ release, onDone, onClose }: { release: Release; onDone: () => void; onClose: () => void }) {
  const { t } = useTranslation('appstore');
  return (
    <ConfirmDelete
      kind={t('release')}
      name={release.metadata.name}
      extra={<p>{t('Helm uninstalls it: the objects it created are deleted with it.')}</p>}
      onConfirm={async () => {
        await deleteRelease(release.metadata.namespace ?? '', release.metadata.name);
        onDone();
      }}
      onClose={onClose}
    />
  );
}
