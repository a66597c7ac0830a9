import {
  Alert,
  Button,
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  DescriptionList,
  DescriptionListDescription,
  DescriptionListGroup,
  DescriptionListTerm,
  EmptyState,
  EmptyStateBody,
  Flex,
  FlexItem,
  Form,
  FormGroup,
  Label,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  PageSection,
  Tab,
  Tabs,
  TabTitleText,
  TextInput,
  Title,
} from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { approveStep, artifactURL, cancelRun, finished, openStepLog, rejectStep, replayRun, rerunRun, runRefreshMs, usePipelineRun, type CodeQuality, type Definition, type PipelineRun } from '../../api/devops';
import { isNotFound } from '../../api/errors';
import { useInvalidate } from '../../api/mutations';
import { LogBuffer, readText } from '../../api/textStream';
import { ConfirmAction } from '../../components/ConfirmAction';
import { ErrorAlert } from '../../components/ErrorAlert';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { PageError } from '../../components/PageState';
import { Time } from '../../components/Time';
import { useToast } from '../../components/Toast';
import { useSubmit } from '../../components/useSubmit';
import { DefinitionEditor, useKindText } from './DefinitionEditor';
import { emptyDefinition } from './definition';
import { duration, runGraph, size, waitingInputs, type GraphColumn, type GraphStep } from './graph';
import { PhaseLabel, useDevOpsCan, useTriggerText } from './parts';

/**
 * A run: its stage graph with each step's phase (read again every two
 * seconds until the run is finished), the log of the chosen step streamed
 * as it is written, the answer to a waiting input step, cancel, rerun and
 * replay, and what it made: artifacts, images, code quality.
 */
export default function RunDetail() {
  const { namespace = '', run = '' } = useParams();
  const { t } = useTranslation('devops');
  const navigate = useNavigate();
  const toast = useToast();
  const invalidate = useInvalidate();
  const triggerText = useTriggerText();
  const can = useDevOpsCan(namespace);
  const q = usePipelineRun(namespace, run);
  const [chosen, setChosen] = useState<string>();
  const [tab, setTab] = useState<string | number>('log');
  const [cancelling, setCancelling] = useState(false);
  const [replaying, setReplaying] = useState(false);
  const rerun = useSubmit(
    async () => {
      const r = await rerunRun(namespace, run);
      invalidate('pipelineruns');
      toast.success(t('Run {{run}} is started.', { run: r.metadata.name }));
      void navigate(`/devops/${namespace}/runs/${r.metadata.name}`);
    },
    () => undefined,
  );
  if (q.error && !q.data) return <PageError error={q.error} onRetry={() => void q.refetch()} />;
  if (!q.data) return <Loading />;
  const r = q.data;
  const phase = r.status?.phase;
  const done = finished(phase);
  const cols = runGraph(r);
  const steps = cols.flatMap((c) => c.lanes.flatMap((l) => l.steps));
  // The step whose log is shown: the one chosen, else the one running or waiting, else the last that ran.
  const auto = steps.find((s) => s.phase === 'Running' || s.phase === 'Waiting') ?? steps.find((s) => s.phase === 'Failed') ?? [...steps].reverse().find((s) => s.phase !== 'Pending' && s.phase !== 'Skipped');
  const current = steps.find((s) => s.id === chosen) ?? auto;
  const waiting = waitingInputs(cols);
  const base = `/devops/${namespace}`;
  return (
    <>
      <PageHeader
        title={
          <>
            {run} <PhaseLabel phase={phase} test="run-phase" />
          </>
        }
        crumbs={[
          { title: namespace, to: `${base}/pipelines` },
          { title: r.spec.pipeline, to: `${base}/pipelines/${r.spec.pipeline}` },
          { title: run },
        ]}
        actions={
          <Flex>
            {!done && can.updateRun && (
              <Button variant="danger" onClick={() => setCancelling(true)} isDisabled={!!r.spec.cancel} data-test="run-cancel">
                {r.spec.cancel ? t('Cancelling') : t('Cancel run')}
              </Button>
            )}
            {done && can.run && (
              <Button variant="secondary" onClick={() => void rerun.submit()} isLoading={rerun.busy} isDisabled={rerun.busy} data-test="run-rerun">
                {t('Rerun')}
              </Button>
            )}
            {done && can.run && (
              <Button variant="secondary" onClick={() => setReplaying(true)} data-test="run-replay">
                {t('Replay')}
              </Button>
            )}
          </Flex>
        }
      >
        <DescriptionList isCompact isHorizontal columnModifier={{ default: '2Col' }} className="pf-v6-u-mt-sm" data-test="run-summary">
          <DescriptionListGroup>
            <DescriptionListTerm>{t('Trigger')}</DescriptionListTerm>
            <DescriptionListDescription>
              {triggerText(r.spec.trigger?.kind)}
              {r.spec.trigger?.user ? ` (${r.spec.trigger.user})` : ''}
            </DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>{t('Started')}</DescriptionListTerm>
            <DescriptionListDescription>
              <Time ts={r.status?.startTime} />
            </DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>{t('Duration')}</DescriptionListTerm>
            <DescriptionListDescription data-test="run-duration">{duration(r.status?.startTime, r.status?.completionTime)}</DescriptionListDescription>
          </DescriptionListGroup>
          <DescriptionListGroup>
            <DescriptionListTerm>{t('Commit')}</DescriptionListTerm>
            <DescriptionListDescription>
              <code>{r.status?.commit || r.spec.revision?.commit || '-'}</code>
              {r.spec.revision?.branch ? ` (${r.spec.revision.branch})` : ''}
            </DescriptionListDescription>
          </DescriptionListGroup>
        </DescriptionList>
        {r.status?.message && (
          <Alert isInline variant={phase === 'Failed' ? 'danger' : 'info'} title={r.status.message} className="pf-v6-u-mt-sm" data-test="run-message" />
        )}
        {rerun.error ? <ErrorAlert error={rerun.error} /> : null}
      </PageHeader>
      <PageSection>
        {q.error ? <ErrorAlert error={q.error} title={t('The run could not be read again; what is shown may be old.')} onRetry={() => void q.refetch()} /> : null}
        {waiting.map((s) => (
          <InputAnswer key={s.id} namespace={namespace} run={run} step={s} />
        ))}
        <RunGraph cols={cols} current={current?.id} onChoose={(s) => {
          setChosen(s.id);
          setTab('log');
        }} />
      </PageSection>
      <PageSection>
        <Tabs activeKey={tab} onSelect={(_e, k) => setTab(k)} mountOnEnter aria-label={t('Run')}>
          <Tab eventKey="log" title={<TabTitleText>{t('Log')}</TabTitleText>} data-test="tab-log">
            {current ? (
              <StepLog key={current.id} namespace={namespace} run={run} step={current} />
            ) : (
              <EmptyState titleText={t('No step has started yet')} headingLevel="h3">
                <EmptyStateBody>{t('The log of a step appears here once it starts.')}</EmptyStateBody>
              </EmptyState>
            )}
          </Tab>
          <Tab eventKey="artifacts" title={<TabTitleText>{t('Artifacts')}</TabTitleText>} data-test="tab-artifacts">
            <Artifacts run={r} />
          </Tab>
          <Tab eventKey="images" title={<TabTitleText>{t('Images')}</TabTitleText>} data-test="tab-images">
            <Images run={r} />
          </Tab>
          <Tab eventKey="quality" title={<TabTitleText>{t('Code quality')}</TabTitleText>} data-test="tab-quality">
            <Quality q={r.status?.codeQuality} />
          </Tab>
          <Tab eventKey="parameters" title={<TabTitleText>{t('Parameters and approvals')}</TabTitleText>} data-test="tab-parameters">
            <Parameters run={r} />
          </Tab>
        </Tabs>
      </PageSection>
      {cancelling && (
        <ConfirmAction
          title={t('Cancel run {{name}}?', { name: run })}
          confirmLabel={t('Cancel run')}
          danger
          test="run-cancel-dialog"
          onConfirm={async () => {
            await cancelRun(namespace, run);
            invalidate('pipelineruns');
            void q.refetch();
            toast.success(t('Run {{run}} is being cancelled.', { run }));
          }}
          onClose={() => setCancelling(false)}
        >
          <p>{t('Its running steps are stopped; the steps after them do not run.')}</p>
        </ConfirmAction>
      )}
      {replaying && (
        <Replay
          namespace={namespace}
          run={r}
          onClose={() => setReplaying(false)}
          onStarted={(n) => {
            invalidate('pipelineruns');
            void navigate(`${base}/runs/${n.metadata.name}`);
          }}
        />
      )}
    </>
  );
}

/** RunGraph draws the stages as columns, parallel branches side by side, each step a card in its phase's colour; a card shows its log. */
function RunGraph({ cols, current, onChoose }: { cols: GraphColumn[]; current?: string; onChoose: (s: GraphStep) => void }) {
  const { t } = useTranslation('devops');
  const kindText = useKindText();
  if (!cols.length) return <p className="ke-subtle">{t('The run has no stages yet.')}</p>;
  return (
    <div className="ke-stage-graph" data-test="run-graph">
      {cols.map((c) => (
        <div key={c.stage} className="ke-stage-column" data-test={`run-stage-${c.stage}`} data-phase={c.phase}>
          <Card isCompact>
            <CardHeader>
              <CardTitle>
                {c.stage} <PhaseLabel phase={c.phase} test="stage-phase" />
              </CardTitle>
              {c.status?.startTime && <span className="ke-subtle">{duration(c.status.startTime, c.status.completionTime)}</span>}
            </CardHeader>
            <CardBody>
              <div className={c.parallel ? 'ke-stage-lanes' : undefined}>
                {c.lanes.map((l) => (
                  <div key={l.branch || '-'} className={c.parallel ? 'ke-stage-lane' : undefined} data-test={l.branch ? `run-branch-${l.branch}` : undefined} data-phase={l.phase}>
                    {c.parallel && (
                      <p className="ke-subtle">
                        {l.branch} <PhaseLabel phase={l.phase} test="branch-phase" />
                      </p>
                    )}
                    {l.steps.map((s) => (
                      <Card
                        key={s.id}
                        isCompact
                        isClickable
                        className={`pf-v6-u-mb-sm ke-run-step${current === s.id ? ' ke-step-selected' : ''}`}
                        data-test={`run-step-${s.id}`}
                        data-phase={s.phase}
                      >
                        <CardHeader selectableActions={{ onClickAction: () => onChoose(s), selectableActionAriaLabel: t('Show the log of {{name}}', { name: s.name }) }}>
                          <CardTitle>
                            {s.name} <PhaseLabel phase={s.phase} test="step-phase" />
                          </CardTitle>
                          <span className="ke-subtle">
                            {kindText(s.kind)}
                            {s.status?.startTime ? ` · ${duration(s.status.startTime, s.status.completionTime)}` : ''}
                            {s.status?.attempt && s.status.attempt > 1 ? ` · ${t('attempt {{n}}', { n: s.status.attempt })}` : ''}
                          </span>
                        </CardHeader>
                      </Card>
                    ))}
                  </div>
                ))}
              </div>
            </CardBody>
          </Card>
        </div>
      ))}
    </div>
  );
}

/**
 * StepLog shows a step's log: read whole once the step is finished, or
 * followed (follow=true) while it runs, the text appended as it comes; the
 * stream stops when the step ends, the step changes or the page closes.
 */
function StepLog({ namespace, run, step }: { namespace: string; run: string; step: GraphStep }) {
  const { t } = useTranslation('devops');
  const [text, setText] = useState('');
  const [cut, setCut] = useState(false);
  const [error, setError] = useState<unknown>();
  const [reading, setReading] = useState(false);
  const [attempt, setAttempt] = useState(0);
  const started = step.phase !== 'Pending' && step.phase !== 'Queued';
  const live = started && !finished(step.phase);
  const stage = step.logStage;
  const name = step.name;
  useEffect(() => {
    if (!started) return;
    const ctl = new AbortController();
    const buf = new LogBuffer();
    let retry: ReturnType<typeof setTimeout> | undefined;
    let first = true;
    const show = () => {
      setText(buf.value);
      setCut(buf.cut);
    };
    void (async () => {
      setReading(true);
      setError(undefined);
      try {
        const body = await openStepLog(namespace, run, stage, name, live, ctl.signal);
        await readText(
          body,
          (chunk) => {
            buf.append(chunk);
            first = false;
            show();
          },
          ctl.signal,
        );
        if (first && !ctl.signal.aborted) show();
      } catch (e) {
        if (ctl.signal.aborted) return;
        // A step that wrote nothing (yet) has no log: empty, or asked again shortly while it runs.
        if (isNotFound(e)) {
          show();
          if (live) retry = setTimeout(() => setAttempt((n) => n + 1), runRefreshMs);
        } else setError(e);
      } finally {
        if (!ctl.signal.aborted) setReading(false);
      }
    })();
    return () => {
      ctl.abort();
      clearTimeout(retry);
    };
    // A step that finishes while followed is read once more, whole.
  }, [namespace, run, stage, name, started, live, attempt]);
  return (
    <div className="pf-v6-u-mt-md" data-test="step-log-panel" data-step={step.id}>
      <Flex alignItems={{ default: 'alignItemsCenter' }} className="pf-v6-u-mb-sm">
        <FlexItem>
          <Title headingLevel="h3">
            {t('Log of {{name}}', { name: step.id })} <PhaseLabel phase={step.phase} test="log-step-phase" />
          </Title>
        </FlexItem>
        {reading && live && (
          <FlexItem>
            <Label isCompact color="blue" data-test="log-following">
              {t('Following')}
            </Label>
          </FlexItem>
        )}
      </Flex>
      {step.status?.message && <Alert isInline variant={step.phase === 'Failed' ? 'danger' : 'info'} title={step.status.message} className="pf-v6-u-mb-sm" data-test="step-message" />}
      {cut && <p className="ke-subtle">{t('Only the end of the log is shown.')}</p>}
      {error ? <ErrorAlert error={error} onRetry={() => setAttempt((a) => a + 1)} /> : null}
      {!started ? (
        <p className="ke-subtle" data-test="step-log-empty">
          {t('The step has not started yet.')}
        </p>
      ) : (
        <pre className="ke-step-log" data-test="step-log" tabIndex={0} aria-label={t('Log of {{name}}', { name: step.id })}>
          {text || (reading ? '' : t('(no output)'))}
        </pre>
      )}
    </div>
  );
}

/** InputAnswer is a waiting input step's question with approve and reject; a refusal shows the server's Status. */
function InputAnswer({ namespace, run, step }: { namespace: string; run: string; step: GraphStep }) {
  const { t } = useTranslation('devops');
  const toast = useToast();
  const [message, setMessage] = useState('');
  const [answered, setAnswered] = useState(false);
  const approve = useSubmit(
    async () => {
      await approveStep(namespace, run, step.id, message);
      toast.success(t('{{step}} is approved.', { step: step.id }));
    },
    () => setAnswered(true),
  );
  const reject = useSubmit(
    async () => {
      await rejectStep(namespace, run, step.id, message);
      toast.success(t('{{step}} is rejected: the run is aborted.', { step: step.id }));
    },
    () => setAnswered(true),
  );
  const busy = approve.busy || reject.busy;
  const question = step.step?.input?.message || step.status?.message || t('Proceed?');
  return (
    <Alert isInline variant="custom" title={t('Waiting for input: {{step}}', { step: step.id })} className="pf-v6-u-mb-md" data-test={`input-${step.id}`}>
      <p data-test="input-question">{question}</p>
      <Form
        className="pf-v6-u-mt-sm"
        onSubmit={(e) => {
          e.preventDefault();
        }}
      >
        <FormGroup label={t('Message (optional)')} fieldId={`input-message-${step.id}`}>
          <TextInput id={`input-message-${step.id}`} value={message} onChange={(_e, v) => setMessage(v)} data-test="input-message" />
        </FormGroup>
        <Flex>
          <Button onClick={() => void approve.submit()} isLoading={approve.busy} isDisabled={busy || answered} data-test="input-approve">
            {t('Approve')}
          </Button>
          <Button variant="danger" onClick={() => void reject.submit()} isLoading={reject.busy} isDisabled={busy || answered} data-test="input-reject">
            {t('Reject')}
          </Button>
        </Flex>
      </Form>
      {approve.error ? <ErrorAlert error={approve.error} /> : null}
      {reject.error ? <ErrorAlert error={reject.error} /> : null}
    </Alert>
  );
}

/** Replay edits the run's definition and starts a new run with it (the pipeline keeps its own). */
function Replay({ namespace, run, onClose, onStarted }: { namespace: string; run: PipelineRun; onClose: () => void; onStarted: (r: PipelineRun) => void }) {
  const { t } = useTranslation('devops');
  const toast = useToast();
  const [definition, setDefinition] = useState<Definition>(run.status?.definition ?? run.spec.definition ?? emptyDefinition);
  const { busy, error, submit } = useSubmit(async () => {
    const r = await replayRun(namespace, run.metadata.name, definition);
    toast.success(t('Run {{run}} is started.', { run: r.metadata.name }));
    onStarted(r);
  }, onClose);
  return (
    <Modal isOpen onClose={onClose} variant="large" aria-labelledby="replay-title" data-test="replay-dialog">
      <ModalHeader title={t('Replay {{name}}', { name: run.metadata.name })} labelId="replay-title" description={t('A new run with the same parameters and commit, and this definition. The pipeline keeps its own.')} />
      <ModalBody>
        <DefinitionEditor value={definition} onChange={setDefinition} />
        {error ? <ErrorAlert error={error} /> : null}
      </ModalBody>
      <ModalFooter>
        <Button onClick={() => void submit()} isLoading={busy} isDisabled={busy} data-test="replay-submit">
          {t('Replay')}
        </Button>
        <Button variant="link" onClick={onClose}>
          {t('Cancel')}
        </Button>
      </ModalFooter>
    </Modal>
  );
}

function Artifacts({ run }: { run: PipelineRun }) {
  const { t } = useTranslation('devops');
  const items = run.status?.artifacts ?? [];
  if (!items.length) return <p className="ke-subtle pf-v6-u-mt-md" data-test="artifacts-empty">{t('The run kept no artifacts.')}</p>;
  return (
    <Table aria-label={t('Artifacts')} variant="compact" data-test="artifacts">
      <Thead>
        <Tr>
          <Th>{t('Path')}</Th>
          <Th>{t('Size')}</Th>
          <Th>SHA-256</Th>
          <Th>{t('Step')}</Th>
        </Tr>
      </Thead>
      <Tbody>
        {items.map((a) => (
          <Tr key={a.path} data-test={`artifact-${a.path}`}>
            <Td dataLabel={t('Path')}>
              <a href={artifactURL(run.metadata.namespace ?? '', run.metadata.name, a.path)} download data-test={`artifact-download-${a.path}`}>
                <code>{a.path}</code>
              </a>
            </Td>
            <Td dataLabel={t('Size')}>{size(a.size)}</Td>
            <Td dataLabel="SHA-256">
              <code className="ke-subtle">{a.sha256}</code>
            </Td>
            <Td dataLabel={t('Step')}>{a.step || '-'}</Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

function Images({ run }: { run: PipelineRun }) {
  const { t } = useTranslation('devops');
  const items = run.status?.images ?? [];
  if (!items.length) return <p className="ke-subtle pf-v6-u-mt-md" data-test="images-empty">{t('The run built no images.')}</p>;
  return (
    <Table aria-label={t('Images')} variant="compact" data-test="images">
      <Thead>
        <Tr>
          <Th>{t('Reference')}</Th>
          <Th>{t('Digest')}</Th>
          <Th>{t('Pushed')}</Th>
        </Tr>
      </Thead>
      <Tbody>
        {items.map((i) => (
          <Tr key={i.reference + i.digest}>
            <Td dataLabel={t('Reference')}>
              <code>{i.reference}</code>
            </Td>
            <Td dataLabel={t('Digest')}>
              <code className="ke-subtle">{i.digest}</code>
            </Td>
            <Td dataLabel={t('Pushed')}>{i.pushed ? t('Yes') : t('No')}</Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

const gateColors: Record<string, 'green' | 'orange' | 'red' | 'grey'> = { OK: 'green', WARN: 'orange', ERROR: 'red', NONE: 'grey' };

/** Quality is SonarQube's verdict on the run's commit: the quality gate, bugs, vulnerabilities, code smells and coverage. */
function Quality({ q }: { q: CodeQuality | undefined }) {
  const { t } = useTranslation('devops');
  if (!q) return <p className="ke-subtle pf-v6-u-mt-md" data-test="quality-empty">{t('The run has no code quality step, or it has not run yet.')}</p>;
  const gateText: Record<string, string> = { OK: t('Passed'), WARN: t('Warning'), ERROR: t('Failed'), NONE: t('No quality gate') };
  const n = (v: number | undefined) => (v === undefined ? '-' : String(v));
  return (
    <DescriptionList isHorizontal className="pf-v6-u-mt-md" data-test="code-quality">
      <DescriptionListGroup>
        <DescriptionListTerm>{t('Quality gate')}</DescriptionListTerm>
        <DescriptionListDescription>
          <Label color={gateColors[q.qualityGate] ?? 'grey'} data-test="quality-gate" data-gate={q.qualityGate}>
            {gateText[q.qualityGate] ?? q.qualityGate}
          </Label>
        </DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>{t('SonarQube project key')}</DescriptionListTerm>
        <DescriptionListDescription>{q.url ? <a href={q.url} target="_blank" rel="noreferrer">{q.projectKey}</a> : q.projectKey}</DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>{t('Bugs')}</DescriptionListTerm>
        <DescriptionListDescription data-test="quality-bugs">{n(q.bugs)}</DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>{t('Vulnerabilities')}</DescriptionListTerm>
        <DescriptionListDescription data-test="quality-vulnerabilities">{n(q.vulnerabilities)}</DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>{t('Code smells')}</DescriptionListTerm>
        <DescriptionListDescription data-test="quality-smells">{n(q.codeSmells)}</DescriptionListDescription>
      </DescriptionListGroup>
      <DescriptionListGroup>
        <DescriptionListTerm>{t('Coverage')}</DescriptionListTerm>
        <DescriptionListDescription data-test="quality-coverage">{q.coverage ? `${q.coverage}%` : '-'}</DescriptionListDescription>
      </DescriptionListGroup>
    </DescriptionList>
  );
}

function Parameters({ run }: { run: PipelineRun }) {
  const { t } = useTranslation('devops');
  const params = run.spec.parameters ?? [];
  const approvals = run.spec.approvals ?? [];
  return (
    <DescriptionList isHorizontal className="pf-v6-u-mt-md" data-test="run-parameters">
      {params.length === 0 && <p className="ke-subtle">{t('The run has no parameters.')}</p>}
      {params.map((p) => (
        <DescriptionListGroup key={p.name}>
          <DescriptionListTerm>
            <code>{p.name}</code>
          </DescriptionListTerm>
          <DescriptionListDescription>{p.value || '-'}</DescriptionListDescription>
        </DescriptionListGroup>
      ))}
      {approvals.map((a) => (
        <DescriptionListGroup key={a.step + a.user}>
          <DescriptionListTerm>{a.step}</DescriptionListTerm>
          <DescriptionListDescription data-test="approval">
            {a.approved ? t('Approved by {{user}}', { user: a.user }) : t('Rejected by {{user}}', { user: a.user })}
            {a.message ? `: ${a.message}` : ''}
          </DescriptionListDescription>
        </DescriptionListGroup>
      ))}
      <p>
        <Link to={`/devops/${run.metadata.namespace}/pipelines/${run.spec.pipeline}`}>{t('Back to the pipeline')}</Link>
      </p>
    </DescriptionList>
  );
}
