import { Button, Label, LabelGroup, PageSection, Popover, Tab, TabTitleText, Tabs } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useAccess } from '../../api/access';
import {
  deleteRuleGroup,
  groupState,
  isBuiltin,
  lastErrors,
  readyOf,
  ruleGroupResource,
  updateRuleGroup,
  useRuleGroups,
  type AlertPlace,
  type RuleGroup,
} from '../../api/alerting';
import { ConfirmAction } from '../../components/ConfirmAction';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { age } from '../../components/format';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { useToast } from '../../components/Toast';
import { AlertStateLabel } from './AlertLabels';
import { rulesBase } from './paths';

/**
 * RuleGroupList is a level's rule groups: what state their rules are in
 * (firing, pending, inactive), whether Prometheus loaded them (Ready, with
 * the parser's message when not) and a rule's last evaluation error. A
 * built-in group shows a badge; it can be disabled or edited, never deleted.
 */
export function RuleGroupList({ place }: { place: AlertPlace }) {
  const { t } = useTranslation('alerting');
  const toast = useToast();
  const client = useQueryClient();
  const navigate = useNavigate();
  const res = ruleGroupResource(place);
  const access = useAccess([
    { verb: 'list', ...res },
    { verb: 'create', ...res },
    { verb: 'update', ...res },
    { verb: 'delete', ...res },
  ]);
  const [canList, canCreate, canUpdate, canDelete] = access.allowed;
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true });
  const groups = useRuleGroups(place, table.params, canList);
  const [deleting, setDeleting] = useState<RuleGroup>();
  const [toggling, setToggling] = useState<RuleGroup>();
  const refresh = () => void client.invalidateQueries({ queryKey: ['alerting'] });
  const base = rulesBase(place);
  if (!access.loaded) return <Loading />;
  if (!canList) return <NoAccess />;
  const create = (
    <Button onClick={() => void navigate(`${base}/~new`)} data-test="create-rule-group">
      {t('Create rule group')}
    </Button>
  );
  return (
    <>
      <ResourceTable<RuleGroup>
        id={`rulegroups-${place.level}`}
        ariaLabel={t('Rule groups')}
        table={table}
        query={groups}
        link={(g) => `${base}/${g.metadata.name}`}
        toolbar={canCreate ? create : undefined}
        columns={[
          {
            title: t('Name'),
            sortKey: 'name',
            render: (g) => (
              <>
                {g.metadata.name}{' '}
                {isBuiltin(g) && (
                  <Label isCompact color="purple" data-test="builtin">
                    {t('Built-in')}
                  </Label>
                )}
              </>
            ),
          },
          { title: t('State'), render: (g) => <GroupState group={g} /> },
          { title: t('Rules'), render: (g) => <RulesCell group={g} /> },
          { title: t('Loaded'), render: (g) => <ReadyCell group={g} /> },
          { title: t('Age'), sortKey: 'createTime', render: (g) => age(g.metadata.creationTimestamp), hideBelow: 'lg' },
        ]}
        actions={(g) => [
          ...(canUpdate
            ? [
                { title: t('Edit'), onClick: (x: RuleGroup) => void navigate(`${base}/${x.metadata.name}`) },
                { title: g.spec.disabled ? t('Enable') : t('Disable'), onClick: (x: RuleGroup) => setToggling(x) },
              ]
            : []),
          // Built-in groups cannot be deleted (the API refuses too): no delete for them.
          ...(canDelete && !isBuiltin(g) ? [{ title: t('Delete'), isDanger: true, onClick: (x: RuleGroup) => setDeleting(x) }] : []),
        ]}
        emptyTitle={t('No alert rules yet')}
        emptyText={canCreate ? t('A rule group holds alert rules that Prometheus evaluates. Create the first one.') : t('There are no alert rules here.')}
        emptyAction={canCreate ? create : undefined}
      />
      {toggling && (
        <ConfirmAction
          title={toggling.spec.disabled ? t('Enable {{name}}?', { name: toggling.metadata.name }) : t('Disable {{name}}?', { name: toggling.metadata.name })}
          confirmLabel={toggling.spec.disabled ? t('Enable') : t('Disable')}
          danger={!toggling.spec.disabled}
          test="toggle-group"
          onConfirm={async () => {
            await updateRuleGroup(place, { metadata: toggling.metadata, spec: { ...toggling.spec, disabled: !toggling.spec.disabled } });
            refresh();
            toast.success(toggling.spec.disabled ? t('Rule group {{name}} is enabled.', { name: toggling.metadata.name }) : t('Rule group {{name}} is disabled.', { name: toggling.metadata.name }));
          }}
          onClose={() => setToggling(undefined)}
        >
          {toggling.spec.disabled ? t('Prometheus evaluates its rules again.') : t('Prometheus stops evaluating its rules; their alerts end.')}
        </ConfirmAction>
      )}
      {deleting && (
        <ConfirmDelete
          kind={t('rule group')}
          name={deleting.metadata.name}
          onConfirm={async () => {
            await deleteRuleGroup(place, deleting.metadata.name);
            refresh();
            toast.success(t('Rule group {{name}} is deleted.', { name: deleting.metadata.name }));
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}

function GroupState({ group }: { group: RuleGroup }) {
  const { t } = useTranslation('alerting');
  if (group.spec.disabled) return <Label isCompact data-test="group-state">{t('Disabled')}</Label>;
  return <AlertStateLabel state={groupState(group)} test="group-state" />;
}

function RulesCell({ group }: { group: RuleGroup }) {
  const { t } = useTranslation('alerting');
  const errors = lastErrors(group);
  const disabled = group.spec.rules.filter((r) => r.disabled).length;
  return (
    <LabelGroup>
      <span data-test="rule-count">{t('{{count}} rules', { count: group.spec.rules.length })}</span>
      {disabled > 0 && <Label isCompact>{t('{{count}} disabled', { count: disabled })}</Label>}
      {errors.length > 0 && (
        <Popover bodyContent={errors.map((e) => `${e.alert}: ${e.error}`).join('\n')} headerContent={t('Evaluation errors')}>
          <Button variant="link" isInline isDanger data-test="last-error">
            {t('{{count}} failing', { count: errors.length })}
          </Button>
        </Popover>
      )}
    </LabelGroup>
  );
}

function ReadyCell({ group }: { group: RuleGroup }) {
  const { t } = useTranslation('alerting');
  const c = readyOf(group);
  if (!c) return <Label isCompact data-test="ready">{t('Waiting')}</Label>;
  if (c.status === 'True')
    return (
      <Label isCompact color="green" data-test="ready">
        {t('Loaded')}
      </Label>
    );
  if (c.reason === 'Disabled') return <Label isCompact data-test="ready">{t('Disabled')}</Label>;
  return (
    <Popover headerContent={t('Not loaded: the last good rules stay')} bodyContent={c.message ?? c.reason}>
      <Button variant="link" isInline isDanger data-test="ready" data-reason={c.reason}>
        {t('Not loaded')}
      </Button>
    </Popover>
  );
}

/** The platform's alert rules: its own groups and the cluster's, each a tab as the caller may see them. */
export function PlatformRuleGroups() {
  const { t } = useTranslation('alerting');
  const [search, setSearch] = useSearchParams();
  const access = useAccess([
    { verb: 'list', ...ruleGroupResource({ level: 'global' }) },
    { verb: 'list', ...ruleGroupResource({ level: 'cluster' }) },
  ]);
  const [global, cluster] = access.allowed;
  const tab = search.get('level') === 'cluster' || !global ? 'cluster' : 'global';
  if (!access.loaded) return <Loading />;
  if (!global && !cluster) return <NoAccess />;
  return (
    <>
      <PageHeader title={t('Alert rules')} />
      <PageSection>
        <Tabs activeKey={tab} onSelect={(_e, k) => setSearch(k === 'cluster' ? { level: 'cluster' } : {}, { replace: true })} mountOnEnter unmountOnExit aria-label={t('Levels')}>
          {global && (
            <Tab eventKey="global" title={<TabTitleText>{t('Platform')}</TabTitleText>} data-test="tab-global">
              <RuleGroupList place={{ level: 'global' }} />
            </Tab>
          )}
          {cluster && (
            <Tab eventKey="cluster" title={<TabTitleText>{t('Cluster')}</TabTitleText>} data-test="tab-cluster">
              <RuleGroupList place={{ level: 'cluster' }} />
            </Tab>
          )}
        </Tabs>
      </PageSection>
    </>
  );
}

/** A project's alert rules. */
export function ProjectRuleGroups() {
  const { t } = useTranslation('alerting');
  const { namespace = '' } = useParams();
  return (
    <>
      <PageHeader title={t('Alert rules')} crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Alert rules') }]}>
        <Link to={`/projects/${namespace}/alerts`}>{t('See the project’s alerts')}</Link>
      </PageHeader>
      <PageSection>
        <RuleGroupList place={{ level: 'project', namespace }} />
      </PageSection>
    </>
  );
}
