import {
  Alert,
  Button,
  Checkbox,
  ClipboardCopy,
  Content,
  FormGroup,
  FormSelect,
  FormSelectOption,
  Grid,
  GridItem,
  Spinner,
  TextArea,
  TextInput,
  ToggleGroup,
  ToggleGroupItem,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { comparisons, kindsAt, severities, usePreview, type AlertPlace, type BuilderMetric, type Preview, type Rule, type TargetKind } from '../../api/alerting';
import { describeError, type DescribedError } from '../../api/errors';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FieldHelp } from '../../components/FormModal';
import { formatValue } from '../../components/monitoring/units';
import { useDebounced } from '../../components/useDebounced';
import { isDuration, metricDescription, metricsOf, previewable, previewFieldError, ruleFieldError, type RuleDraft } from './ruleForm';

/** levelOf is the rule level of a place. */
function levelOf(p: AlertPlace) {
  return p.level;
}

/** The words of each target kind, and of each way of comparing. */
export function useKindTitles() {
  const { t } = useTranslation('alerting');
  const kinds: Record<TargetKind, string> = {
    Cluster: t('Cluster'),
    Node: t('Node'),
    Workload: t('Workload'),
    Pod: t('Pod'),
    Container: t('Container'),
    PersistentVolumeClaim: t('Persistent volume claim'),
  };
  return kinds;
}

/**
 * RuleEditor edits one rule of a group: with the builder (a metric of the
 * catalog compared with a threshold) or in PromQL, with a live preview of
 * the expression's current value. A built-in rule keeps what it watches:
 * its threshold, duration, severity and whether it runs may change.
 */
export function RuleEditor({
  place,
  draft,
  onChange,
  index,
  catalog,
  saveError,
  builtin,
  onRemove,
}: {
  place: AlertPlace;
  draft: RuleDraft;
  onChange: (d: RuleDraft) => void;
  index: number;
  catalog: BuilderMetric[] | undefined;
  saveError?: DescribedError;
  builtin?: boolean;
  onRemove?: () => void;
}) {
  const { t, i18n } = useTranslation('alerting');
  const kindTitles = useKindTitles();
  const set = (p: Partial<RuleDraft>) => onChange({ ...draft, ...p });
  const id = (f: string) => `rule-${index}-${f}`;
  // The preview follows the rule once it has stopped changing for half a
  // second; the rule is compared by its text, so that the same rule is
  // one request.
  const wanted = JSON.stringify(previewable(draft) ?? null);
  const debounced = useDebounced(wanted, 500);
  const rule = useMemo(() => (JSON.parse(debounced) as Rule | null) ?? undefined, [debounced]);
  const pv = usePreview(place, rule);
  const previewError = pv.error ? describeError(pv.error, t) : undefined;
  const err = (field: string) => ruleFieldError(saveError, index, field) ?? previewFieldError(previewError, field);
  const metrics = metricsOf(catalog, draft.kind, levelOf(place));
  const metric = metrics.find((m) => m.name === draft.metric);
  const locked = !!builtin;
  const forBad = !isDuration(draft.for);
  const thresholdError = err('builder.threshold');
  return (
    <Grid hasGutter data-test={`rule-${index}`}>
      <GridItem md={6}>
        <FormGroup label={t('Alert name')} isRequired fieldId={id('alert')}>
          <TextInput
            id={id('alert')}
            value={draft.alert}
            onChange={(_e, v) => set({ alert: v })}
            isDisabled={locked}
            validated={err('alert') ? 'error' : 'default'}
            data-test="rule-alert"
          />
          <FieldHelp rule={t('A name such as PodRestartingOften; it names the alert in notifications.')} error={err('alert')} test="rule-alert" />
        </FormGroup>
      </GridItem>
      <GridItem md={6}>
        <FormGroup label={t('Written with')} fieldId={id('mode')} role="radiogroup">
          <ToggleGroup aria-label={t('Written with')}>
            <ToggleGroupItem text={t('Builder')} isSelected={draft.mode === 'builder'} onChange={() => set({ mode: 'builder' })} isDisabled={locked} data-test="mode-builder" />
            <ToggleGroupItem text="PromQL" isSelected={draft.mode === 'promql'} onChange={() => set({ mode: 'promql' })} isDisabled={locked} data-test="mode-promql" />
          </ToggleGroup>
        </FormGroup>
      </GridItem>
      {draft.mode === 'builder' ? (
        <>
          <GridItem md={4}>
            <FormGroup label={t('Watches')} isRequired fieldId={id('kind')}>
              <FormSelect id={id('kind')} value={draft.kind} onChange={(_e, v) => set({ kind: v as TargetKind, metric: '' })} isDisabled={locked} data-test="rule-kind">
                {kindsAt(levelOf(place)).map((k) => (
                  <FormSelectOption key={k} value={k} label={kindTitles[k]} />
                ))}
              </FormSelect>
            </FormGroup>
          </GridItem>
          <GridItem md={8}>
            <FormGroup label={t('Metric')} isRequired fieldId={id('metric')}>
              <FormSelect
                id={id('metric')}
                value={draft.metric}
                onChange={(_e, v) => set({ metric: v })}
                isDisabled={locked}
                validated={err('builder.metric') ? 'error' : 'default'}
                data-test="rule-metric"
              >
                <FormSelectOption value="" label={t('Choose a metric')} isPlaceholder />
                {metrics.map((m) => (
                  <FormSelectOption key={m.name} value={m.name} label={`${metricDescription(m, i18n.language)} (${m.name})`} />
                ))}
              </FormSelect>
              <FieldHelp rule={metrics.length === 0 && catalog ? t('The catalog has no metric of this kind.') : undefined} error={err('builder.metric')} test="rule-metric" />
            </FormGroup>
          </GridItem>
          <GridItem md={6}>
            <FormGroup label={t('Targets')} fieldId={id('names')}>
              <TextInput id={id('names')} value={draft.names} onChange={(_e, v) => set({ names: v })} isDisabled={locked} validated={err('builder.names') ? 'error' : 'default'} data-test="rule-names" />
              <FieldHelp
                rule={draft.kind === 'Workload' ? t('Names separated by commas, a workload as kind/name (deployment/web); empty watches every one.') : t('Names separated by commas; empty watches every one.')}
                error={err('builder.names')}
                test="rule-names"
              />
            </FormGroup>
          </GridItem>
          <GridItem md={2}>
            <FormGroup label={t('Comparison')} fieldId={id('comparison')}>
              <FormSelect id={id('comparison')} value={draft.comparison} onChange={(_e, v) => set({ comparison: v as RuleDraft['comparison'] })} isDisabled={locked} data-test="rule-comparison">
                {comparisons.map((c) => (
                  <FormSelectOption key={c} value={c} label={c} />
                ))}
              </FormSelect>
            </FormGroup>
          </GridItem>
          <GridItem md={4}>
            <FormGroup label={t('Threshold')} isRequired fieldId={id('threshold')}>
              <TextInput id={id('threshold')} value={draft.threshold} onChange={(_e, v) => set({ threshold: v })} validated={thresholdError ? 'error' : 'default'} data-test="rule-threshold" />
              <FieldHelp rule={metric?.unit ? t('A number, in {{unit}}.', { unit: metric.unit }) : t('A number, in the metric’s unit.')} error={thresholdError} test="rule-threshold" />
            </FormGroup>
          </GridItem>
        </>
      ) : (
        <GridItem md={12}>
          <FormGroup label={t('PromQL expression')} isRequired fieldId={id('expr')}>
            <TextArea
              id={id('expr')}
              value={draft.expr}
              onChange={(_e, v) => set({ expr: v })}
              isDisabled={locked}
              rows={3}
              resizeOrientation="vertical"
              spellCheck={false}
              placeholder="sum by (pod) (rate(container_cpu_usage_seconds_total[5m])) > 0.9"
              validated={err('expr') ? 'error' : 'default'}
              data-test="rule-expr"
            />
            <FieldHelp
              rule={levelOf(place) === 'project' ? t('An alert fires for each series it returns. In a project, every selector is confined to the project.') : t('An alert fires for each series it returns.')}
              error={err('expr')}
              test="rule-expr"
            />
          </FormGroup>
        </GridItem>
      )}
      <GridItem md={4}>
        <FormGroup label={t('For')} fieldId={id('for')}>
          <TextInput id={id('for')} value={draft.for} onChange={(_e, v) => set({ for: v })} validated={forBad || err('for') ? 'error' : 'default'} data-test="rule-for" />
          <FieldHelp rule={t('How long the condition must hold before the alert fires: 30s, 5m, 1h; empty fires at once.')} error={err('for') ?? (forBad ? t('Use a duration such as 30s, 5m or 1h.') : undefined)} test="rule-for" />
        </FormGroup>
      </GridItem>
      <GridItem md={4}>
        <FormGroup label={t('Severity')} fieldId={id('severity')}>
          <FormSelect id={id('severity')} value={draft.severity} onChange={(_e, v) => set({ severity: v as RuleDraft['severity'] })} data-test="rule-severity">
            {severities.map((s) => (
              <FormSelectOption key={s} value={s} label={severityTitle(s, t)} />
            ))}
          </FormSelect>
        </FormGroup>
      </GridItem>
      <GridItem md={4}>
        <FormGroup label={t('State')} fieldId={id('disabled')}>
          <Checkbox id={id('disabled')} label={t('Disabled')} isChecked={draft.disabled} onChange={(_e, v) => set({ disabled: v })} data-test="rule-disabled" />
        </FormGroup>
      </GridItem>
      <GridItem md={12}>
        <FormGroup label={t('Summary')} fieldId={id('summary')}>
          <TextInput id={id('summary')} value={draft.summary} onChange={(_e, v) => set({ summary: v })} isDisabled={locked} validated={err('summary') ? 'error' : 'default'} data-test="rule-summary" />
          <FieldHelp rule={t('One line; {{ $labels.pod }} and {{ $value }} are replaced by the alert’s labels and value.')} error={err('summary')} test="rule-summary" />
        </FormGroup>
      </GridItem>
      <GridItem md={12}>
        <FormGroup label={t('Description')} fieldId={id('description')}>
          <TextArea id={id('description')} value={draft.description} onChange={(_e, v) => set({ description: v })} isDisabled={locked} rows={2} resizeOrientation="vertical" validated={err('description') ? 'error' : 'default'} data-test="rule-description" />
          <FieldHelp error={err('description')} test="rule-description" />
        </FormGroup>
      </GridItem>
      <GridItem md={12}>
        <PreviewPanel preview={pv.data} loading={pv.isFetching} error={pv.error} previewError={previewError} ready={!!rule} unit={metric?.unit ?? pv.data?.unit ?? ''} />
      </GridItem>
      {onRemove && !locked && (
        <GridItem md={12}>
          <Button variant="link" isDanger onClick={onRemove} data-test="rule-remove">
            {t('Remove this rule')}
          </Button>
        </GridItem>
      )}
    </Grid>
  );
}

/** severityTitle is a severity in the user's words. */
export function severityTitle(s: string, t: (k: string) => string): string {
  switch (s) {
    case 'critical':
      return t('Critical');
    case 'error':
      return t('Error');
    case 'warning':
      return t('Warning');
    case 'info':
      return t('Info');
  }
  return s || '-';
}

/**
 * PreviewPanel shows what a rule compiles to and its expression's value
 * now, per series; a rule the server refuses shows why (its fields are
 * marked on the form).
 */
export function PreviewPanel({
  preview,
  loading,
  error,
  previewError,
  ready,
  unit,
}: {
  preview: Preview | undefined;
  loading: boolean;
  error: unknown;
  previewError: DescribedError | undefined;
  ready: boolean;
  unit: string;
}) {
  const { t, i18n } = useTranslation('alerting');
  const shown = 10;
  return (
    <div data-test="preview" data-state={!ready ? 'waiting' : loading ? 'loading' : error ? 'error' : 'ready'} aria-live="polite">
      <Content component="h4">
        {t('Preview')} {loading && <Spinner size="sm" aria-label={t('Loading')} />}
      </Content>
      {!ready && <Content component="small">{t('Choose a metric and a threshold, or write an expression, to see its value now.')}</Content>}
      {ready && !!error && (
        previewError?.kind === 'invalid' ? (
          <Alert variant="danger" isInline isPlain title={t('The rule does not compile')} data-test="preview-invalid">
            {Object.values(previewError.fields).flat().join(' ') || previewError.detail}
          </Alert>
        ) : (
          <ErrorAlert error={error} />
        )
      )}
      {ready && !error && preview && (
        <>
          {preview.expr && <ClipboardCopy isReadOnly isCode hoverTip={t('Copy')} clickTip={t('Copied')} data-test="preview-expr">{preview.expr}</ClipboardCopy>}
          {preview.series.length === 0 ? (
            <Content component="p" data-test="preview-empty">
              {t('The expression returns nothing now: the alert would not fire.')}
            </Content>
          ) : (
            <>
              <Content component="p" data-test="preview-count">
                {t('{{count}} series match now: the alert would fire for each once the duration has passed.', { count: preview.series.length })}
              </Content>
              <Table variant="compact" aria-label={t('Current values')} data-test="preview-series">
                <Thead>
                  <Tr>
                    <Th>{t('Series')}</Th>
                    <Th>{t('Value now')}</Th>
                  </Tr>
                </Thead>
                <Tbody>
                  {preview.series.slice(0, shown).map((s, i) => (
                    <Tr key={i}>
                      <Td dataLabel={t('Series')}>
                        <code>{labelsText(s.labels)}</code>
                      </Td>
                      <Td dataLabel={t('Value now')} data-test="preview-value">
                        {formatValue(s.value, unit, t, i18n.language)}
                      </Td>
                    </Tr>
                  ))}
                </Tbody>
              </Table>
              {preview.series.length > shown && <Content component="small">{t('and {{count}} more', { count: preview.series.length - shown })}</Content>}
              {preview.truncated && <Content component="small">{t('More series match than the preview shows.')}</Content>}
            </>
          )}
        </>
      )}
    </div>
  );
}

/** labelsText writes labels as Prometheus does: {a="1", b="2"}. */
export function labelsText(labels: Record<string, string>): string {
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')}}`;
}
