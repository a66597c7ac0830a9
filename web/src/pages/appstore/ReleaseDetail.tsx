import {
  Alert,
  Button,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  Flex,
  Label,
  PageSection,
  Tab,
  TabTitleText,
  Tabs,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { useAccess } from '../../api/access';
import { group, isBusy, operatorAnnotation, releaseReady, rollbackRelease, useRelease, type ReleaseRevision } from '../../api/appstore';
import { kinds } from '../../api/kinds';
import { ConfirmAction } from '../../components/ConfirmAction';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { PageError } from '../../components/PageState';
import { Time } from '../../components/Time';
import { useToast } from '../../components/Toast';
import { ReleasePhaseLabel } from './parts';
import { appPage, releasesPage, upgradePage } from './paths';
import { chartVersion, UninstallRelease } from './Releases';

/** resourceLink is the console's page of an object a release made, when the console has one. */
export function resourceLink(namespace: string, kind: string, name: string): string | undefined {
  const k = Object.values(kinds).find((x) => x.kind === kind && x.namespaced);
  return k ? `/projects/${namespace}/${k.resource}/${name}` : undefined;
}

/**
 * ReleaseDetail is a release: its phase and Helm's message (a failure's
 * error as Helm says it), the operation under way, its revision history
 * with a rollback to any earlier revision, the objects it made and whether
 * they are ready, its notes and values; upgrade and uninstall.
 */
export default function ReleaseDetail() {
  const { t } = useTranslation('appstore');
  const { namespace = '', name = '' } = useParams();
  const navigate = useNavigate();
  const toast = useToast();
  const client = useQueryClient();
  const release = useRelease(namespace, name);
  const [canUpdate, canDelete] = useAccess([
    { verb: 'update', group, resource: 'applicationreleases', namespace, name },
    { verb: 'delete', group, resource: 'applicationreleases', namespace, name },
  ]).allowed;
  const [tab, setTab] = useState<string | number>('overview');
  const [rolling, setRolling] = useState<ReleaseRevision>();
  const [deleting, setDeleting] = useState(false);
  if (release.error) return <PageError error={release.error} onRetry={() => void release.refetch()} />;
  if (!release.data) return <Loading />;
  const r = release.data;
  const st = r.status ?? {};
  const busy = isBusy(r);
  const gone = !!r.metadata.deletionTimestamp;
  const ready = releaseReady(r);
  const refresh = () => void client.invalidateQueries({ queryKey: ['appstore'] });
  return (
    <>
      <PageHeader
        title={
          <>
            {r.metadata.name} <ReleasePhaseLabel phase={st.phase} />
          </>
        }
        crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Apps'), to: releasesPage(namespace) }, { title: r.metadata.name }]}
        actions={
          <Flex>
            {canUpdate && (
              <Button onClick={() => void navigate(upgradePage(namespace, r.metadata.name))} isDisabled={gone} data-test="upgrade">
                {t('Upgrade')}
              </Button>
            )}
            {canDelete && (
              <Button variant="secondary" isDanger onClick={() => setDeleting(true)} isDisabled={gone} data-test="uninstall">
                {t('Uninstall')}
              </Button>
            )}
          </Flex>
        }
      />
      <PageSection>
        {st.phase === 'Failed' && (
          <Alert variant="danger" isInline title={t('The last operation failed')} data-test="release-failed">
            <p data-test="release-message">{st.message || t('Helm gave no message.')}</p>
          </Alert>
        )}
        {busy && !gone && (
          <Alert variant="info" isInline title={t('An operation is under way')} data-test="release-busy">
            {st.operation ? t('{{type}} as {{user}}, started {{since}}.', { type: st.operation.type, user: st.operation.user ?? '', since: new Date(st.operation.startedAt).toLocaleString() }) : t('Waiting for ke-controller-manager.')}
          </Alert>
        )}
        {gone && <Alert variant="warning" isInline title={t('Helm is uninstalling this release.')} data-test="release-uninstalling" />}
        {st.phase === 'Deployed' && ready && ready.status !== 'True' && (
          <Alert variant="warning" isInline title={t('Deployed, not ready yet')} data-test="release-not-ready">
            {ready.message}
          </Alert>
        )}
      </PageSection>
      <PageSection>
        <Tabs activeKey={tab} onSelect={(_e, k) => setTab(k)} aria-label={t('Release')} mountOnEnter>
          <Tab eventKey="overview" title={<TabTitleText>{t('Overview')}</TabTitleText>} data-test="tab-overview">
            <DescriptionList isHorizontal isCompact columnModifier={{ default: '1Col', lg: '2Col' }}>
              <DescriptionListGroup>
                <DescriptionListTerm>{t('App')}</DescriptionListTerm>
                <DescriptionListDescription>
                  <Link to={appPage(r.spec.application)}>{r.spec.application}</Link>
                </DescriptionListDescription>
              </DescriptionListGroup>
              <DescriptionListGroup>
                <DescriptionListTerm>{t('Chart version')}</DescriptionListTerm>
                <DescriptionListDescription data-test="release-version">{chartVersion(r)}</DescriptionListDescription>
              </DescriptionListGroup>
              <DescriptionListGroup>
                <DescriptionListTerm>{t('Revision')}</DescriptionListTerm>
                <DescriptionListDescription data-test="release-revision">{st.revision ?? '–'}</DescriptionListDescription>
              </DescriptionListGroup>
              <DescriptionListGroup>
                <DescriptionListTerm>{t('Ready')}</DescriptionListTerm>
                <DescriptionListDescription data-test="release-ready" data-status={ready?.status ?? 'Unknown'}>
                  {ready ? (ready.status === 'True' ? t('Yes') : `${t('No')}${ready.message ? `: ${ready.message}` : ''}`) : '–'}
                </DescriptionListDescription>
              </DescriptionListGroup>
              <DescriptionListGroup>
                <DescriptionListTerm>{t('Installed as')}</DescriptionListTerm>
                <DescriptionListDescription>{r.metadata.annotations?.[operatorAnnotation] ?? '–'}</DescriptionListDescription>
              </DescriptionListGroup>
              <DescriptionListGroup>
                <DescriptionListTerm>{t('Created')}</DescriptionListTerm>
                <DescriptionListDescription>
                  <Time ts={r.metadata.creationTimestamp} />
                </DescriptionListDescription>
              </DescriptionListGroup>
              {st.message && st.phase !== 'Failed' && (
                <DescriptionListGroup>
                  <DescriptionListTerm>{t('Helm’s message')}</DescriptionListTerm>
                  <DescriptionListDescription>{st.message}</DescriptionListDescription>
                </DescriptionListGroup>
              )}
            </DescriptionList>
            {st.notes && (
              <>
                <h2 className="pf-v6-c-title pf-m-md ke-section-title">{t('Notes')}</h2>
                <pre className="ke-readme" data-test="release-notes" role="region" aria-label={t('Notes')} tabIndex={0}>
                  {st.notes}
                </pre>
              </>
            )}
          </Tab>
          <Tab eventKey="history" title={<TabTitleText>{t('Revision history')}</TabTitleText>} data-test="tab-history">
            <Table aria-label={t('Revision history')} variant="compact" data-test="history">
              <Thead>
                <Tr>
                  <Th>{t('Revision')}</Th>
                  <Th>{t('Chart version')}</Th>
                  <Th>{t('App version')}</Th>
                  <Th>{t('Status')}</Th>
                  <Th>{t('Updated')}</Th>
                  <Th>{t('Description')}</Th>
                  <Th screenReaderText={t('Actions')} />
                </Tr>
              </Thead>
              <Tbody>
                {(st.history ?? []).map((h) => (
                  <Tr key={h.revision} data-test={`revision-${h.revision}`}>
                    <Td dataLabel={t('Revision')}>{h.revision}</Td>
                    <Td dataLabel={t('Chart version')}>{h.version}</Td>
                    <Td dataLabel={t('App version')}>{h.appVersion}</Td>
                    <Td dataLabel={t('Status')}>
                      <Label isCompact color={h.status === 'deployed' ? 'green' : h.status === 'failed' ? 'red' : 'grey'} data-test="revision-status">
                        {h.status}
                      </Label>
                    </Td>
                    <Td dataLabel={t('Updated')}>
                      <Time ts={h.updated} />
                    </Td>
                    <Td dataLabel={t('Description')}>{h.description}</Td>
                    <Td isActionCell>
                      {canUpdate && h.revision !== st.revision && (
                        <Button size="sm" variant="secondary" onClick={() => setRolling(h)} isDisabled={busy || gone} data-test="rollback">
                          {t('Roll back to it')}
                        </Button>
                      )}
                    </Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
            {(st.history ?? []).length === 0 && <p data-test="history-empty">{t('No revision yet.')}</p>}
          </Tab>
          <Tab eventKey="resources" title={<TabTitleText>{t('Resources')}</TabTitleText>} data-test="tab-resources">
            <Table aria-label={t('Resources')} variant="compact" data-test="resources">
              <Thead>
                <Tr>
                  <Th>{t('Kind')}</Th>
                  <Th>{t('Name')}</Th>
                  <Th>{t('Ready')}</Th>
                  <Th>{t('Message')}</Th>
                </Tr>
              </Thead>
              <Tbody>
                {(st.resources ?? []).map((o) => {
                  const to = resourceLink(o.namespace || namespace, o.kind, o.name);
                  return (
                    <Tr key={`${o.apiVersion}/${o.kind}/${o.namespace ?? ''}/${o.name}`} data-test={`resource-${o.kind}-${o.name}`}>
                      <Td dataLabel={t('Kind')}>{o.kind}</Td>
                      <Td dataLabel={t('Name')}>{to ? <Link to={to}>{o.name}</Link> : o.name}</Td>
                      <Td dataLabel={t('Ready')}>
                        <Label isCompact color={o.ready ? 'green' : 'orange'} data-test="resource-ready" data-ready={String(o.ready)}>
                          {o.ready ? t('Ready') : t('Not ready')}
                        </Label>
                      </Td>
                      <Td dataLabel={t('Message')}>{o.message}</Td>
                    </Tr>
                  );
                })}
              </Tbody>
            </Table>
            {(st.resources ?? []).length === 0 && <p data-test="resources-empty">{t('No objects yet.')}</p>}
          </Tab>
          <Tab eventKey="values" title={<TabTitleText>{t('Values')}</TabTitleText>} data-test="tab-values">
            <pre className="ke-readme" data-test="release-values" role="region" aria-label={t('Values')} tabIndex={0}>
              {r.spec.values || t('The chart’s default values.')}
            </pre>
          </Tab>
        </Tabs>
      </PageSection>
      {rolling && (
        <ConfirmAction
          title={t('Roll back {{name}} to revision {{revision}}?', { name: r.metadata.name, revision: rolling.revision })}
          confirmLabel={t('Roll back')}
          test="rollback"
          onConfirm={async () => {
            await rollbackRelease(namespace, r.metadata.name, rolling.revision);
            refresh();
            toast.success(t('Release {{name}} is rolling back to revision {{revision}}.', { name: r.metadata.name, revision: rolling.revision }));
          }}
          onClose={() => setRolling(undefined)}
        >
          {t('Helm deploys revision {{revision}} ({{version}}) again, as a new revision.', { revision: rolling.revision, version: rolling.version ?? '' })}
        </ConfirmAction>
      )}
      {deleting && (
        <UninstallRelease
          release={r}
          onDone={() => {
            refresh();
            toast.success(t('Release {{name}} is uninstalling.', { name: r.metadata.name }));
            void navigate(releasesPage(namespace));
          }}
          onClose={() => setDeleting(false)}
        />
      )}
    </>
  );
}

