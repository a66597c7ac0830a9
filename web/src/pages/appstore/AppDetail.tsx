import {
  Button,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Flex,
  FlexItem,
  FormSelect,
  FormSelectOption,
  Label,
  LabelGroup,
  PageSection,
  Tab,
  TabTitleText,
  Tabs,
  Title,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useAccess } from '../../api/access';
import {
  actionsFor,
  appTitle,
  appWorkspace,
  deleteApp,
  deleteVersion,
  group,
  latestComment,
  useApp,
  useVersionFiles,
  useVersions,
  type ApplicationVersion,
  type VersionAction,
} from '../../api/appstore';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { PageHeader, type Crumb } from '../../components/PageHeader';
import { PageError } from '../../components/PageState';
import { Time } from '../../components/Time';
import { useToast } from '../../components/Toast';
import { AppIcon, ReviewHistory, ReviewStateLabel, useActionTitles, VersionActionModal } from './parts';
import { deployPage, storePage, templatesPage } from './paths';

/**
 * AppDetail is an app's page: its icon, description, maintainers and
 * links; a version's README, default values and review history; the
 * versions with their state in the review workflow and the steps the user
 * may take (a workspace's developers submit, withdraw and release; app
 * reviewers approve, reject, suspend); and Deploy for a version in the
 * store. Under a workspace (its app templates) it also deletes.
 */
export default function AppDetail() {
  const { t } = useTranslation('appstore');
  const { app: name = '', workspace } = useParams();
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const toast = useToast();
  const client = useQueryClient();
  const app = useApp(name);
  const versions = useVersions(name);
  const ws = app.data ? appWorkspace(app.data) : workspace;
  const access = useAccess([
    { verb: 'update', group, resource: 'applications', workspace: ws },
    { verb: 'review', group, resource: 'applicationversions' },
    { verb: 'delete', group, resource: 'applications', workspace: ws },
  ]);
  // A developer may update the apps of the app's workspace (of the platform, for a platform app: manage-app-store).
  const [developer, reviewer, canDelete] = access.allowed;
  const list = versions.data ?? [];
  // The version shown: the one in the address, else the newest in the store, else the newest.
  const chosen = list.find((v) => v.metadata.name === search.get('version')) ?? list.find((v) => v.spec.state === 'active') ?? list[0];
  const files = useVersionFiles(name, chosen?.metadata.name);
  const [tab, setTab] = useState<string | number>('readme');
  const [acting, setActing] = useState<{ version: ApplicationVersion; action: VersionAction }>();
  const [deleting, setDeleting] = useState<{ version?: ApplicationVersion }>();
  const titles = useActionTitles();
  const refresh = () => void client.invalidateQueries({ queryKey: ['appstore'] });
  const choose = (ver: string) =>
    setSearch(
      (prev) => {
        const next = new URLSearchParams(prev);
        next.set('version', ver);
        return next;
      },
      { replace: true },
    );

  if (app.error) return <PageError error={app.error} onRetry={() => void app.refetch()} />;
  if (!app.data) return <Loading />;
  const a = app.data;
  const crumbs: Crumb[] = workspace
    ? [{ title: workspace, to: `/workspaces/${workspace}/overview` }, { title: t('App templates'), to: templatesPage(workspace) }, { title: appTitle(a) }]
    : [{ title: t('App store'), to: storePage }, { title: appTitle(a) }];
  const who = { developer, reviewer };
  const deploy = chosen?.spec.state === 'active' && (
    <Button onClick={() => void navigate(deployPage(a.metadata.name, { version: chosen.metadata.name, namespace: search.get('namespace') ?? undefined }))} data-test="deploy">
      {t('Deploy')}
    </Button>
  );
  return (
    <>
      <PageHeader
        title={
          <Flex alignItems={{ default: 'alignItemsCenter' }} component="span">
            <FlexItem component="span">
              <AppIcon icon={files.data?.chart.icon || a.spec.icon} />
            </FlexItem>
            <FlexItem component="span">{appTitle(a)}</FlexItem>
            <FlexItem component="span">
              <ReviewStateLabel state={a.status?.state} test="app-state" />
            </FlexItem>
          </Flex>
        }
        crumbs={crumbs}
        actions={
          <Flex>
            {deploy}
            {canDelete && (
              <Button variant="secondary" isDanger onClick={() => setDeleting({})} data-test="delete-app">
                {t('Delete app')}
              </Button>
            )}
          </Flex>
        }
      >
        <p data-test="app-description">{a.spec.description}</p>
      </PageHeader>
      <PageSection>
        <DescriptionList isHorizontal isCompact columnModifier={{ default: '1Col', lg: '2Col' }}>
          <DescriptionListGroup>
            <DescriptionListTerm>{t('Chart')}</DescriptionListTerm>
            <DescriptionListDescription data-test="chart-name">{a.spec.chartName}</DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>{t('Latest version')}</DescriptionListTerm>
            <DescriptionListDescription>{a.status?.latestActiveVersion || a.status?.latestVersion || '–'}</DescriptionListDescription>
          </DescriptionListGroup>
          {ws && (
            <DescriptionListGroup>
              <DescriptionListTerm>{t('Workspace')}</DescriptionListTerm>
              <DescriptionListDescription>{ws}</DescriptionListDescription>
            </DescriptionListGroup>
          )}
          {a.spec.home && (
            <DescriptionListGroup>
              <DescriptionListTerm>{t('Home page')}</DescriptionListTerm>
              <DescriptionListDescription>
                {/^https?:\/\//i.test(a.spec.home) ? (
                  <a href={a.spec.home} target="_blank" rel="noopener noreferrer">
                    {a.spec.home}
                  </a>
                ) : (
                  a.spec.home
                )}
              </DescriptionListDescription>
            </DescriptionListGroup>
          )}
          {(a.spec.maintainers?.length ?? 0) > 0 && (
            <DescriptionListGroup>
              <DescriptionListTerm>{t('Maintainers')}</DescriptionListTerm>
              <DescriptionListDescription>{a.spec.maintainers!.map((m) => (m.email ? `${m.name} <${m.email}>` : m.name)).join(', ')}</DescriptionListDescription>
            </DescriptionListGroup>
          )}
          {((a.spec.categories?.length ?? 0) > 0 || (a.spec.keywords?.length ?? 0) > 0) && (
            <DescriptionListGroup>
              <DescriptionListTerm>{t('Categories and keywords')}</DescriptionListTerm>
              <DescriptionListDescription>
                <LabelGroup>
                  {a.spec.categories?.map((c) => (
                    <Label key={`c-${c}`} isCompact color="blue" render={({ className, content }) => <Link className={className} to={`${storePage}?category=${encodeURIComponent(c)}`}>{content}</Link>}>
                      {c}
                    </Label>
                  ))}
                  {a.spec.keywords?.map((k) => (
                    <Label key={`k-${k}`} isCompact>
                      {k}
                    </Label>
                  ))}
                </LabelGroup>
              </DescriptionListDescription>
            </DescriptionListGroup>
          )}
        </DescriptionList>
      </PageSection>
      <PageSection>
        {versions.error ? <ErrorAlert error={versions.error} onRetry={() => void versions.refetch()} /> : null}
        {list.length > 0 && (
          <Flex alignItems={{ default: 'alignItemsCenter' }}>
            <FlexItem>
              <FormSelect
                aria-label={t('Version')}
                value={chosen?.metadata.name ?? ''}
                onChange={(_e, v) => choose(v)}
                data-test="version-select"
              >
                {list.map((v) => (
                  <FormSelectOption key={v.metadata.name} value={v.metadata.name} label={`${v.spec.version}${v.spec.appVersion ? ` (${v.spec.appVersion})` : ''}`} />
                ))}
              </FormSelect>
            </FlexItem>
            {chosen && (
              <FlexItem>
                <ReviewStateLabel state={chosen.spec.state} test="version-state" />
              </FlexItem>
            )}
          </Flex>
        )}
        <Tabs activeKey={tab} onSelect={(_e, k) => setTab(k)} aria-label={t('About the version')} mountOnEnter>
          <Tab eventKey="readme" title={<TabTitleText>{t('README')}</TabTitleText>} data-test="tab-readme">
            {files.error ? <ErrorAlert error={files.error} /> : null}
            {files.data && (files.data.readme ? <pre className="ke-readme" data-test="readme" role="region" aria-label={t('README')} tabIndex={0}>{files.data.readme}</pre> : <p data-test="readme-none">{t('This chart has no README.')}</p>)}
          </Tab>
          <Tab eventKey="values" title={<TabTitleText>{t('Default values')}</TabTitleText>} data-test="tab-values">
            {files.data && (
              <>
                <pre className="ke-readme" data-test="default-values" role="region" aria-label={t('Default values')} tabIndex={0}>
                  {files.data.values || t('(none)')}
                </pre>
                {files.data.schema && <p data-test="has-schema">{t('The chart has a values schema: the deploy form is made from it, and values that break it are refused.')}</p>}
              </>
            )}
          </Tab>
          <Tab eventKey="versions" title={<TabTitleText>{t('Versions')}</TabTitleText>} data-test="tab-versions">
            <Table aria-label={t('Versions')} variant="compact" data-test="versions">
              <Thead>
                <Tr>
                  <Th>{t('Version')}</Th>
                  <Th>{t('App version')}</Th>
                  <Th>{t('State')}</Th>
                  <Th>{t('Last comment')}</Th>
                  <Th>{t('Created')}</Th>
                  <Th screenReaderText={t('Actions')} />
                </Tr>
              </Thead>
              <Tbody>
                {list.map((v) => {
                  const comment = latestComment(v);
                  const actions = actionsFor(v.spec.state, who);
                  return (
                    <Tr key={v.metadata.name} data-test={`version-${v.spec.version}`}>
                      <Td dataLabel={t('Version')}>
                        <Button variant="link" isInline onClick={() => choose(v.metadata.name)}>
                          {v.spec.version}
                        </Button>
                      </Td>
                      <Td dataLabel={t('App version')}>{v.spec.appVersion}</Td>
                      <Td dataLabel={t('State')}>
                        <ReviewStateLabel state={v.spec.state} />
                      </Td>
                      <Td dataLabel={t('Last comment')} data-test="last-comment">
                        {comment ? `${comment.user}: ${comment.message}` : ''}
                      </Td>
                      <Td dataLabel={t('Created')}>
                        <Time ts={v.spec.created ?? v.metadata.creationTimestamp} />
                      </Td>
                      <Td isActionCell>
                        <Flex spaceItems={{ default: 'spaceItemsSm' }} flexWrap={{ default: 'nowrap' }}>
                          {actions.map((act) => (
                            <Button key={act} size="sm" variant={act === 'reject' || act === 'suspend' ? 'secondary' : 'primary'} isDanger={act === 'reject' || act === 'suspend'} onClick={() => setActing({ version: v, action: act })} data-test={`action-${act}`}>
                              {titles[act]}
                            </Button>
                          ))}
                          {canDelete && v.spec.state !== 'active' && (
                            <Button size="sm" variant="link" isDanger onClick={() => setDeleting({ version: v })} data-test="delete-version">
                              {t('Delete')}
                            </Button>
                          )}
                        </Flex>
                      </Td>
                    </Tr>
                  );
                })}
              </Tbody>
            </Table>
          </Tab>
          <Tab eventKey="reviews" title={<TabTitleText>{t('Review history')}</TabTitleText>} data-test="tab-reviews">
            {chosen && (
              <>
                <Title headingLevel="h2" size="md">
                  {t('Version {{version}}', { version: chosen.spec.version })}
                </Title>
                <ReviewHistory reviews={chosen.spec.reviews} />
              </>
            )}
          </Tab>
        </Tabs>
      </PageSection>
      {acting && (
        <VersionActionModal
          version={acting.version}
          action={acting.action}
          onDone={(v) => {
            refresh();
            toast.success(t('{{app}} {{version}}: {{action}} done.', { app: v.spec.application, version: v.spec.version, action: titles[acting.action] }));
          }}
          onClose={() => setActing(undefined)}
        />
      )}
      {deleting && (
        <ConfirmDelete
          kind={deleting.version ? t('version') : t('app')}
          name={deleting.version ? deleting.version.spec.version : a.metadata.name}
          onConfirm={async () => {
            if (deleting.version) {
              await deleteVersion(a.metadata.name, deleting.version.metadata.name);
              refresh();
              toast.success(t('Version {{version}} is deleted.', { version: deleting.version.spec.version }));
            } else {
              await deleteApp(a.metadata.name);
              refresh();
              toast.success(t('App {{name}} is deleted.', { name: a.metadata.name }));
              void navigate(workspace ? templatesPage(workspace) : storePage);
            }
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}
