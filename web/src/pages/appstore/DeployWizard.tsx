import {
  ActionGroup,
  Alert,
  Button,
  Card,
  CardBody,
  CardTitle,
  Checkbox,
  Form,
  FormGroup,
  FormSelect,
  FormSelectOption,
  PageSection,
  Stack,
  TextArea,
  TextInput,
  ToggleGroup,
  ToggleGroupItem,
} from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { useAccess } from '../../api/access';
import {
  appTitle,
  createRelease,
  dryRun,
  group,
  upgradeRelease,
  useApp,
  useRelease,
  useVersionFiles,
  useVersions,
  type Application,
  type ApplicationVersion,
  type DryRun,
  type Release,
  type VersionFiles,
} from '../../api/appstore';
import { useList } from '../../api/resources';
import type { K8sObject } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FieldHelp } from '../../components/FormModal';
import { Loading } from '../../components/Loading';
import { PageHeader, type Crumb } from '../../components/PageHeader';
import { PageError } from '../../components/PageState';
import { useToast } from '../../components/Toast';
import { useSubmit } from '../../components/useSubmit';
import { manifestDiff } from './manifestDiff';
import { appPage, releasePage, releasesPage, storePage } from './paths';
import { stringify } from 'yaml';
import { errorsOf, fieldsOf, initialState, parseValues, toValues, type Field, type FormState } from './schemaForm';

const YamlEditor = lazy(() => import('../../components/YamlEditor'));

/** A Helm release name: a DNS label of at most 53 characters (Helm's limit). */
export function isReleaseName(s: string): boolean {
  return s.length > 0 && s.length <= 53 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
}

/** deepMerge sets b's values over a's (mappings merge, anything else is replaced), as Helm merges values. */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = isMap(cur) && isMap(v) ? deepMerge(cur, v) : v;
  }
  return out;
}

/** The values as the wizard edits them: in the form made from the schema, or as YAML. */
export interface Draft {
  version: string;
  mode: 'form' | 'yaml';
  form: FormState;
  yaml: string;
}

const isMap = (x: unknown): x is Record<string, unknown> => x !== null && typeof x === 'object' && !Array.isArray(x);

/** overrides are the values of a release that differ from its chart's defaults: what the user chose. */
export function overrides(values: Record<string, unknown>, defaults: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    const d = defaults[k];
    if (isMap(v) && isMap(d)) {
      const sub = overrides(v, d);
      if (Object.keys(sub).length > 0) out[k] = sub;
    } else if (JSON.stringify(v) !== JSON.stringify(d)) out[k] = v;
  }
  return out;
}

function readValues(text: string | undefined): Record<string, unknown> | undefined {
  try {
    return parseValues(text ?? '');
  } catch {
    return undefined;
  }
}

/**
 * startDraft is what the values start as for a version: for a new release
 * the chart's defaults; for an upgrade on the same version the release's
 * values; for an upgrade to another version that version's defaults with
 * the release's own choices (where its values differ from its version's
 * defaults) set over them, so that the old defaults do not pin the new
 * chart. The form when the chart has a schema with fields, else YAML.
 */
export function startDraft(
  version: string,
  files: VersionFiles,
  current?: { values: string; version: string; defaults?: string },
): { draft: Draft; fields: Field[]; base: Record<string, unknown> } {
  const defaults = readValues(files.values) ?? {};
  let base = defaults;
  let yaml = files.values;
  if (current?.values) {
    const mine = readValues(current.values);
    const oldDefaults = current.version === version ? undefined : readValues(current.defaults);
    if (current.version === version || !mine || !oldDefaults) {
      // The same version (or values the console cannot compare): the release's values as they are.
      yaml = current.values;
      base = mine ? deepMerge(defaults, mine) : defaults;
    } else {
      const chosen = overrides(mine, oldDefaults);
      base = deepMerge(defaults, chosen);
      yaml = Object.keys(chosen).length === 0 ? files.values : stringify(base);
    }
  }
  const fields = files.schema ? fieldsOf(files.schema) : [];
  if (fields.length > 0) return { draft: { version, mode: 'form', form: initialState(fields, base), yaml }, fields, base };
  return { draft: { version, mode: 'yaml', form: {}, yaml }, fields, base };
}

/**
 * DeployWizard installs an app into a project, or upgrades a release: the
 * version, the project and release name (new releases), the values (a form
 * made from the chart's values.schema.json, or its default values as
 * YAML), then the rendered manifests' diff against what is deployed (a dry
 * run as the user), and only then the install or upgrade.
 */
export default function DeployWizard() {
  const params = useParams();
  const upgrading = !!params.namespace && !!params.name;
  const release = useRelease(params.namespace ?? '', upgrading ? params.name : undefined);
  const appName = upgrading ? release.data?.spec.application : params.app;
  const app = useApp(appName);
  const versions = useVersions(appName);
  if (upgrading && release.error) return <PageError error={release.error} onRetry={() => void release.refetch()} />;
  if (app.error) return <PageError error={app.error} onRetry={() => void app.refetch()} />;
  if (versions.error) return <PageError error={versions.error} onRetry={() => void versions.refetch()} />;
  if ((upgrading && !release.data) || !app.data || !versions.data) return <Loading />;
  return <Wizard app={app.data} versions={versions.data} release={upgrading ? release.data : undefined} />;
}

function Wizard({ app, versions, release }: { app: Application; versions: ApplicationVersion[]; release?: Release }) {
  const { t } = useTranslation('appstore');
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const toast = useToast();
  const client = useQueryClient();
  // Versions in the store; an upgrade may also stay on the release's version.
  const offered = versions.filter((v) => v.spec.state === 'active' || v.metadata.name === release?.spec.version);
  const [version, setVersion] = useState(() => {
    const wanted = search.get('version') ?? release?.spec.version;
    return offered.find((v) => v.metadata.name === wanted)?.metadata.name ?? offered[0]?.metadata.name ?? '';
  });
  const [namespace, setNamespace] = useState(release?.metadata.namespace ?? search.get('namespace') ?? '');
  const [typedName, setTypedName] = useState<string>();
  const files = useVersionFiles(app.metadata.name, version || undefined);
  // An upgrade to another version compares the release's values with its own version's defaults.
  const otherVersion = !!release && !!version && version !== release.spec.version;
  const oldFiles = useVersionFiles(app.metadata.name, otherVersion ? release.spec.version : undefined);
  const currentValues = release?.spec.values;
  const currentVersion = release?.spec.version ?? '';
  const oldDefaults = oldFiles.data?.values;
  const waitOld = otherVersion && !!currentValues && oldFiles.isLoading;
  const start = useMemo(
    () => (files.data && !waitOld ? startDraft(version, files.data, currentValues ? { values: currentValues, version: currentVersion, defaults: oldDefaults } : undefined) : undefined),
    [files.data, waitOld, version, currentValues, currentVersion, oldDefaults],
  );
  const [edited, setEdited] = useState<Draft>();
  const draft = edited?.version === version ? edited : start?.draft;
  const [reviewed, setReviewed] = useState<{ key: string; result: DryRun }>();
  const namespaces = useList<K8sObject>('namespaces', undefined, { limit: 200, sortBy: 'name', ascending: true }, { live: false, enabled: !release });
  const placeAccess = useAccess(namespace ? [{ verb: release ? 'update' : 'create', group, resource: 'applicationreleases', namespace }] : []);
  // Said only once the answer is in: no warning flashes while it loads.
  const refused = !!namespace && placeAccess.loaded && !placeAccess.allowed[0];

  const name = release?.metadata.name ?? typedName ?? (files.data?.chart.name || app.spec.chartName || '');
  const fields = start?.fields ?? [];
  const errors = draft?.mode === 'form' ? errorsOf(fields, draft.form, t) : {};
  let yamlError: string | undefined;
  if (draft?.mode === 'yaml') {
    try {
      parseValues(draft.yaml);
    } catch (e) {
      yamlError = e instanceof Error ? e.message.split('\n')[0] : String(e);
    }
  }
  const values = draft ? (draft.mode === 'form' ? toValues(fields, draft.form, start!.base) : draft.yaml) : '';
  const request = { name, application: app.metadata.name, version, values };
  const key = JSON.stringify([namespace, request]);
  const ready = !!draft && !!version && !!namespace && isReleaseName(name) && Object.keys(errors).length === 0 && !yamlError;
  const review = reviewed?.key === key ? reviewed.result : undefined;

  const preview = useSubmit(
    async () => setReviewed({ key, result: await dryRun(namespace, request) }),
    () => undefined,
  );
  const apply = useSubmit(
    async () => {
      if (release) {
        await upgradeRelease(namespace, release, version, values);
        toast.success(t('Release {{name}} is upgrading.', { name }), t('Its state shows on its page.'));
      } else {
        await createRelease(namespace, request);
        toast.success(t('Release {{name}} is installing.', { name }), t('Its state shows on its page.'));
      }
      void client.invalidateQueries({ queryKey: ['appstore'] });
    },
    () => void navigate(releasePage(namespace, name)),
  );
  const setDraft = (d: Draft) => setEdited(d);
  const switchMode = (mode: 'form' | 'yaml') => {
    if (!draft || draft.mode === mode) return;
    if (mode === 'yaml') setDraft({ ...draft, mode, yaml: values });
    else {
      try {
        setDraft({ ...draft, mode, form: initialState(fields, deepMerge(start!.base, parseValues(draft.yaml))) });
      } catch {
        // YAML that does not parse stays YAML until it does.
      }
    }
  };

  const crumbs: Crumb[] = release
    ? [
        { title: release.metadata.namespace ?? '', to: `/projects/${release.metadata.namespace}/overview` },
        { title: t('Apps'), to: releasesPage(release.metadata.namespace ?? '') },
        { title: release.metadata.name, to: releasePage(release.metadata.namespace ?? '', release.metadata.name) },
        { title: t('Upgrade') },
      ]
    : [{ title: t('App store'), to: storePage }, { title: appTitle(app), to: appPage(app.metadata.name) }, { title: t('Deploy') }];

  const projectOptions = namespaces.data?.items.map((n) => n.metadata.name) ?? [];
  if (namespace && !projectOptions.includes(namespace)) projectOptions.unshift(namespace);

  return (
    <>
      <PageHeader title={release ? t('Upgrade {{name}}', { name: release.metadata.name }) : t('Deploy {{app}}', { app: appTitle(app) })} crumbs={crumbs} />
      <PageSection>
        <Stack hasGutter>
          <Card>
            <CardTitle>{t('1. Version and place')}</CardTitle>
            <CardBody>
              <Form
                isHorizontal
                onSubmit={(e) => {
                  e.preventDefault();
                }}
              >
                <FormGroup label={t('Version')} fieldId="deploy-version" isRequired>
                  <FormSelect id="deploy-version" value={version} onChange={(_e, v) => setVersion(v)} data-test="deploy-version">
                    {offered.length === 0 && <FormSelectOption value="" label={t('No version is in the store')} isDisabled />}
                    {offered.map((v) => (
                      <FormSelectOption
                        key={v.metadata.name}
                        value={v.metadata.name}
                        label={`${v.spec.version}${v.spec.appVersion ? ` (${t('app {{version}}', { version: v.spec.appVersion })})` : ''}${v.metadata.name === release?.spec.version ? ` – ${t('current')}` : ''}`}
                      />
                    ))}
                  </FormSelect>
                </FormGroup>
                <FormGroup label={t('Project')} fieldId="deploy-project" isRequired>
                  {release ? (
                    <TextInput id="deploy-project" value={namespace} readOnlyVariant="default" data-test="deploy-project" />
                  ) : (
                    <FormSelect id="deploy-project" value={namespace} onChange={(_e, v) => setNamespace(v)} data-test="deploy-project">
                      <FormSelectOption value="" label={t('Choose a project')} isDisabled />
                      {projectOptions.map((n) => (
                        <FormSelectOption key={n} value={n} label={n} />
                      ))}
                    </FormSelect>
                  )}
                  {refused && <FieldHelp error={t('Your roles in this project may not allow this: the server decides.')} test="deploy-project" />}
                </FormGroup>
                <FormGroup label={t('Release name')} fieldId="deploy-name" isRequired>
                  <TextInput id="deploy-name" value={name} onChange={(_e, v) => setTypedName(v)} readOnlyVariant={release ? 'default' : undefined} validated={name && !isReleaseName(name) ? 'error' : 'default'} data-test="deploy-name" />
                  {!release && <FieldHelp rule={t('Lowercase letters, digits and hyphens, at most 53 characters.')} error={name && !isReleaseName(name) ? t('Lowercase letters, digits and hyphens, at most 53 characters.') : undefined} test="deploy-name" />}
                </FormGroup>
              </Form>
            </CardBody>
          </Card>
          <Card>
            <CardTitle>{t('2. Values')}</CardTitle>
            <CardBody>
              {files.error ? <ErrorAlert error={files.error} onRetry={() => void files.refetch()} /> : null}
              {!draft && !files.error && <Loading />}
              {draft && (
                <Stack hasGutter>
                  {fields.length > 0 && (
                    <ToggleGroup aria-label={t('How to edit the values')}>
                      <ToggleGroupItem text={t('Form')} buttonId="values-form" isSelected={draft.mode === 'form'} onChange={() => switchMode('form')} data-test="values-mode-form" />
                      <ToggleGroupItem text={t('YAML')} buttonId="values-yaml" isSelected={draft.mode === 'yaml'} onChange={() => switchMode('yaml')} data-test="values-mode-yaml" />
                    </ToggleGroup>
                  )}
                  {draft.mode === 'form' ? (
                    <SchemaFields fields={fields} state={draft.form} errors={errors} onChange={(form) => setDraft({ ...draft, form })} />
                  ) : (
                    <>
                      <p>{fields.length > 0 ? t('The values as YAML; the chart’s schema checks them.') : t('The chart has no values schema: edit its default values as YAML.')}</p>
                      <Suspense fallback={<Loading />}>
                        <div data-test="values-yaml">
                          <YamlEditor value={draft.yaml} onChange={(v) => setDraft({ ...draft, yaml: v })} label={t('Values')} />
                        </div>
                      </Suspense>
                      {yamlError && <FieldHelp error={t('Not YAML: {{error}}', { error: yamlError })} test="values-yaml" />}
                    </>
                  )}
                </Stack>
              )}
            </CardBody>
          </Card>
          <Card>
            <CardTitle>{t('3. Review and apply')}</CardTitle>
            <CardBody>
              <Stack hasGutter>
                <p>{release ? t('See what the upgrade changes in the project before it is applied.') : t('See what the app creates in the project before it is installed.')}</p>
                {preview.error ? <ErrorAlert error={preview.error} title={t('The chart could not be rendered with these values')} /> : null}
                {review && <ManifestChanges result={review} />}
                {apply.error ? <ErrorAlert error={apply.error} /> : null}
                <ActionGroup>
                  <Button variant={review ? 'secondary' : 'primary'} onClick={() => void preview.submit()} isDisabled={!ready || preview.busy} isLoading={preview.busy} data-test="review-changes">
                    {review ? t('Review again') : t('Review changes')}
                  </Button>
                  <Button onClick={() => void apply.submit()} isDisabled={!ready || !review || apply.busy} isLoading={apply.busy} data-test="deploy-submit">
                    {release ? t('Upgrade') : t('Install')}
                  </Button>
                  <Button variant="link" onClick={() => void navigate(release ? releasePage(namespace, release.metadata.name) : appPage(app.metadata.name))}>
                    {t('Cancel')}
                  </Button>
                </ActionGroup>
              </Stack>
            </CardBody>
          </Card>
        </Stack>
      </PageSection>
    </>
  );
}

/** ManifestChanges is a dry run's diff against the deployed manifest, and the notes the chart would print. */
function ManifestChanges({ result }: { result: DryRun }) {
  const { t } = useTranslation('appstore');
  const [all, setAll] = useState(false);
  const diff = useMemo(() => manifestDiff(result.current ?? '', result.manifest ?? '', all ? Number.MAX_SAFE_INTEGER : 3), [result, all]);
  return (
    <Stack hasGutter data-test="dry-run">
      {diff.added === 0 && diff.removed === 0 ? (
        <Alert variant="info" isInline title={t('Nothing changes in the manifests.')} data-test="diff-empty" />
      ) : (
        <>
          <p data-test="diff-summary">{t('{{added}} lines added, {{removed}} removed.', { added: diff.added, removed: diff.removed })}</p>
          <Checkbox id="diff-all" label={t('Show the whole manifest')} isChecked={all} onChange={(_e, v) => setAll(v)} />
          <pre className="ke-diff ke-manifest-diff" data-test="manifest-diff" role="region" aria-label={t('Changes')} tabIndex={0}>
            {diff.rows.map((r, i) => (
              <div key={i} className={r.op === '+' ? 'ke-diff-added' : r.op === '-' ? 'ke-diff-removed' : r.op === '…' ? 'ke-diff-skip' : undefined}>
                {r.op === '…' ? '…' : `${r.op} ${r.text}`}
              </div>
            ))}
          </pre>
        </>
      )}
      {result.notes && (
        <details>
          <summary>{t('Notes of the chart')}</summary>
          <pre className="ke-readme" data-test="dry-run-notes" role="region" aria-label={t('Notes of the chart')} tabIndex={0}>
            {result.notes}
          </pre>
        </details>
      )}
    </Stack>
  );
}

/** SchemaFields are the form's fields, each with its rule and its problem. */
function SchemaFields({ fields, state, errors, onChange }: { fields: Field[]; state: FormState; errors: Record<string, string>; onChange: (s: FormState) => void }) {
  const { t } = useTranslation('appstore');
  const set = (k: string, v: string | boolean) => onChange({ ...state, [k]: v });
  return (
    <Form
      isHorizontal
      onSubmit={(e) => {
        e.preventDefault();
      }}
      data-test="values-form"
    >
      {fields.map((f) => {
        const id = `value-${f.key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
        const label = f.schema.title ? `${f.schema.title} (${f.key})` : f.key;
        const rule = [f.schema.description, ruleText(f, t)].filter(Boolean).join(' ');
        const err = errors[f.key];
        const raw = state[f.key];
        return (
          <FormGroup key={f.key} label={f.kind === 'boolean' ? undefined : label} fieldId={id} isRequired={f.required && f.kind !== 'boolean'} data-test={`field-${f.key}`}>
            {f.kind === 'boolean' ? (
              <Checkbox id={id} label={label} isChecked={raw === true} onChange={(_e, v) => set(f.key, v)} description={f.schema.description} data-test={`value-${f.key}`} />
            ) : f.kind === 'enum' ? (
              <FormSelect id={id} value={String(raw ?? '')} onChange={(_e, v) => set(f.key, v)} validated={err ? 'error' : 'default'} data-test={`value-${f.key}`}>
                {!f.required && <FormSelectOption value="" label={t('(not set)')} />}
                {f.schema.enum!.map((e) => (
                  <FormSelectOption key={String(e)} value={String(e)} label={String(e)} />
                ))}
              </FormSelect>
            ) : f.kind === 'yaml' ? (
              <TextArea id={id} value={String(raw ?? '')} onChange={(_e, v) => set(f.key, v)} rows={4} validated={err ? 'error' : 'default'} className="ke-mono" data-test={`value-${f.key}`} />
            ) : (
              <TextInput
                id={id}
                value={String(raw ?? '')}
                onChange={(_e, v) => set(f.key, v)}
                type={f.kind === 'integer' || f.kind === 'number' ? 'number' : 'text'}
                inputMode={f.kind === 'integer' ? 'numeric' : f.kind === 'number' ? 'decimal' : undefined}
                validated={err ? 'error' : 'default'}
                data-test={`value-${f.key}`}
              />
            )}
            {f.kind !== 'boolean' && <FieldHelp rule={rule || undefined} error={err} test={`value-${f.key}`} />}
          </FormGroup>
        );
      })}
    </Form>
  );
}

/** ruleText says a field's bounds before anything is typed. */
function ruleText(f: Field, t: (k: string, o?: Record<string, unknown>) => string): string {
  const s = f.schema;
  if (f.kind === 'integer' || f.kind === 'number') {
    if (s.minimum !== undefined && s.maximum !== undefined) return t('From {{min}} to {{max}}.', { min: s.minimum, max: s.maximum });
    if (s.minimum !== undefined) return t('At least {{min}}.', { min: s.minimum });
    if (s.maximum !== undefined) return t('At most {{max}}.', { max: s.maximum });
  }
  if (f.kind === 'yaml') return t('As YAML.');
  return '';
}
