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
  PageSection,
  Tab,
  Tabs,
  TabTitleText,
} from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { deletePipeline, phases, triggerKinds, updatePipeline, usePipeline, usePipelineRuns, type Definition, type Pipeline, type PipelineRun } from '../../api/devops';
import { useInvalidate } from '../../api/mutations';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { PageError } from '../../components/PageState';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { Time } from '../../components/Time';
import { useToast } from '../../components/Toast';
import { useSubmit } from '../../components/useSubmit';
import { DefinitionEditor } from './DefinitionEditor';
import { duration } from './graph';
import { PhaseLabel, useDevOpsCan, usePhaseText, useTriggerText } from './parts';
import { RunDialog } from './RunDialog';

/** A pipeline: its runs (filtered by phase and trigger), its definition's editor, its settings; run, edit, delete. */
export default function PipelineDetail() {
  const { namespace = '', pipeline = '' } = useParams();
  const { t } = useTranslation('devops');
  const navigate = useNavigate();
  const invalidate = useInvalidate();
  const toast = useToast();
  const can = useDevOpsCan(namespace);
  const q = usePipeline(namespace, pipeline);
  const [tab, setTab] = useState<string | number>('runs');
  const [running, setRunning] = useState(false);
  const [deleting, setDeleting] = useState(false);
  if (q.error) return <PageError error={q.error} onRetry={() => void q.refetch()} />;
  if (!q.data) return <Loading />;
  const p = q.data;
  const base = `/devops/${namespace}`;
  return (
    <>
      <PageHeader
        title={pipeline}
        crumbs={[{ title: namespace, to: `${base}/pipelines` }, { title: t('Pipelines'), to: `${base}/pipelines` }, { title: pipeline }]}
        actions={
          <Flex>
            {can.run && (
              <Button onClick={() => setRunning(true)} isDisabled={!!p.spec.disabled} data-test="run-pipeline-open">
                {t('Run')}
              </Button>
            )}
            {can.updatePipeline && (
              <Button variant="secondary" component={(x) => <Link {...x} to={`${base}/pipelines/${pipeline}/edit`} />} data-test="edit-pipeline">
                {t('Edit')}
              </Button>
            )}
            {can.deletePipeline && (
              <Button variant="danger" onClick={() => setDeleting(true)} data-test="delete-pipeline">
                {t('Delete')}
              </Button>
            )}
          </Flex>
        }
      >
        {p.spec.description && <p className="ke-subtle">{p.spec.description}</p>}
      </PageHeader>
      <PageSection>
        <Tabs activeKey={tab} onSelect={(_e, k) => setTab(k)} mountOnEnter unmountOnExit aria-label={t('Pipeline')}>
          <Tab eventKey="runs" title={<TabTitleText>{t('Runs')}</TabTitleText>} data-test="tab-runs">
            <Runs namespace={namespace} pipeline={pipeline} />
          </Tab>
          <Tab eventKey="definition" title={<TabTitleText>{t('Definition')}</TabTitleText>} data-test="tab-definition">
            <DefinitionTab key={p.metadata.resourceVersion} namespace={namespace} pipeline={p} canSave={can.updatePipeline} />
          </Tab>
          <Tab eventKey="settings" title={<TabTitleText>{t('Settings')}</TabTitleText>} data-test="tab-settings">
            <Settings pipeline={p} />
          </Tab>
        </Tabs>
      </PageSection>
      {running && <RunDialog namespace={namespace} pipeline={p} onClose={() => setRunning(false)} onStarted={(r) => void navigate(`${base}/runs/${r.metadata.name}`)} />}
      {deleting && (
        <ConfirmDelete
          kind={t('pipeline')}
          name={pipeline}
          extra={<p>{t('Its runs and their logs are deleted with it.')}</p>}
          onConfirm={async () => {
            await deletePipeline(namespace, pipeline);
            invalidate('pipelines');
            toast.success(t('Pipeline {{name}} is deleted.', { name: pipeline }));
            void navigate(`${base}/pipelines`);
          }}
          onClose={() => setDeleting(false)}
        />
      )}
    </>
  );
}

/** Runs is a pipeline's run history, newest first, filtered by phase and trigger on the server. */
function Runs({ namespace, pipeline }: { namespace: string; pipeline: string }) {
  const { t } = useTranslation('devops');
  const phaseText = usePhaseText();
  const triggerText = useTriggerText();
  const table = useTableState({ statusParam: 'phase' });
  const [trigger, setTrigger] = useState('');
  const runs = usePipelineRuns(namespace, { ...table.params, pipeline, trigger: trigger || undefined });
  const base = `/devops/${namespace}`;
  return (
    <ResourceTable<PipelineRun>
      id="runs"
      ariaLabel={t('Runs')}
      table={table}
      query={runs}
      nameFilter={false}
      link={(r) => `${base}/runs/${r.metadata.name}`}
      toolbar={
        <Flex>
          <FormSelect aria-label={t('Phase')} value={table.status} onChange={(_e, v) => table.setStatus(v)} data-test="filter-phase">
            <FormSelectOption value="" label={t('All phases')} />
            {phases.map((p) => (
              <FormSelectOption key={p} value={p} label={phaseText(p)} />
            ))}
          </FormSelect>
          <FormSelect
            aria-label={t('Trigger')}
            value={trigger}
            onChange={(_e, v) => {
              setTrigger(v);
              table.setPage(1);
            }}
            data-test="filter-trigger"
          >
            <FormSelectOption value="" label={t('All triggers')} />
            {triggerKinds.map((k) => (
              <FormSelectOption key={k} value={k} label={triggerText(k)} />
            ))}
          </FormSelect>
        </Flex>
      }
      columns={[
        { title: t('Run'), sortKey: 'name', render: (r) => r.metadata.name },
        { title: t('Phase'), render: (r) => <PhaseLabel phase={r.status?.phase} /> },
        { title: t('Trigger'), render: (r) => <span data-test="run-trigger">{triggerText(r.spec.trigger?.kind)}{r.spec.trigger?.user ? ` (${r.spec.trigger.user})` : ''}</span> },
        { title: t('Started'), sortKey: 'createTime', render: (r) => <Time ts={r.status?.startTime ?? r.metadata.creationTimestamp} />, hideBelow: 'lg' },
        { title: t('Duration'), render: (r) => duration(r.status?.startTime, r.status?.completionTime) },
        { title: t('Commit'), render: (r) => <code>{(r.status?.commit ?? r.spec.revision?.commit ?? '').slice(0, 12) || '-'}</code>, hideBelow: 'xl' },
      ]}
      emptyTitle={t('No runs yet')}
      emptyText={t('Run the pipeline, push to its repository (with a webhook) or wait for its schedule.')}
    />
  );
}

/** DefinitionTab edits the pipeline's definition and saves it (PUT, as read: a change made meanwhile is a conflict). */
function DefinitionTab({ namespace, pipeline, canSave }: { namespace: string; pipeline: Pipeline; canSave: boolean }) {
  const { t } = useTranslation('devops');
  const toast = useToast();
  const invalidate = useInvalidate();
  const [definition, setDefinition] = useState<Definition>(pipeline.spec.definition);
  const [parameters, setParameters] = useState(pipeline.spec.parameters);
  const changed = definition !== pipeline.spec.definition || parameters !== pipeline.spec.parameters;
  const { busy, error, submit } = useSubmit(
    async () => {
      await updatePipeline(namespace, { ...pipeline, spec: { ...pipeline.spec, definition, parameters } });
      invalidate('pipelines');
      toast.success(t('Pipeline {{name}} is saved.', { name: pipeline.metadata.name }));
    },
    () => undefined,
  );
  return (
    <div className="pf-v6-u-mt-md">
      <DefinitionEditor
        value={definition}
        onChange={setDefinition}
        readOnly={!canSave}
        onImport={(imp) => {
          if (imp.parameters?.length) setParameters(imp.parameters);
          toast.success(t('The Jenkinsfile is imported.'), imp.warnings?.length ? imp.warnings.join('\n') : undefined);
        }}
      />
      {error ? <ErrorAlert error={error} /> : null}
      {canSave && (
        <Flex className="pf-v6-u-mt-md">
          <FlexItem>
            <Button onClick={() => void submit()} isDisabled={!changed || busy} isLoading={busy} data-test="definition-save">
              {t('Save')}
            </Button>
          </FlexItem>
          <FlexItem>
            <Button
              variant="link"
              isDisabled={!changed}
              onClick={() => {
                setDefinition(pipeline.spec.definition);
                setParameters(pipeline.spec.parameters);
              }}
              data-test="definition-reset"
            >
              {t('Discard changes')}
            </Button>
          </FlexItem>
        </Flex>
      )}
    </div>
  );
}

/** Settings shows a pipeline's source, triggers and parameters. */
function Settings({ pipeline }: { pipeline: Pipeline }) {
  const { t } = useTranslation('devops');
  const s = pipeline.spec;
  return (
    <DescriptionList isHorizontal className="pf-v6-u-mt-md" data-test="pipeline-settings">
      <DescriptionListGroup>
        <DescriptionListTerm>{t('Git repository URL')}</DescriptionListTerm>
        <DescriptionListDescription>{s.source?.url || '-'}</DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>{t('Branch')}</DescriptionListTerm>
        <DescriptionListDescription>{s.source?.branch || '-'}</DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>{t('Credential')}</DescriptionListTerm>
        <DescriptionListDescription>{s.source?.credential || '-'}</DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>{t('Webhook secret')}</DescriptionListTerm>
        <DescriptionListDescription>{s.triggers?.webhook?.secretRef || '-'}</DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>{t('Schedule (cron)')}</DescriptionListTerm>
        <DescriptionListDescription>
          {s.triggers?.cron || '-'}
          {pipeline.status?.nextCron && (
            <span className="ke-subtle">
              {' '}
              {t('next run')} <Time ts={pipeline.status.nextCron} />
            </span>
          )}
        </DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>{t('Parameters')}</DescriptionListTerm>
        <DescriptionListDescription>
          {(s.parameters ?? []).length === 0
            ? '-'
            : (s.parameters ?? []).map((p) => (
                <div key={p.name}>
                  <code>{p.name}</code>
                  {p.choices?.length ? ` ∈ {${p.choices.join(', ')}}` : p.default ? ` = ${p.default}` : ''}
                  {p.description ? <span className="ke-subtle"> — {p.description}</span> : null}
                </div>
              ))}
        </DescriptionListDescription>
      </DescriptionListGroup>
    </DescriptionList>
  );
}
