import { ActionGroup, Button, Card, CardBody, CardTitle, Flex, FlexItem, Form, FormGroup, FormSection, FormSelect, FormSelectOption, PageSection, TextArea, TextInput } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { createPipeline, updatePipeline, useCredentials, usePipeline, type Definition, type Parameter, type Pipeline } from '../../api/devops';
import { describeError, fieldError } from '../../api/errors';
import { useInvalidate } from '../../api/mutations';
import { ErrorAlert } from '../../components/ErrorAlert';
import { isDNSLabel } from '../../components/format';
import { FieldHelp } from '../../components/FormModal';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { PageError } from '../../components/PageState';
import { useToast } from '../../components/Toast';
import { useSubmit } from '../../components/useSubmit';
import { DefinitionEditor } from './DefinitionEditor';
import { emptyDefinition } from './definition';

/** The create and edit page of a pipeline: its source, triggers, parameters and definition. */
export default function PipelineEdit() {
  const { namespace = '', pipeline = '' } = useParams();
  const q = usePipeline(namespace, pipeline);
  if (!pipeline) return <PipelineForm namespace={namespace} />;
  if (q.error) return <PageError error={q.error} onRetry={() => void q.refetch()} />;
  if (!q.data) return <Loading />;
  return <PipelineForm key={q.data.metadata.resourceVersion} namespace={namespace} initial={q.data} />;
}

/** A parameter as the form edits it: its choices as one line, comma-separated. */
interface ParamRow {
  name: string;
  default: string;
  choices: string;
  description: string;
}

function toRows(ps: Parameter[] | undefined): ParamRow[] {
  return (ps ?? []).map((p) => ({ name: p.name, default: p.default ?? '', choices: (p.choices ?? []).join(', '), description: p.description ?? '' }));
}

/** toParameters is the form's parameters as the API takes them (empty rows left out). */
export function toParameters(rows: ParamRow[]): Parameter[] {
  return rows
    .filter((r) => r.name.trim())
    .map((r) => {
      const choices = r.choices.split(',').map((c) => c.trim()).filter(Boolean);
      const p: Parameter = { name: r.name.trim() };
      if (r.default) p.default = r.default;
      if (choices.length) p.choices = choices;
      if (r.description) p.description = r.description;
      return p;
    });
}

function PipelineForm({ namespace, initial }: { namespace: string; initial?: Pipeline }) {
  const { t } = useTranslation('devops');
  const navigate = useNavigate();
  const toast = useToast();
  const invalidate = useInvalidate();
  const credentials = useCredentials(namespace, { limit: 100, sortBy: 'name', ascending: true });
  const spec = initial?.spec;
  const [name, setName] = useState(initial?.metadata.name ?? '');
  const [description, setDescription] = useState(spec?.description ?? '');
  const [url, setUrl] = useState(spec?.source?.url ?? '');
  const [branch, setBranch] = useState(spec?.source?.branch ?? '');
  const [credential, setCredential] = useState(spec?.source?.credential ?? '');
  const [webhook, setWebhook] = useState(spec?.triggers?.webhook?.secretRef ?? '');
  const [cron, setCron] = useState(spec?.triggers?.cron ?? '');
  const [params, setParams] = useState<ParamRow[]>(toRows(spec?.parameters));
  const [definition, setDefinition] = useState<Definition>(spec?.definition ?? emptyDefinition);
  const base = `/devops/${namespace}`;
  const creds = credentials.data?.items ?? [];

  const build = (): Pipeline => {
    const triggers: Pipeline['spec']['triggers'] = {};
    if (webhook) triggers.webhook = { secretRef: webhook };
    if (cron.trim()) triggers.cron = cron.trim();
    const out: Pipeline = {
      ...(initial ?? { apiVersion: 'devops.superkube.io/v1alpha3', kind: 'Pipeline' }),
      metadata: initial ? initial.metadata : { name, namespace },
      spec: {
        ...(spec ?? {}),
        description: description || undefined,
        source: url.trim() ? { ...(spec?.source ?? {}), url: url.trim(), branch: branch.trim() || undefined, credential: credential || undefined } : undefined,
        triggers,
        parameters: toParameters(params),
        definition,
      },
    };
    return out;
  };
  const { busy, error, submit } = useSubmit(
    async () => {
      if (initial) await updatePipeline(namespace, build());
      else await createPipeline(namespace, build());
      invalidate('pipelines');
      toast.success(initial ? t('Pipeline {{name}} is saved.', { name }) : t('Pipeline {{name}} is created.', { name }));
    },
    () => void navigate(`${base}/pipelines/${name}`),
  );
  const err = error ? describeError(error, t) : undefined;
  const nameOK = isDNSLabel(name);
  const setParam = (i: number, patch: Partial<ParamRow>) => setParams(params.map((p, j) => (j === i ? { ...p, ...patch } : p)));

  return (
    <>
      <PageHeader
        title={initial ? t('Edit pipeline {{name}}', { name }) : t('Create pipeline')}
        crumbs={[{ title: namespace, to: `${base}/pipelines` }, { title: t('Pipelines'), to: `${base}/pipelines` }, { title: initial ? name : t('Create pipeline') }]}
      />
      <PageSection>
        <Form
          onSubmit={(e) => {
            e.preventDefault();
            if (nameOK && !busy) void submit();
          }}
          data-test="pipeline-form"
        >
          <FormSection title={t('Pipeline')}>
            <FormGroup label={t('Name')} isRequired fieldId="pipeline-name">
              <TextInput id="pipeline-name" value={name} readOnlyVariant={initial ? 'default' : undefined} onChange={(_e, v) => setName(v)} validated={(name && !nameOK) || fieldError(err, 'metadata.name') ? 'error' : 'default'} data-test="pipeline-name" />
              <FieldHelp rule={t('Lower-case letters, digits and -, at most 63 characters. It cannot be changed later.')} error={fieldError(err, 'metadata.name')} test="pipeline-name" />
            </FormGroup>
            <FormGroup label={t('Description')} fieldId="pipeline-description">
              <TextArea id="pipeline-description" value={description} onChange={(_e, v) => setDescription(v)} resizeOrientation="vertical" data-test="pipeline-description" />
            </FormGroup>
          </FormSection>
          <FormSection title={t('Source')}>
            <FormGroup label={t('Git repository URL')} fieldId="pipeline-url">
              <TextInput id="pipeline-url" value={url} placeholder="https://git.example.com/team/app.git" onChange={(_e, v) => setUrl(v)} validated={fieldError(err, 'spec.source.url') ? 'error' : 'default'} data-test="pipeline-url" />
              <FieldHelp rule={t('Empty for a pipeline without source: its steps start in an empty workspace.')} error={fieldError(err, 'spec.source.url')} />
            </FormGroup>
            <FormGroup label={t('Branch')} fieldId="pipeline-branch">
              <TextInput id="pipeline-branch" value={branch} placeholder="main" isDisabled={!url} onChange={(_e, v) => setBranch(v)} data-test="pipeline-branch" />
            </FormGroup>
            <FormGroup label={t('Credential')} fieldId="pipeline-credential">
              <FormSelect id="pipeline-credential" value={credential} isDisabled={!url} onChange={(_e, v) => setCredential(v)} data-test="pipeline-credential">
                <FormSelectOption value="" label={t('None (a public repository)')} />
                {creds
                  .filter((c) => c.type.endsWith('/basic-auth') || c.type.endsWith('/ssh-auth') || c.metadata.name === credential)
                  .map((c) => (
                    <FormSelectOption key={c.metadata.name} value={c.metadata.name} label={c.metadata.name} />
                  ))}
              </FormSelect>
              <FieldHelp rule={t('A username and password, or SSH key, credential of this DevOps project.')} error={fieldError(err, 'spec.source.credential')} />
            </FormGroup>
          </FormSection>
          <FormSection title={t('Triggers')}>
            <FormGroup label={t('Webhook secret')} fieldId="pipeline-webhook">
              <FormSelect id="pipeline-webhook" value={webhook} onChange={(_e, v) => setWebhook(v)} data-test="pipeline-webhook">
                <FormSelectOption value="" label={t('No webhook')} />
                {creds
                  .filter((c) => c.type.endsWith('/secret-text') || c.metadata.name === webhook)
                  .map((c) => (
                    <FormSelectOption key={c.metadata.name} value={c.metadata.name} label={c.metadata.name} />
                  ))}
              </FormSelect>
              <FieldHelp rule={t('A secret text credential: pushes signed with it start a run (Gitea\'s push webhook).')} error={fieldError(err, 'spec.triggers.webhook')} />
            </FormGroup>
            <FormGroup label={t('Schedule (cron)')} fieldId="pipeline-cron">
              <TextInput id="pipeline-cron" value={cron} placeholder="0 3 * * *" onChange={(_e, v) => setCron(v)} validated={fieldError(err, 'spec.triggers.cron') ? 'error' : 'default'} data-test="pipeline-cron" />
              <FieldHelp rule={t('Five fields: minute, hour, day of month, month, day of week. Empty: no scheduled runs.')} error={fieldError(err, 'spec.triggers.cron')} />
            </FormGroup>
          </FormSection>
          <FormSection title={t('Parameters')}>
            {params.map((p, i) => (
              <Flex key={i} alignItems={{ default: 'alignItemsFlexEnd' }} data-test={`param-row-${i}`}>
                <FlexItem>
                  <FormGroup label={t('Name')} fieldId={`param-name-${i}`}>
                    <TextInput id={`param-name-${i}`} value={p.name} onChange={(_e, v) => setParam(i, { name: v })} data-test="param-name" />
                  </FormGroup>
                </FlexItem>
                <FlexItem>
                  <FormGroup label={t('Default')} fieldId={`param-default-${i}`}>
                    <TextInput id={`param-default-${i}`} value={p.default} onChange={(_e, v) => setParam(i, { default: v })} data-test="param-default" />
                  </FormGroup>
                </FlexItem>
                <FlexItem>
                  <FormGroup label={t('Choices')} fieldId={`param-choices-${i}`}>
                    <TextInput id={`param-choices-${i}`} value={p.choices} placeholder="dev, prod" onChange={(_e, v) => setParam(i, { choices: v })} data-test="param-choices" />
                  </FormGroup>
                </FlexItem>
                <FlexItem grow={{ default: 'grow' }}>
                  <FormGroup label={t('Description')} fieldId={`param-description-${i}`}>
                    <TextInput id={`param-description-${i}`} value={p.description} onChange={(_e, v) => setParam(i, { description: v })} data-test="param-description" />
                  </FormGroup>
                </FlexItem>
                <FlexItem>
                  <Button variant="link" isDanger onClick={() => setParams(params.filter((_, j) => j !== i))} data-test="param-remove">
                    {t('Remove')}
                  </Button>
                </FlexItem>
              </Flex>
            ))}
            <FieldHelp rule={t('Steps read a parameter as the variable of its name ($NAME in a script, ${params.NAME} in a variable\'s value). Choices, comma-separated, make it a select when the pipeline is run.')} error={fieldError(err, 'spec.parameters')} />
            <div>
              <Button variant="link" onClick={() => setParams([...params, { name: '', default: '', choices: '', description: '' }])} data-test="param-add">
                {t('Add parameter')}
              </Button>
            </div>
          </FormSection>
        </Form>
        <Card className="pf-v6-u-mt-lg">
          <CardTitle>{t('Definition')}</CardTitle>
          <CardBody>
            <DefinitionEditor
              value={definition}
              onChange={setDefinition}
              onImport={(imp) => {
                if (imp.parameters?.length) setParams(toRows(imp.parameters));
                toast.success(t('The Jenkinsfile is imported.'), imp.warnings?.length ? imp.warnings.join('\n') : undefined);
              }}
            />
            <FieldHelp error={fieldError(err, 'spec.definition')} test="definition" />
          </CardBody>
        </Card>
        {error ? <ErrorAlert error={error} hideFields={['metadata.name', 'spec.source.url', 'spec.triggers.cron']} /> : null}
        <ActionGroup className="pf-v6-u-mt-lg">
          <Button onClick={() => void submit()} isDisabled={!nameOK || busy} isLoading={busy} data-test="pipeline-save">
            {initial ? t('Save') : t('Create')}
          </Button>
          <Button variant="link" onClick={() => void navigate(initial ? `${base}/pipelines/${name}` : `${base}/pipelines`)}>
            {t('Cancel')}
          </Button>
        </ActionGroup>
      </PageSection>
    </>
  );
}
