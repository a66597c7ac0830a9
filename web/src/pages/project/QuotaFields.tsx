import { FormGroup, FormSection, HelperText, HelperTextItem, TextInput } from '@patternfly/react-core';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { fieldError, type DescribedError } from '../../api/errors';
import { resourceUnit } from '../../api/quantity';
import type { ResourceQuota } from '../../api/quotas';
import { FieldHelp } from '../../components/FormModal';
import { belowUse, quotaField, quotaProblems, type QuotaDraft } from './quotaForm';
import { quantityMessage, resourceTitle, unitRule } from './quotaText';

/** The quota form's sections. */
function quotaGroups(t: TFunction): { title: string; resources: string[] }[] {
  return [
    { title: t('Compute'), resources: ['requests.cpu', 'limits.cpu', 'requests.memory', 'limits.memory'] },
    { title: t('Storage'), resources: ['requests.storage', 'persistentvolumeclaims'] },
    { title: t('Objects'), resources: ['pods', 'services', 'configmaps', 'secrets', 'count/deployments.apps', 'count/statefulsets.apps', 'count/jobs.batch'] },
  ];
}

/**
 * QuotaFields are the fields of a quota form, shared by the project's quota
 * (a native ResourceQuota) and the workspace's (quota.superkube.io): a field
 * per limit of quotaResources by section, each with its rule and the use now,
 * a value the API would refuse marked (or the server's objection, from its
 * Status causes on spec.hard[…]), and a limit below the current use warned
 * about.
 */
export function QuotaFields({ draft, onChange, quota, described }: { draft: QuotaDraft; onChange: (d: QuotaDraft) => void; quota: ResourceQuota | undefined; described: DescribedError | undefined }) {
  const { t } = useTranslation('project');
  const problems = quotaProblems(draft);
  const below = belowUse(draft, quota);
  const field = (r: string) => {
    const unit = resourceUnit(r);
    const server = fieldError(described, quotaField(r));
    const local = problems[r] ? quantityMessage(problems[r], unit, t) : undefined;
    const error = local ?? server;
    const used = quota?.status?.used?.[r];
    return (
      <FormGroup key={r} label={resourceTitle(r, t)} fieldId={`quota-field-${r}`}>
        <TextInput id={`quota-field-${r}`} value={draft[r]} onChange={(_e, v) => onChange({ ...draft, [r]: v })} validated={error ? 'error' : below[r] ? 'warning' : 'default'} data-test={`quota-field-${r}`} />
        {error || !below[r] ? (
          <FieldHelp rule={used !== undefined ? `${unitRule(unit, t)} ${t('Used now: {{used}}.', { used })}` : unitRule(unit, t)} error={error} test={`quota-field-${r}`} />
        ) : (
          <HelperText>
            <HelperTextItem variant="warning" data-test={`quota-field-${r}-below`}>
              {t('Below what is used now ({{used}}): Kubernetes accepts it, and refuses new objects until the use falls.', { used: below[r] })}
            </HelperTextItem>
          </HelperText>
        )}
      </FormGroup>
    );
  };
  return (
    <>
      <p>{t('Empty fields set no limit. Limits the form does not show are kept.')}</p>
      {quotaGroups(t).map((g) => (
        <FormSection key={g.title} title={g.title} titleElement="h3">
          {g.resources.map(field)}
        </FormSection>
      ))}
    </>
  );
}
