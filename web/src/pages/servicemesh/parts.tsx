import { Alert, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Label } from '@patternfly/react-core';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../api/access';
import { servicemeshGroup, type StrategyPhase, type StrategyType } from '../../api/servicemesh';
import type { Condition } from '../../api/types';
import { Time } from '../../components/Time';
import type { Problem } from './strategyForm';
import type { PolicyProblem } from './policyForm';

const phaseColors: Record<StrategyPhase, 'blue' | 'green' | 'orange' | 'red' | 'grey' | 'purple'> = {
  Pending: 'orange',
  Progressing: 'blue',
  Promoted: 'green',
  RolledBack: 'purple',
  Failed: 'red',
};

/** PhaseLabel is a Strategy's phase, in colour. */
export function PhaseLabel({ phase }: { phase: StrategyPhase | undefined }) {
  const { t } = useTranslation('servicemesh');
  const words: Record<StrategyPhase, string> = { Pending: t('Pending'), Progressing: t('Progressing'), Promoted: t('Promoted'), RolledBack: t('Rolled back'), Failed: t('Failed') };
  const p = phase ?? 'Pending';
  return (
    <Label isCompact color={phaseColors[p] ?? 'grey'} data-test="phase" data-phase={p}>
      {words[p] ?? p}
    </Label>
  );
}

/** useTypeText names a strategy's type. */
export function useTypeText(): (s: StrategyType | undefined) => string {
  const { t } = useTranslation('servicemesh');
  const words: Record<StrategyType, string> = { Canary: t('Canary'), BlueGreen: t('Blue-green'), Mirror: t('Mirror') };
  return (s) => (s ? (words[s] ?? s) : '-');
}

/** useMeshCan tells what the user may do with the project's releases and policies (the API refuses the rest regardless). */
export function useMeshCan(namespace: string) {
  const [createStrategy, updateStrategy, deleteStrategy, createPolicy, updatePolicy, deletePolicy, createDeployment, updateNamespace] = useCan([
    { verb: 'create', group: servicemeshGroup, resource: 'strategies', namespace },
    { verb: 'update', group: servicemeshGroup, resource: 'strategies', namespace },
    { verb: 'delete', group: servicemeshGroup, resource: 'strategies', namespace },
    { verb: 'create', group: servicemeshGroup, resource: 'servicepolicies', namespace },
    { verb: 'update', group: servicemeshGroup, resource: 'servicepolicies', namespace },
    { verb: 'delete', group: servicemeshGroup, resource: 'servicepolicies', namespace },
    { verb: 'create', group: 'apps', resource: 'deployments', namespace },
    // The mesh switch patches the namespace's istio-injection label as the caller.
    { verb: 'patch', resource: 'namespaces', name: namespace },
  ]);
  return { createStrategy, updateStrategy, deleteStrategy, createPolicy, updatePolicy, deletePolicy, createDeployment, updateNamespace };
}

/** problemText says a problem of the release form. */
export function problemText(p: Problem | undefined, t: TFunction): string | undefined {
  switch (p) {
    case undefined:
      return undefined;
    case 'required':
      return t('Required.');
    case 'name':
      return t('Use lower-case letters, digits and hyphens (-), starting and ending with a letter or digit, at most 63 characters.');
    case 'version':
      return t('Use letters, digits, -, _ and ., starting and ending with a letter or digit, at most 63 characters.');
    case 'same':
      return t('The new version must differ from the current one.');
    case 'exists':
      return t('The service runs this version already: choose it as an existing version, or name another.');
    case 'percent':
      return t('Enter a whole number from 0 to 100.');
    case 'header':
      return t('A header name is lower-case letters, digits and -, with no spaces.');
    case 'cookie':
      return t('A cookie name has no spaces, quotes or separators.');
    case 'regex':
      return t('This is not a valid regular expression.');
    case 'image':
      return t('An image reference has no spaces.');
  }
}

/** policyProblemText says a problem of the policy form. */
export function policyProblemText(p: PolicyProblem | undefined, t: TFunction): string | undefined {
  switch (p) {
    case undefined:
      return undefined;
    case 'required':
      return t('Required.');
    case 'name':
      return t('Use lower-case letters, digits and hyphens (-), starting with a letter, at most 63 characters.');
    case 'integer':
      return t('Enter a whole number, such as 10.');
    case 'min1':
      return t('Enter a whole number of at least 1.');
    case 'percent':
      return t('Enter a whole number from 0 to 100.');
    case 'attempts':
      return t('At most 20 attempts.');
    case 'duration':
      return t('Use a duration such as 250ms, 10s or 1m30s.');
    case 'retryOn':
      return t('Use Envoy’s retry conditions (5xx, gateway-error, reset, connect-failure, retriable-4xx ...) or status codes, separated by commas.');
    case 'header':
      return t('A header name is lower-case letters, digits and -, with no spaces.');
    case 'empty':
      return t('Set at least one field.');
  }
}

/**
 * ReadyCondition shows what the controller made of a strategy or policy:
 * nothing while it is applied, and a prominent alert naming the field when
 * it is not (a conflict with a hand-written VirtualService, a version with
 * no pods, a service that does not exist).
 */
export function ReadyCondition({ conditions, field }: { conditions: Condition[] | undefined; field?: string }) {
  const { t } = useTranslation('servicemesh');
  const ready = conditions?.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'True') return null;
  const titles: Record<string, string> = {
    Conflict: t('In conflict: nothing was written'),
    NoPods: t('A version has no pods'),
    ServiceNotFound: t('The service does not exist'),
    Invalid: t('The release is not valid against the cluster'),
  };
  return (
    <Alert variant={ready.status === 'False' ? 'danger' : 'warning'} isInline title={titles[ready.reason ?? ''] ?? t('Not applied yet')} data-test="ready-condition" data-reason={ready.reason}>
      {ready.message && <p data-test="ready-message">{ready.message}</p>}
      {field && (
        <p>
          {t('Field')}: <code data-test="ready-field">{field}</code>
        </p>
      )}
    </Alert>
  );
}

/** Conditions lists the conditions with their reason, message and time. */
export function Conditions({ conditions }: { conditions: Condition[] | undefined }) {
  const { t } = useTranslation('servicemesh');
  if (!conditions?.length) return <p>{t('No conditions yet.')}</p>;
  return (
    <DescriptionList isCompact isHorizontal data-test="conditions">
      {conditions.map((c) => (
        <DescriptionListGroup key={c.type}>
          <DescriptionListTerm>{c.type}</DescriptionListTerm>
          <DescriptionListDescription data-test={`condition-${c.type}`}>
            <Label isCompact color={c.status === 'True' ? 'green' : c.status === 'False' ? 'red' : 'grey'}>{c.status}</Label> {c.reason} {c.message ? `: ${c.message}` : ''} <Time ts={c.lastTransitionTime} />
          </DescriptionListDescription>
        </DescriptionListGroup>
      ))}
    </DescriptionList>
  );
}
