import {
  Button,
  Card,
  CardBody,
  CardTitle,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Flex,
  Grid,
  GridItem,
  PageSection,
  Stack,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { useCan } from '../../api/access';
import { useUser } from '../../api/iam';
import { useGlobalRoles, usePlatformRoles, useWorkspaceBindings } from '../../api/platformRoles';
import { roleTitle, userRefLabel } from '../../api/roles';
import { workspaceLabel, type Binding } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { age, formatTime } from '../../components/format';
import { Loading } from '../../components/Loading';
import { LoginHistory } from '../../components/LoginHistory';
import { PageHeader } from '../../components/PageHeader';
import { PageError } from '../../components/PageState';
import { ResourceTable } from '../../components/ResourceTable';
import { StatusLabel } from '../../components/StatusLabel';
import { languages } from '../../i18n';
import { UserActions, type UserAction } from './UserActions';
import { UserForm } from './UserForm';

function Details({ rows }: { rows: [string, ReactNode, string?][] }) {
  return (
    <DescriptionList isHorizontal isCompact>
      {rows.map(([term, value, test]) => (
        <DescriptionListGroup key={term}>
          <DescriptionListTerm>{term}</DescriptionListTerm>
          <DescriptionListDescription data-test={test}>{value}</DescriptionListDescription>
        </DescriptionListGroup>
      ))}
    </DescriptionList>
  );
}

/** WorkspaceRoles lists the workspaces a user is a member of, with the role in each. */
function WorkspaceRoles({ username }: { username: string }) {
  const { t } = useTranslation('platform');
  const [may] = useCan([{ verb: 'list', group: 'iam.superkube.io', resource: 'workspacerolebindings' }]);
  const q = useWorkspaceBindings(username, may);
  if (!may) return <p className="ke-subtle">{t('You may not see the workspaces of users.')}</p>;
  if (q.error) return <ErrorAlert error={q.error} onRetry={() => void q.refetch()} />;
  if (!q.data) return <Loading />;
  if (q.data.items.length === 0) return <p data-test="user-workspaces-empty">{t('Not a member of any workspace.')}</p>;
  return (
    <Table aria-label={t('Workspaces')} variant="compact" data-test="user-workspaces">
      <Thead>
        <Tr>
          <Th>{t('Workspace')}</Th>
          <Th>{t('Role')}</Th>
          <Th>{t('Since')}</Th>
        </Tr>
      </Thead>
      <Tbody>
        {q.data.items.map((b) => {
          const ws = b.metadata.labels?.[workspaceLabel] ?? '';
          return (
            <Tr key={b.metadata.name} data-test={`row-${ws}`}>
              <Td dataLabel={t('Workspace')}>
                <Link to={`/workspaces/${ws}/overview`}>{ws}</Link>
              </Td>
              <Td dataLabel={t('Role')}>{roleTitle('workspace', b.roleRef.name, t, { workspace: ws })}</Td>
              <Td dataLabel={t('Since')}>{age(b.metadata.creationTimestamp)}</Td>
            </Tr>
          );
        })}
      </Tbody>
    </Table>
  );
}

/** ProjectRoles lists the projects a user is a member of, with the role in each (the user's own bindings, not those the workspace gives). */
function ProjectRoles({ username }: { username: string }) {
  const { t } = useTranslation('platform');
  return (
    <ResourceTable<Binding>
      id="user-projects"
      ariaLabel={t('Projects')}
      resource="rolebindings"
      params={{ labelSelector: `${userRefLabel}=${username},iam.superkube.io/scope=namespace` }}
      perPage={5}
      nameFilter={false}
      defaultSortBy="name"
      defaultAscending
      columns={[
        { title: t('Project'), render: (b) => <Link to={`/projects/${b.metadata.namespace}/overview`}>{b.metadata.namespace}</Link> },
        { title: t('Role'), render: (b) => roleTitle('namespace', b.roleRef.name, t) },
        { title: t('Since'), sortKey: 'createTime', render: (b) => age(b.metadata.creationTimestamp) },
      ]}
      emptyTitle={t('In no project')}
      emptyText={t('Not a member of any project of its own (workspace roles may still reach projects).')}
    />
  );
}

/**
 * UserDetail is one user: profile, platform role, the workspaces and
 * projects they belong to with their roles, login history, and what an
 * administrator does to them (edit, reset the password, disable, unlock,
 * delete).
 */
export default function UserDetail() {
  const { name = '' } = useParams();
  const { t, i18n } = useTranslation('platform');
  const navigate = useNavigate();
  const q = useUser(name);
  const platform = usePlatformRoles([name]);
  const globalRoles = useGlobalRoles(platform.allowed);
  const [editing, setEditing] = useState(false);
  const [acting, setActing] = useState<UserAction>();
  const [canUpdate, canDelete, canRecords] = useCan([
    { verb: 'update', group: 'iam.superkube.io', resource: 'users', name },
    { verb: 'delete', group: 'iam.superkube.io', resource: 'users', name },
    { verb: 'list', group: 'iam.superkube.io', resource: 'loginrecords' },
  ]);
  if (q.isLoading) return <Loading />;
  if (q.error || !q.data) return <PageError error={q.error} onRetry={() => void q.refetch()} />;
  const u = q.data;
  const state = u.status?.state ?? 'pending';
  const lang = languages.find((l) => l.code === u.spec.lang)?.label ?? '-';
  const roles = platform.roles[name] ?? [];
  return (
    <>
      <PageHeader
        title={
          <>
            {u.spec.displayName || name} <StatusLabel status={state} />
          </>
        }
        crumbs={[{ title: t('Users'), to: '/platform/users' }, { title: name }]}
        actions={
          <Flex>
            {canUpdate && (
              <>
                <Button variant="secondary" onClick={() => setEditing(true)} data-test="edit-user">
                  {t('Edit')}
                </Button>
                <Button variant="secondary" onClick={() => setActing('password')} data-test="reset-password">
                  {t('Reset password')}
                </Button>
                {state === 'AuthLimitExceeded' && (
                  <Button variant="secondary" onClick={() => setActing('unlock')} data-test="unlock-user">
                    {t('Unlock')}
                  </Button>
                )}
                {state === 'Disabled' ? (
                  <Button variant="secondary" onClick={() => setActing('enable')} data-test="enable-user">
                    {t('Enable')}
                  </Button>
                ) : (
                  <Button variant="secondary" onClick={() => setActing('disable')} data-test="disable-user">
                    {t('Disable')}
                  </Button>
                )}
              </>
            )}
            {canDelete && (
              <Button variant="danger" onClick={() => setActing('delete')} data-test="delete-user">
                {t('Delete')}
              </Button>
            )}
          </Flex>
        }
      />
      <PageSection>
        <Grid hasGutter>
          <GridItem lg={6}>
            <Card isFullHeight data-test="user-profile">
              <CardTitle>{t('Profile')}</CardTitle>
              <CardBody>
                <Details
                  rows={[
                    [t('User name'), name, 'user-username'],
                    [t('Display name'), u.spec.displayName || '-'],
                    [t('E-mail'), u.spec.email || '-', 'user-email'],
                    [t('Language'), lang],
                    [t('Status'), <StatusLabel key="s" status={state} />],
                    ...(u.status?.lockedUntil ? ([[t('Locked until'), formatTime(u.status.lockedUntil, i18n.language)]] as [string, ReactNode][]) : []),
                    [t('Last login'), u.status?.lastLoginTime ? formatTime(u.status.lastLoginTime, i18n.language) : t('Never')],
                    [t('Password changed'), u.status?.passwordChangedAt ? formatTime(u.status.passwordChangedAt, i18n.language) : '-'],
                    ...(u.spec.passwordChangeRequired ? ([[t('Password'), t('Must be changed at the next login')]] as [string, ReactNode][]) : []),
                    [t('Groups'), u.status?.groups?.join(', ') || '-'],
                    [t('Created'), formatTime(u.metadata.creationTimestamp, i18n.language)],
                  ]}
                />
              </CardBody>
            </Card>
          </GridItem>
          <GridItem lg={6}>
            <Stack hasGutter>
              <Card data-test="user-platform-role-card">
                <CardTitle>{t('Platform role')}</CardTitle>
                <CardBody>
                  {!platform.allowed ? (
                    <p className="ke-subtle">{t('You may not see platform roles.')}</p>
                  ) : !platform.loaded ? (
                    <Loading />
                  ) : (
                    <Flex alignItems={{ default: 'alignItemsCenter' }} gap={{ default: 'gapMd' }}>
                      <strong data-test="user-platform-role">{roles.map((r) => roleTitle('global', r, t, { role: globalRoles.find((x) => x.metadata.name === r) })).join(', ') || t('None')}</strong>
                      {canUpdate && (
                        <Button variant="link" isInline onClick={() => setEditing(true)} data-test="change-platform-role">
                          {t('Change the platform role')}
                        </Button>
                      )}
                    </Flex>
                  )}
                </CardBody>
              </Card>
              <Card>
                <CardTitle>{t('Workspaces')}</CardTitle>
                <CardBody>
                  <WorkspaceRoles username={name} />
                </CardBody>
              </Card>
              <Card>
                <CardTitle>{t('Projects')}</CardTitle>
                <CardBody>
                  <ProjectRoles username={name} />
                </CardBody>
              </Card>
            </Stack>
          </GridItem>
          {canRecords && (
            <GridItem span={12}>
              <Card data-test="user-logins">
                <CardTitle>{t('Login history')}</CardTitle>
                <CardBody>
                  <LoginHistory username={name} />
                </CardBody>
              </Card>
            </GridItem>
          )}
        </Grid>
      </PageSection>
      {editing && <UserForm user={u} onClose={() => setEditing(false)} />}
      {acting && <UserActions user={u} action={acting} onClose={() => setActing(undefined)} onDeleted={() => void navigate('/platform/users')} />}
    </>
  );
}
