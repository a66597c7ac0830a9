import { FormGroup, FormSelect, FormSelectOption, TextInput } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { runPipeline, type Pipeline, type PipelineRun } from '../../api/devops';
import { useInvalidate } from '../../api/mutations';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { useToast } from '../../components/Toast';

/** RunDialog starts a run of a pipeline with its parameters: a choice is a select, the rest text, each from its default. */
export function RunDialog({ namespace, pipeline, onClose, onStarted }: { namespace: string; pipeline: Pipeline; onClose: () => void; onStarted?: (r: PipelineRun) => void }) {
  const { t } = useTranslation('devops');
  const toast = useToast();
  const invalidate = useInvalidate();
  const params = pipeline.spec.parameters ?? [];
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(params.map((p) => [p.name, p.default ?? p.choices?.[0] ?? ''])));
  const [branch, setBranch] = useState('');
  const name = pipeline.metadata.name;
  return (
    <FormModal
      title={t('Run {{name}}', { name })}
      test="run-pipeline"
      submitLabel={t('Run')}
      canSubmit
      onClose={onClose}
      onSubmit={async () => {
        const r = await runPipeline(namespace, name, params.map((p) => ({ name: p.name, value: values[p.name] ?? '' })), branch || undefined);
        invalidate('pipelineruns');
        toast.success(t('Run {{run}} of {{name}} is started.', { run: r.metadata.name, name }));
        onStarted?.(r);
      }}
    >
      {params.length === 0 && <p data-test="no-parameters">{t('This pipeline has no parameters.')}</p>}
      {params.map((p) => (
        <FormGroup key={p.name} label={p.name} fieldId={`param-${p.name}`}>
          {p.choices?.length ? (
            <FormSelect id={`param-${p.name}`} value={values[p.name]} onChange={(_e, v) => setValues({ ...values, [p.name]: v })} data-test={`param-${p.name}`}>
              {p.choices.map((c) => (
                <FormSelectOption key={c} value={c} label={c} />
              ))}
            </FormSelect>
          ) : (
            <TextInput id={`param-${p.name}`} value={values[p.name]} onChange={(_e, v) => setValues({ ...values, [p.name]: v })} data-test={`param-${p.name}`} />
          )}
          <FieldHelp rule={p.description} />
        </FormGroup>
      ))}
      {pipeline.spec.source?.url && (
        <FormGroup label={t('Branch')} fieldId="run-branch">
          <TextInput id="run-branch" value={branch} placeholder={pipeline.spec.source.branch} onChange={(_e, v) => setBranch(v)} data-test="run-branch" />
          <FieldHelp rule={t('Empty: the pipeline\'s branch.')} />
        </FormGroup>
      )}
    </FormModal>
  );
}
