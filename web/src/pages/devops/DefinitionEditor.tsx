import {
  Alert,
  Button,
  Card,
  CardBody,
  CardHeader,
  CardTitle,
  Checkbox,
  Flex,
  FlexItem,
  Form,
  FormGroup,
  FormSelect,
  FormSelectOption,
  Grid,
  GridItem,
  Label,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  NumberInput,
  Spinner,
  Switch,
  TextArea,
  TextInput,
  ToggleGroup,
  ToggleGroupItem,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { importJenkinsfile, problemAt, stepKinds, type Definition, type JenkinsfileImport, type Stage, type Step, type StepKind } from '../../api/devops';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FieldHelp } from '../../components/FormModal';
import { useSubmit } from '../../components/useSubmit';
import {
  addBranch,
  addStage,
  addStep,
  fromYaml,
  makeParallel,
  makeSequential,
  moveStage,
  moveStep,
  removeBranch,
  removeStage,
  removeStep,
  stepKind,
  stepsAt,
  toYaml,
  updateBranch,
  updateStage,
  updateStep,
  withKind,
  type StepsAt,
  type YamlProblem,
} from './definition';

const YamlEditor = lazy(() => import('../../components/YamlEditor'));

/** useKindText names a step kind in the user's words. */
export function useKindText(): (k: string | undefined) => string {
  const { t } = useTranslation('devops');
  const words: Record<string, string> = {
    shell: t('Shell script'),
    checkout: t('Checkout'),
    buildImage: t('Build image'),
    deploy: t('Deploy'),
    input: t('Input'),
    codeQuality: t('Code quality'),
    artifacts: t('Artifacts'),
  };
  return (k) => words[k ?? ''] ?? k ?? '-';
}

type Selected = { at: StepsAt; step: number } | { stage: number } | undefined;

/**
 * DefinitionEditor edits a pipeline's definition in two views kept in
 * step: the graph (stages as columns, steps as cards, parallel branches
 * side by side in a stage) and its YAML. An edit of the graph rewrites the
 * YAML; an edit of the YAML that reads as a definition redraws the graph,
 * and one that does not says which line is wrong and leaves the graph as
 * it was. Import Jenkinsfile replaces the definition with the server's
 * reading of a declarative Jenkinsfile.
 */
export function DefinitionEditor({ value, onChange, readOnly, onImport }: { value: Definition; onChange: (d: Definition) => void; readOnly?: boolean; onImport?: (imp: JenkinsfileImport) => void }) {
  const { t } = useTranslation('devops');
  const [view, setView] = useState<'graph' | 'yaml'>('graph');
  // The YAML text and the definition it was read as (or written from): a
  // new definition from the graph writes new text; a text that does not
  // read keeps its problem until it is fixed or the graph changes.
  const [yaml, setYaml] = useState<{ text: string; of: Definition; problem?: YamlProblem }>(() => ({ text: toYaml(value), of: value }));
  const shown = yaml.of === value ? yaml : { text: toYaml(value), of: value, problem: undefined };
  const [selected, setSelected] = useState<Selected>();
  const [importing, setImporting] = useState(false);

  const onYaml = (text: string) => {
    const r = fromYaml(text);
    if ('problem' in r) {
      setYaml({ text, of: value, problem: r.problem });
      return;
    }
    setYaml({ text, of: r.definition });
    onChange(r.definition);
  };

  return (
    <div data-test="definition-editor">
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem>
            <ToggleGroup aria-label={t('Definition view')}>
              <ToggleGroupItem text={t('Graph')} isSelected={view === 'graph'} onChange={() => setView('graph')} data-test="definition-view-graph" />
              <ToggleGroupItem text={t('YAML')} isSelected={view === 'yaml'} onChange={() => setView('yaml')} data-test="definition-view-yaml" />
            </ToggleGroup>
          </ToolbarItem>
          {!readOnly && onImport && (
            <ToolbarItem>
              <Button variant="secondary" onClick={() => setImporting(true)} data-test="import-jenkinsfile">
                {t('Import Jenkinsfile')}
              </Button>
            </ToolbarItem>
          )}
        </ToolbarContent>
      </Toolbar>
      {shown.problem && (
        <Alert isInline variant="danger" title={t('The YAML is not a valid definition')} data-test="yaml-problem" data-line={shown.problem.line} className="pf-v6-u-mb-md">
          {t('Line {{line}}: {{message}}', { line: shown.problem.line, message: shown.problem.message })}
          {view === 'graph' && <p>{t('The graph shows the definition before this edit.')}</p>}
        </Alert>
      )}
      {view === 'yaml' ? (
        <Suspense fallback={<Spinner size="lg" aria-label={t('Loading')} />}>
          <YamlEditor value={shown.text} onChange={readOnly ? undefined : onYaml} readOnly={readOnly} label={t('YAML of the definition')} />
        </Suspense>
      ) : (
        <StageGraph value={value} onChange={onChange} readOnly={readOnly} selected={selected} onSelect={setSelected} />
      )}
      {importing && onImport && (
        <ImportJenkinsfile
          onClose={() => setImporting(false)}
          onImported={(imp) => {
            onChange(imp.definition);
            onImport(imp);
          }}
        />
      )}
    </div>
  );
}

/** StageGraph is the graphical editor: columns of stages with their steps' cards, and the form of the one selected. */
function StageGraph({ value, onChange, readOnly, selected, onSelect }: { value: Definition; onChange: (d: Definition) => void; readOnly?: boolean; selected: Selected; onSelect: (s: Selected) => void }) {
  const { t } = useTranslation('devops');
  const kindText = useKindText();
  const [newKind, setNewKind] = useState<StepKind>('shell');
  const stages = value.stages ?? [];

  const stepList = (at: StepsAt, steps: Step[], test: string) => (
    <>
      {steps.map((s, j) => {
        const isSel = !!selected && 'at' in selected && selected.at.stage === at.stage && selected.at.branch === at.branch && selected.step === j;
        return (
          <Card key={j} isCompact className={`pf-v6-u-mb-sm${isSel ? ' ke-step-selected' : ''}`} data-test={`${test}-step-${j}`} data-selected={isSel}>
            <CardHeader>
              <CardTitle>
                <span data-test="step-name">{s.name || `${stepKind(s) ?? 'step'}-${j + 1}`}</span>{' '}
                <Label isCompact data-test="step-kind">
                  {kindText(stepKind(s))}
                </Label>
              </CardTitle>
            </CardHeader>
            {!readOnly && (
              <CardBody>
                <Button variant="plain" size="sm" aria-label={t('Move up')} isDisabled={j === 0} onClick={() => onChange(moveStep(value, at, j, j - 1))} data-test="step-up">
                  ↑
                </Button>
                <Button variant="plain" size="sm" aria-label={t('Move down')} isDisabled={j === steps.length - 1} onClick={() => onChange(moveStep(value, at, j, j + 1))} data-test="step-down">
                  ↓
                </Button>
                <Button variant="link" size="sm" onClick={() => onSelect({ at, step: j })} data-test="step-edit">
                  {t('Edit')}
                </Button>
                <Button
                  variant="link"
                  isDanger
                  size="sm"
                  onClick={() => {
                    onSelect(undefined);
                    onChange(removeStep(value, at, j));
                  }}
                  data-test="step-remove"
                >
                  {t('Remove')}
                </Button>
              </CardBody>
            )}
          </Card>
        );
      })}
      {!readOnly && (
        <Button variant="link" size="sm" onClick={() => onChange(addStep(value, at, newKind))} data-test={`${test}-add-step`}>
          {t('Add {{kind}} step', { kind: kindText(newKind) })}
        </Button>
      )}
    </>
  );

  return (
    <>
      {!readOnly && (
        <Flex className="pf-v6-u-mb-md" alignItems={{ default: 'alignItemsCenter' }}>
          <FlexItem>
            <Button variant="secondary" onClick={() => onChange(addStage(value))} data-test="add-stage">
              {t('Add stage')}
            </Button>
          </FlexItem>
          <FlexItem>
            <FormSelect aria-label={t('Kind of the steps to add')} value={newKind} onChange={(_e, v) => setNewKind(v as StepKind)} data-test="new-step-kind">
              {stepKinds.map((k) => (
                <FormSelectOption key={k} value={k} label={kindText(k)} />
              ))}
            </FormSelect>
          </FlexItem>
        </Flex>
      )}
      <div className="ke-stage-graph" data-test="stage-graph">
        {stages.map((s, i) => (
          <div key={i} className="ke-stage-column" data-test={`stage-${i}`} data-stage={s.name}>
            <Card isCompact>
              <CardHeader>
                <CardTitle>
                  <span data-test="stage-name">{s.name}</span>
                  {s.when && <Label isCompact className="pf-v6-u-ml-sm">{t('Conditional')}</Label>}
                </CardTitle>
              </CardHeader>
              <CardBody>
                {!readOnly && (
                  <Flex spaceItems={{ default: 'spaceItemsNone' }} className="pf-v6-u-mb-sm">
                    <Button variant="plain" size="sm" aria-label={t('Move left')} isDisabled={i === 0} onClick={() => onChange(moveStage(value, i, i - 1))} data-test="stage-left">
                      ←
                    </Button>
                    <Button variant="plain" size="sm" aria-label={t('Move right')} isDisabled={i === stages.length - 1} onClick={() => onChange(moveStage(value, i, i + 1))} data-test="stage-right">
                      →
                    </Button>
                    <Button variant="link" size="sm" onClick={() => onSelect({ stage: i })} data-test="stage-edit">
                      {t('Settings')}
                    </Button>
                    <Button
                      variant="link"
                      isDanger
                      size="sm"
                      isDisabled={stages.length === 1}
                      onClick={() => {
                        onSelect(undefined);
                        onChange(removeStage(value, i));
                      }}
                      data-test="stage-remove"
                    >
                      {t('Remove')}
                    </Button>
                  </Flex>
                )}
                {!readOnly && (
                  <Switch
                    id={`stage-${i}-parallel`}
                    label={t('Parallel branches')}
                    isChecked={!!s.parallel}
                    onChange={(_e, on) => {
                      onSelect(undefined);
                      onChange(on ? makeParallel(value, i) : makeSequential(value, i));
                    }}
                    data-test="stage-parallel"
                    className="pf-v6-u-mb-sm"
                  />
                )}
                {s.parallel ? (
                  <div className="ke-stage-lanes">
                    {s.parallel.map((b, k) => (
                      <div key={k} className="ke-stage-lane" data-test={`stage-${i}-branch-${k}`} data-branch={b.name}>
                        {readOnly ? (
                          <p className="ke-subtle">{b.name}</p>
                        ) : (
                          <Flex spaceItems={{ default: 'spaceItemsXs' }} className="pf-v6-u-mb-sm">
                            <FlexItem>
                              <TextInput aria-label={t('Branch name')} value={b.name} onChange={(_e, v) => onChange(updateBranch(value, i, k, { name: v }))} data-test="branch-name" />
                            </FlexItem>
                            <Button variant="link" isDanger size="sm" isDisabled={s.parallel!.length === 1} onClick={() => onChange(removeBranch(value, i, k))} data-test="branch-remove">
                              {t('Remove')}
                            </Button>
                          </Flex>
                        )}
                        {stepList({ stage: i, branch: k }, b.steps ?? [], `stage-${i}-branch-${k}`)}
                      </div>
                    ))}
                    {!readOnly && (
                      <Button variant="link" size="sm" onClick={() => onChange(addBranch(value, i))} data-test={`stage-${i}-add-branch`}>
                        {t('Add branch')}
                      </Button>
                    )}
                  </div>
                ) : (
                  stepList({ stage: i }, s.steps ?? [], `stage-${i}`)
                )}
              </CardBody>
            </Card>
          </div>
        ))}
      </div>
      {selected && 'stage' in selected && stages[selected.stage] && (
        <StageForm key={`stage-${selected.stage}`} stage={stages[selected.stage]} readOnly={readOnly} onChange={(patch) => onChange(updateStage(value, selected.stage, patch))} onClose={() => onSelect(undefined)} />
      )}
      {selected && 'at' in selected && stepsAt(value, selected.at)[selected.step] && (
        <StepForm
          key={`step-${selected.at.stage}-${selected.at.branch ?? ''}-${selected.step}`}
          step={stepsAt(value, selected.at)[selected.step]}
          readOnly={readOnly}
          onChange={(s) => onChange(updateStep(value, selected.at, selected.step, s))}
          onClose={() => onSelect(undefined)}
        />
      )}
    </>
  );
}

/** LinesInput edits a list of strings as lines of text; empty lines are left out of the list. */
function LinesInput({ id, value, onChange, readOnly, test }: { id: string; value: string[]; onChange: (v: string[]) => void; readOnly?: boolean; test: string }) {
  const [text, setText] = useState(value.join('\n'));
  const lines = (s: string) => s.split('\n').map((l) => l.trim()).filter(Boolean);
  const shown = JSON.stringify(lines(text)) === JSON.stringify(value) ? text : value.join('\n');
  return (
    <TextArea
      id={id}
      value={shown}
      readOnlyVariant={readOnly ? 'default' : undefined}
      onChange={(_e, v) => {
        setText(v);
        onChange(lines(v));
      }}
      resizeOrientation="vertical"
      data-test={test}
    />
  );
}

function numberOr0(v: string | number | undefined): number {
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? Math.max(0, Math.min(10, Math.round(n))) : 0;
}

/** StageForm edits a stage's name, its condition (when), timeout and retries. */
function StageForm({ stage, readOnly, onChange, onClose }: { stage: Stage; readOnly?: boolean; onChange: (patch: Partial<Stage>) => void; onClose: () => void }) {
  const { t } = useTranslation('devops');
  const when = stage.when ?? {};
  return (
    <Card className="pf-v6-u-mt-md" data-test="stage-form">
      <CardHeader actions={{ actions: <Button variant="link" onClick={onClose} data-test="stage-form-close">{t('Close')}</Button> }}>
        <CardTitle>{t('Stage {{name}}', { name: stage.name })}</CardTitle>
      </CardHeader>
      <CardBody>
        <Form isHorizontal onSubmit={(e) => e.preventDefault()}>
          <Grid hasGutter md={6}>
            <GridItem>
              <FormGroup label={t('Name')} isRequired fieldId="stage-name">
                <TextInput id="stage-name" value={stage.name} readOnlyVariant={readOnly ? 'default' : undefined} onChange={(_e, v) => onChange({ name: v })} data-test="stage-name-input" />
                <FieldHelp rule={t('Unique in the pipeline, at most 63 characters.')} />
              </FormGroup>
            </GridItem>
            <GridItem>
              <FormGroup label={t('Timeout')} fieldId="stage-timeout">
                <TextInput id="stage-timeout" value={stage.timeout ?? ''} placeholder="30m" readOnlyVariant={readOnly ? 'default' : undefined} onChange={(_e, v) => onChange({ timeout: v || undefined })} data-test="stage-timeout" />
                <FieldHelp rule={t('A duration such as 90s, 30m or 1h.')} />
              </FormGroup>
            </GridItem>
            <GridItem>
              <FormGroup label={t('Retries')} fieldId="stage-retry">
                <NumberInput
                  id="stage-retry"
                  value={stage.retry ?? 0}
                  min={0}
                  max={10}
                  isDisabled={readOnly}
                  onMinus={() => onChange({ retry: numberOr0((stage.retry ?? 0) - 1) })}
                  onPlus={() => onChange({ retry: numberOr0((stage.retry ?? 0) + 1) })}
                  onChange={(e) => onChange({ retry: numberOr0((e.target as HTMLInputElement).value) })}
                  minusBtnAriaLabel={t('Fewer')}
                  plusBtnAriaLabel={t('More')}
                  data-test="stage-retry"
                />
              </FormGroup>
            </GridItem>
            <GridItem>
              <FormGroup label={t('Only on branches')} fieldId="stage-when-branch">
                <TextInput id="stage-when-branch" value={when.branch ?? ''} placeholder="main" readOnlyVariant={readOnly ? 'default' : undefined} onChange={(_e, v) => onChange({ when: { ...when, branch: v || undefined } })} data-test="stage-when-branch" />
                <FieldHelp rule={t('A glob the run\'s branch must match, such as release-*.')} />
              </FormGroup>
            </GridItem>
            <GridItem>
              <FormGroup label={t('Only when parameter')} fieldId="stage-when-param">
                <Flex>
                  <TextInput
                    id="stage-when-param"
                    aria-label={t('Parameter name')}
                    placeholder={t('Parameter name')}
                    value={when.parameter?.name ?? ''}
                    readOnlyVariant={readOnly ? 'default' : undefined}
                    onChange={(_e, v) => onChange({ when: { ...when, parameter: v || when.parameter?.value ? { name: v, value: when.parameter?.value ?? '' } : undefined } })}
                    data-test="stage-when-param-name"
                  />
                  <TextInput
                    aria-label={t('Parameter value')}
                    placeholder={t('Parameter value')}
                    value={when.parameter?.value ?? ''}
                    readOnlyVariant={readOnly ? 'default' : undefined}
                    onChange={(_e, v) => onChange({ when: { ...when, parameter: v || when.parameter?.name ? { name: when.parameter?.name ?? '', value: v } : undefined } })}
                    data-test="stage-when-param-value"
                  />
                </Flex>
              </FormGroup>
            </GridItem>
          </Grid>
        </Form>
      </CardBody>
    </Card>
  );
}

/** StepForm edits a step: its kind and that kind's fields, and the fields every step has (name, image, timeout, retries). */
function StepForm({ step, readOnly, onChange, onClose }: { step: Step; readOnly?: boolean; onChange: (s: Step) => void; onClose: () => void }) {
  const { t } = useTranslation('devops');
  const kindText = useKindText();
  const kind = stepKind(step) ?? 'shell';
  const ro = readOnly ? ('default' as const) : undefined;
  const text = (id: string, label: string, value: string | undefined, set: (v: string) => void, rule?: string, required?: boolean) => (
    <FormGroup label={label} fieldId={id} isRequired={required}>
      <TextInput id={id} value={value ?? ''} readOnlyVariant={ro} onChange={(_e, v) => set(v)} data-test={id} />
      <FieldHelp rule={rule} />
    </FormGroup>
  );
  let fields: React.ReactNode = null;
  switch (kind) {
    case 'shell':
      fields = (
        <FormGroup label={t('Script')} isRequired fieldId="step-script">
          <TextArea id="step-script" value={step.shell?.script ?? ''} readOnlyVariant={ro} onChange={(_e, v) => onChange({ ...step, shell: { script: v } })} rows={6} resizeOrientation="vertical" className="ke-code" data-test="step-script" />
          <FieldHelp rule={t('Runs with sh -e in the workspace: the first failing command fails the step.')} />
        </FormGroup>
      );
      break;
    case 'checkout':
      fields = text('step-checkout-dir', t('Folder'), step.checkout?.dir, (v) => onChange({ ...step, checkout: { dir: v || undefined } }), t('Where in the workspace to clone the source (default: the workspace itself).'));
      break;
    case 'buildImage': {
      const b = step.buildImage ?? { image: '' };
      fields = (
        <>
          {text('step-build-image', t('Image'), b.image, (v) => onChange({ ...step, buildImage: { ...b, image: v } }), t('The reference to tag the image as, such as registry.example.com/team/app:${params.VERSION}.'), true)}
          {text('step-build-context', t('Context'), b.context, (v) => onChange({ ...step, buildImage: { ...b, context: v || undefined } }), t('The folder of the source in the workspace (default .).'))}
          <Checkbox id="step-build-push" label={t('Push the image')} isChecked={!!b.push} isDisabled={readOnly} onChange={(_e, v) => onChange({ ...step, buildImage: { ...b, push: v || undefined } })} data-test="step-build-push" />
          {b.push && text('step-build-credential', t('Push credential'), b.pushCredential, (v) => onChange({ ...step, buildImage: { ...b, pushCredential: v || undefined } }), t('A credential of this DevOps project for the registry.'))}
        </>
      );
      break;
    }
    case 'deploy': {
      const d = step.deploy ?? { project: '', manifests: [] };
      fields = (
        <>
          {text('step-deploy-project', t('Project'), d.project, (v) => onChange({ ...step, deploy: { ...d, project: v } }), t('The project (namespace) to apply the manifests to, with the permissions of the run\'s user.'), true)}
          <FormGroup label={t('Manifests')} isRequired fieldId="step-deploy-manifests">
            <LinesInput id="step-deploy-manifests" value={d.manifests ?? []} readOnly={readOnly} onChange={(v) => onChange({ ...step, deploy: { ...d, manifests: v } })} test="step-deploy-manifests" />
            <FieldHelp rule={t('Files or folders of YAML in the workspace, one a line.')} />
          </FormGroup>
        </>
      );
      break;
    }
    case 'input': {
      const i = step.input ?? { message: '' };
      fields = (
        <>
          {text('step-input-message', t('Message'), i.message, (v) => onChange({ ...step, input: { ...i, message: v } }), t('What the approver is asked, such as "Deploy to production?"'), true)}
          {text('step-input-timeout', t('Waits at most'), i.timeout, (v) => onChange({ ...step, input: { ...i, timeout: v || undefined } }), t('A duration after which the run is aborted (default: the stage\'s or the run\'s timeout).'))}
        </>
      );
      break;
    }
    case 'codeQuality': {
      const c = step.codeQuality ?? { projectKey: '' };
      fields = (
        <>
          {text('step-quality-key', t('SonarQube project key'), c.projectKey, (v) => onChange({ ...step, codeQuality: { ...c, projectKey: v } }), undefined, true)}
          <Checkbox
            id="step-quality-gate"
            label={t('Fail the step when the quality gate is not OK')}
            isChecked={!!c.failOnQualityGate}
            isDisabled={readOnly}
            onChange={(_e, v) => onChange({ ...step, codeQuality: { ...c, failOnQualityGate: v || undefined } })}
            data-test="step-quality-gate"
          />
        </>
      );
      break;
    }
    case 'artifacts':
      fields = (
        <FormGroup label={t('Paths')} isRequired fieldId="step-artifacts-paths">
          <LinesInput id="step-artifacts-paths" value={step.artifacts?.paths ?? []} readOnly={readOnly} onChange={(v) => onChange({ ...step, artifacts: { paths: v } })} test="step-artifacts-paths" />
          <FieldHelp rule={t('Globs relative to the workspace, one a line, such as bin/*.')} />
        </FormGroup>
      );
      break;
  }
  return (
    <Card className="pf-v6-u-mt-md" data-test="step-form">
      <CardHeader actions={{ actions: <Button variant="link" onClick={onClose} data-test="step-form-close">{t('Close')}</Button> }}>
        <CardTitle>{t('Step {{name}}', { name: step.name ?? '' })}</CardTitle>
      </CardHeader>
      <CardBody>
        <Form onSubmit={(e) => e.preventDefault()}>
          <Grid hasGutter md={6}>
            <GridItem>
              <FormGroup label={t('Kind')} fieldId="step-kind">
                <FormSelect id="step-kind" value={kind} isDisabled={readOnly} onChange={(_e, v) => onChange(withKind(step, v as StepKind))} data-test="step-kind-select">
                  {stepKinds.map((k) => (
                    <FormSelectOption key={k} value={k} label={kindText(k)} />
                  ))}
                </FormSelect>
              </FormGroup>
            </GridItem>
            <GridItem>{text('step-name-input', t('Name'), step.name, (v) => onChange({ ...step, name: v || undefined }), t('Unique in its stage; default: the kind and its place.'))}</GridItem>
            <GridItem span={12}>{fields}</GridItem>
            <GridItem>{text('step-image', t('Container image'), step.image, (v) => onChange({ ...step, image: v || undefined }), t('The image the step runs in on the Kubernetes executor (default: the executor\'s for the kind).'))}</GridItem>
            <GridItem>{text('step-timeout', t('Timeout'), step.timeout, (v) => onChange({ ...step, timeout: v || undefined }), t('A duration such as 90s, 30m or 1h.'))}</GridItem>
            <GridItem>
              <FormGroup label={t('Retries')} fieldId="step-retry">
                <NumberInput
                  id="step-retry"
                  value={step.retry ?? 0}
                  min={0}
                  max={10}
                  isDisabled={readOnly}
                  onMinus={() => onChange({ ...step, retry: numberOr0((step.retry ?? 0) - 1) })}
                  onPlus={() => onChange({ ...step, retry: numberOr0((step.retry ?? 0) + 1) })}
                  onChange={(e) => onChange({ ...step, retry: numberOr0((e.target as HTMLInputElement).value) })}
                  minusBtnAriaLabel={t('Fewer')}
                  plusBtnAriaLabel={t('More')}
                  data-test="step-retry"
                />
              </FormGroup>
            </GridItem>
          </Grid>
        </Form>
      </CardBody>
    </Card>
  );
}

/** ImportJenkinsfile sends a declarative Jenkinsfile to the server and gives back its definition, or shows the line it could not read. */
function ImportJenkinsfile({ onClose, onImported }: { onClose: () => void; onImported: (imp: JenkinsfileImport) => void }) {
  const { t } = useTranslation('devops');
  const [text, setText] = useState('');
  const { busy, error, submit } = useSubmit(async () => onImported(await importJenkinsfile(text)), onClose);
  const problem = problemAt(error);
  return (
    <Modal isOpen onClose={onClose} variant="medium" aria-labelledby="import-jenkinsfile-title" data-test="import-jenkinsfile-dialog">
      <ModalHeader title={t('Import Jenkinsfile')} labelId="import-jenkinsfile-title" description={t('A declarative Jenkinsfile becomes this pipeline\'s definition and parameters; what has no equivalent is listed as warnings.')} />
      <ModalBody>
        <Form onSubmit={(e) => e.preventDefault()}>
          <FormGroup label={t('Jenkinsfile')} isRequired fieldId="jenkinsfile">
            <TextArea id="jenkinsfile" value={text} onChange={(_e, v) => setText(v)} rows={16} resizeOrientation="vertical" className="ke-code" data-test="jenkinsfile" />
          </FormGroup>
        </Form>
        {problem ? (
          <Alert isInline variant="danger" title={t('The Jenkinsfile cannot be imported')} data-test="jenkinsfile-problem" data-line={problem.line ?? ''}>
            {problem.line ? t('Line {{line}}: {{message}}', { line: problem.line, message: problem.message }) : problem.message}
          </Alert>
        ) : error ? (
          <ErrorAlert error={error} />
        ) : null}
      </ModalBody>
      <ModalFooter>
        <Button onClick={() => void submit()} isLoading={busy} isDisabled={busy || !text.trim()} data-test="import-jenkinsfile-submit">
          {t('Import')}
        </Button>
        <Button variant="link" onClick={onClose}>
          {t('Cancel')}
        </Button>
      </ModalFooter>
    </Modal>
  );
}
