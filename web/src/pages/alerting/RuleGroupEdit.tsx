import { ActionGroup, Button, Card, CardBody, CardTitle, Checkbox, Form, FormGroup, Label, PageSection, Stack, TextInput } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { useAccess } from '../../api/access';
import { createRuleGroup, isBuiltin, readyOf, ruleGroupResource, updateRuleGroup, useBuilderMetrics, useRuleGroup, type AlertPlace, type RuleGroup } from '../../api/alerting';
import { describeError, fieldError } from '../../api/errors';
import { ErrorAlert } from '../../components/ErrorAlert';
import { isDNSLabel } from '../../components/format';
import { FieldHelp } from '../../components/FormModal';
import { Loading } from '../../components/Loading';
import { PageHeader, type Crumb } from '../../components/PageHeader';
import { NoAccess, PageError } from '../../components/PageState';
import { useToast } from '../../components/Toast';
import { useSubmit } from '../../components/useSubmit';
import { rulesList } from './paths';
import { RuleEditor } from './RuleEditor';
import { groupDraft, isDuration, newDraft, rulePaths, toGroup, type GroupDraft } from './ruleForm';

/** placeOf reads the level of a rule group's page from its route. */
function placeOf(params: { namespace?: string; level?: string }): AlertPlace {
  if (params.namespace) return { level: 'project', namespace: params.namespace };
  return params.level === 'cluster' ? { level: 'cluster' } : { level: 'global' };
}

/**
 * RuleGroupEdit creates a rule group or edits one: its rules, each with the
 * builder or PromQL and a live preview. A built-in group keeps its rules'
 * names and what they watch; thresholds, durations, severities and whether
 * each runs may change.
 */
export default function RuleGroupEdit() {
  const params = useParams();
  const place = placeOf(params);
  const isNew = params.name === '~new';
  const res = ruleGroupResource(place);
  const access = useAccess([{ verb: isNew ? 'create' : 'get', ...res }]);
  const group = useRuleGroup(place, isNew ? undefined : params.name);
  if (!access.loaded) return <Loading />;
  if (!access.allowed[0]) return <NoAccess />;
  if (!isNew && group.error) return <PageError error={group.error} onRetry={() => void group.refetch()} />;
  if (!isNew && !group.data) return <Loading />;
  // The form starts from the group as read; it is made again for another group.
  return <GroupForm key={`${place.level}/${params.name}`} place={place} group={isNew ? undefined : group.data} />;
}

function GroupForm({ place, group }: { place: AlertPlace; group: RuleGroup | undefined }) {
  const { t } = useTranslation('alerting');
  const navigate = useNavigate();
  const toast = useToast();
  const client = useQueryClient();
  const catalog = useBuilderMetrics();
  const [draft, setDraft] = useState<GroupDraft>(() => groupDraft(group, place.level));
  const [canUpdate] = useAccess([{ verb: group ? 'update' : 'create', ...ruleGroupResource(place) }]).allowed;
  const builtin = !!group && isBuiltin(group);
  const list = rulesList(place);
  const { busy, error, submit } = useSubmit(
    async () => {
      const body = toGroup(draft, group);
      if (group) await updateRuleGroup(place, body);
      else await createRuleGroup(place, body);
      void client.invalidateQueries({ queryKey: ['alerting'] });
      toast.success(group ? t('Rule group {{name}} is saved.', { name: body.metadata.name }) : t('Rule group {{name}} is created.', { name: body.metadata.name }), t('Prometheus loads its rules within a few seconds.'));
    },
    () => void navigate(list),
  );
  const described = error ? describeError(error, t) : undefined;
  const nameBad = !group && draft.name !== '' && !isDNSLabel(draft.name);
  const intervalBad = !isDuration(draft.interval);
  const rulesOK = draft.rules.length > 0 && draft.rules.every((r) => r.alert.trim() && (r.mode === 'builder' ? r.metric && r.threshold.trim() : r.expr.trim()) && isDuration(r.for));
  const canSave = canUpdate && (!!group || isDNSLabel(draft.name)) && !intervalBad && rulesOK && !busy;
  const crumbs: Crumb[] = [
    ...(place.level === 'project' ? [{ title: place.namespace, to: `/projects/${place.namespace}/overview` }] : []),
    { title: t('Alert rules'), to: list },
    { title: group ? group.metadata.name : t('New rule group') },
  ];
  const ready = group ? readyOf(group) : undefined;
  return (
    <>
      <PageHeader
        title={
          <>
            {group ? t('Rule group {{name}}', { name: group.metadata.name }) : t('Create rule group')}{' '}
            {builtin && (
              <Label color="purple" data-test="builtin">
                {t('Built-in')}
              </Label>
            )}
          </>
        }
        crumbs={crumbs}
      />
      <PageSection>
        <Form
          onSubmit={(e) => {
            e.preventDefault();
            if (canSave) void submit();
          }}
          data-test="rule-group-form"
        >
          <Stack hasGutter>
            {ready && ready.status === 'False' && ready.reason !== 'Disabled' && (
              <ErrorAlert error={new Error(ready.message ?? ready.reason ?? '')} title={t('Prometheus did not load this group: the last good rules stay')} />
            )}
            {builtin && <p data-test="builtin-help">{t('The platform ships this group: it cannot be deleted, and what its rules watch stays; thresholds, durations, severities and whether each rule runs may change.')}</p>}
            <FormGroup label={t('Name')} isRequired fieldId="group-name">
              <TextInput
                id="group-name"
                value={draft.name}
                onChange={(_e, v) => setDraft({ ...draft, name: v })}
                isDisabled={!!group}
                validated={nameBad || fieldError(described, 'metadata.name') ? 'error' : 'default'}
                data-test="group-name"
              />
              <FieldHelp
                rule={group ? undefined : t('Lower-case letters, digits and -, at most 63 characters. It cannot be changed later.')}
                error={fieldError(described, 'metadata.name') ?? (nameBad ? t('Use lower-case letters, digits and -, starting and ending with a letter or digit.') : undefined)}
                test="group-name"
              />
            </FormGroup>
            <FormGroup label={t('Evaluation interval')} fieldId="group-interval">
              <TextInput id="group-interval" value={draft.interval} onChange={(_e, v) => setDraft({ ...draft, interval: v })} validated={intervalBad || fieldError(described, 'spec.interval') ? 'error' : 'default'} data-test="group-interval" />
              <FieldHelp rule={t('How often Prometheus evaluates the rules: 30s, 1m; empty uses its own interval.')} error={fieldError(described, 'spec.interval') ?? (intervalBad ? t('Use a duration such as 30s, 5m or 1h.') : undefined)} test="group-interval" />
            </FormGroup>
            <Checkbox id="group-disabled" label={t('Disable the whole group')} isChecked={draft.disabled} onChange={(_e, v) => setDraft({ ...draft, disabled: v })} data-test="group-disabled" />
            {draft.rules.map((r, i) => (
              <Card key={i} isCompact data-test={`rule-card-${i}`}>
                <CardTitle>{r.alert || t('Rule {{n}}', { n: i + 1 })}</CardTitle>
                <CardBody>
                  <RuleEditor
                    place={place}
                    draft={r}
                    index={i}
                    catalog={catalog.data}
                    saveError={described}
                    builtin={builtin}
                    onChange={(d) => setDraft({ ...draft, rules: draft.rules.map((x, j) => (j === i ? d : x)) })}
                    onRemove={draft.rules.length > 1 ? () => setDraft({ ...draft, rules: draft.rules.filter((_x, j) => j !== i) }) : undefined}
                  />
                </CardBody>
              </Card>
            ))}
            {!builtin && (
              <div>
                <Button variant="secondary" onClick={() => setDraft({ ...draft, rules: [...draft.rules, newDraft(place.level)] })} data-test="add-rule">
                  {t('Add a rule')}
                </Button>
              </div>
            )}
            {catalog.error ? <ErrorAlert error={catalog.error} title={t('The builder’s metrics could not be read')} onRetry={() => void catalog.refetch()} /> : null}
            {error ? <ErrorAlert error={error} hideFields={['metadata.name', 'spec.interval', ...rulePaths]} /> : null}
            <ActionGroup>
              <Button type="submit" isDisabled={!canSave} isLoading={busy} data-test="save-rule-group">
                {group ? t('Save') : t('Create')}
              </Button>
              <Button variant="link" onClick={() => void navigate(list)}>
                {t('Cancel')}
              </Button>
            </ActionGroup>
          </Stack>
        </Form>
      </PageSection>
    </>
  );
}
