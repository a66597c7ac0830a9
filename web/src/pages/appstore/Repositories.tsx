import { Button, Checkbox, FormGroup, Label, PageSection, Popover, TextInput } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useAccess } from '../../api/access';
import { fieldError } from '../../api/errors';
import { createRepo, deleteRepo, group, syncPending, syncRepo, useRepos, type Repository } from '../../api/appstore';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { isDNSLabel } from '../../components/format';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { PasswordInput } from '../../components/PasswordInput';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { Time } from '../../components/Time';
import { useToast } from '../../components/Toast';

/** SyncState is a repository's last sync: synced, failed (with its error), or under way. */
export function SyncState({ repo }: { repo: Repository }) {
  const { t } = useTranslation('appstore');
  const err = repo.status?.syncError;
  if (err)
    return (
      <Popover headerContent={t('The last sync failed')} bodyContent={err}>
        <Button variant="link" isInline isDanger data-test="sync-state" data-state="failed">
          {t('Sync failed')}
        </Button>
      </Popover>
    );
  if (syncPending(repo))
    return (
      <Label isCompact color="blue" data-test="sync-state" data-state="syncing">
        {t('Syncing')}
      </Label>
    );
  return (
    <Label isCompact color="green" data-test="sync-state" data-state="synced">
      {t('Synced')}
    </Label>
  );
}

/**
 * Repositories are the Helm chart repositories (HTTP or OCI) whose charts
 * ke-controller-manager syncs into apps: the platform's (their apps go to
 * the store, reviewed unless the repository is trusted) or a workspace's
 * (its app templates). Each shows its last sync and its error.
 */
export default function Repositories() {
  const { t } = useTranslation('appstore');
  const { workspace } = useParams();
  const toast = useToast();
  const client = useQueryClient();
  const access = useAccess([
    { verb: 'list', group, resource: 'repositories', workspace },
    { verb: 'create', group, resource: 'repositories', workspace },
    { verb: 'update', group, resource: 'repositories', workspace },
    { verb: 'delete', group, resource: 'repositories', workspace },
  ]);
  const [canList, canCreate, canUpdate, canDelete] = access.allowed;
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true });
  const repos = useRepos(workspace, table.params, canList);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Repository>();
  const refresh = () => void client.invalidateQueries({ queryKey: ['appstore'] });
  if (!access.loaded) return <Loading />;
  if (!canList) return <NoAccess />;
  const add = (
    <Button onClick={() => setCreating(true)} data-test="add-repository">
      {t('Add a repository')}
    </Button>
  );
  return (
    <>
      <PageHeader
        title={t('App repositories')}
        crumbs={workspace ? [{ title: workspace, to: `/workspaces/${workspace}/overview` }, { title: t('App repositories') }] : undefined}
      >
        <p>{workspace ? t('Helm repositories whose charts become this workspace’s app templates, as drafts to review.') : t('Helm repositories whose charts go to the store: reviewed first, unless the repository is trusted.')}</p>
      </PageHeader>
      <PageSection>
        <ResourceTable<Repository>
          id="repositories"
          ariaLabel={t('App repositories')}
          table={table}
          query={repos}
          toolbar={canCreate ? add : undefined}
          columns={[
            {
              title: t('Name'),
              sortKey: 'name',
              render: (r) => (
                <>
                  {r.spec.displayName || r.metadata.name}{' '}
                  {r.spec.trusted && (
                    <Label isCompact color="purple" data-test="trusted">
                      {t('Trusted')}
                    </Label>
                  )}
                </>
              ),
            },
            { title: t('URL'), render: (r) => <code>{r.spec.url}</code> },
            { title: t('Sync'), render: (r) => <SyncState repo={r} /> },
            { title: t('Apps'), render: (r) => (r.status?.applications !== undefined ? t('{{apps}} apps, {{versions}} versions', { apps: r.status.applications, versions: r.status.versions ?? 0 }) : '–') },
            { title: t('Last sync'), render: (r) => <Time ts={r.status?.lastSyncTime} />, hideBelow: 'lg' },
          ]}
          actions={() => [
            ...(canUpdate
              ? [
                  {
                    title: t('Sync now'),
                    onClick: (x: Repository) =>
                      void syncRepo(x.metadata.name).then(
                        () => {
                          refresh();
                          toast.info(t('Repository {{name}} is syncing.', { name: x.metadata.name }));
                        },
                        (e: unknown) => toast.warning(t('The sync could not be asked for.'), e instanceof Error ? e.message : String(e)),
                      ),
                  },
                ]
              : []),
            ...(canDelete ? [{ title: t('Delete'), isDanger: true, onClick: (x: Repository) => setDeleting(x) }] : []),
          ]}
          emptyTitle={t('No repositories')}
          emptyText={canCreate ? t('Add a Helm repository (https://… with an index.yaml, or oci://…) to sync its charts.') : t('There are no repositories here.')}
          emptyAction={canCreate ? add : undefined}
        />
      </PageSection>
      {creating && (
        <AddRepository
          workspace={workspace}
          onDone={(name) => {
            refresh();
            toast.success(t('Repository {{name}} is added.', { name }), t('Its first sync starts now.'));
          }}
          onClose={() => setCreating(false)}
        />
      )}
      {deleting && (
        <ConfirmDelete
          kind={t('repository')}
          name={deleting.metadata.name}
          extra={<p>{t('Its charts are no longer synced.')}</p>}
          onConfirm={async () => {
            await deleteRepo(deleting.metadata.name);
            refresh();
            toast.success(t('Repository {{name}} is deleted.', { name: deleting.metadata.name }));
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}

function AddRepository({ workspace, onDone, onClose }: { workspace?: string; onDone: (name: string) => void; onClose: () => void }) {
  const { t } = useTranslation('appstore');
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [interval, setInterval] = useState('');
  const [trusted, setTrusted] = useState(false);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const urlOK = /^(https?|oci):\/\/\S+$/i.test(url.trim());
  const intervalOK = interval.trim() === '' || /^(\d+h)?(\d+m)?(\d+s)?$/.test(interval.trim());
  return (
    <FormModal
      title={t('Add a repository')}
      test="add-repository"
      submitLabel={t('Add')}
      canSubmit={isDNSLabel(name) && urlOK && intervalOK}
      shownFields={['metadata.name', 'spec.url', 'spec.syncInterval']}
      onSubmit={async () => {
        await createRepo(workspace, { name, url: url.trim(), syncInterval: interval.trim() || undefined, trusted, username, password });
        onDone(name);
      }}
      onClose={onClose}
    >
      {(d) => (
        <>
          <FormGroup label={t('Name')} fieldId="repo-name" isRequired>
            <TextInput id="repo-name" value={name} onChange={(_e, v) => setName(v)} data-test="repo-name" autoFocus />
            <FieldHelp rule={t('Lowercase letters, digits and hyphens.')} error={fieldError(d, 'metadata.name') ?? (name && !isDNSLabel(name) ? t('Lowercase letters, digits and hyphens.') : undefined)} test="repo-name" />
          </FormGroup>
          <FormGroup label={t('URL')} fieldId="repo-url" isRequired>
            <TextInput id="repo-url" value={url} onChange={(_e, v) => setUrl(v)} placeholder="https://charts.example.com" data-test="repo-url" />
            <FieldHelp rule={t('An HTTP(S) repository (its index.yaml is read) or an OCI registry (oci://host/path).')} error={fieldError(d, 'spec.url') ?? (url && !urlOK ? t('Starts with https://, http:// or oci://.') : undefined)} test="repo-url" />
          </FormGroup>
          <FormGroup label={t('Sync interval')} fieldId="repo-interval">
            <TextInput id="repo-interval" value={interval} onChange={(_e, v) => setInterval(v)} placeholder="1h" data-test="repo-interval" />
            <FieldHelp rule={t('Such as 1h or 30m, at least 5m; empty syncs only when asked.')} error={fieldError(d, 'spec.syncInterval') ?? (!intervalOK ? t('Such as 1h or 30m, at least 5m; empty syncs only when asked.') : undefined)} test="repo-interval" />
          </FormGroup>
          <FormGroup label={t('User name')} fieldId="repo-username">
            <TextInput id="repo-username" value={username} onChange={(_e, v) => setUsername(v)} autoComplete="off" data-test="repo-username" />
          </FormGroup>
          <FormGroup label={t('Password or token')} fieldId="repo-password">
            <PasswordInput id="repo-password" value={password} onChange={setPassword} autoComplete="new-password" test="repo-password" />
            <FieldHelp rule={t('Optional. Kept in a Secret of the platform, never shown again.')} />
          </FormGroup>
          {!workspace && (
            <FormGroup fieldId="repo-trusted">
              <Checkbox id="repo-trusted" label={t('Trusted: its charts go to the store without review (platform administrators only)')} isChecked={trusted} onChange={(_e, v) => setTrusted(v)} data-test="repo-trusted" />
            </FormGroup>
          )}
        </>
      )}
    </FormModal>
  );
}
