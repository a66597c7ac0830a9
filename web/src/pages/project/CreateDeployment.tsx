import { ActionGroup, Alert, Button, Form, FormGroup, FormHelperText, Grid, GridItem, HelperText, HelperTextItem, NumberInput, PageSection, TextInput, Title } from '@patternfly/react-core';
import type { TFunction } from 'i18next';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { useCluster } from '../../api/cluster';
import { kinds } from '../../api/kinds';
import { createObject, useInvalidate } from '../../api/mutations';
import type { K8sObject } from '../../api/types';
import type { Workload } from '../../api/types';
import { fromYAML, toYAML } from '../../api/yaml';
import { ErrorAlert } from '../../components/ErrorAlert';
import { isDNSLabel } from '../../components/format';
import { PageHeader } from '../../components/PageHeader';
import { useToast } from '../../components/Toast';
import { fieldsOf, newDeployment, serviceFor, withFields, type DeploymentFields, type ServiceFields } from './deploymentForm';
import { EnvSection, envNamePattern, LabelsSection, labelKeyPattern, labelValuePattern, ProbesSection, quantityPattern, ResourcesSection, ServiceSection, VolumesSection } from './DeploymentFormSections';
import { describeError } from '../../api/errors';

const YamlEditor = lazy(() => import('../../components/YamlEditor'));

/** formProblems are what keeps the form from being sent, said as the fields' rules (the server checks again). */
function formProblems(f: Required<DeploymentFields>, labelRows: [string, string][], t: TFunction): string[] {
  const out: string[] = [];
  if (f.env.some((e) => !envNamePattern.test(e.name))) out.push(t('A variable has no name, or a name that is not allowed.'));
  if (f.env.some((e) => (e.source === 'configMap' || e.source === 'secret') && (!e.ref || !e.key))) out.push(t('A variable from a ConfigMap or Secret needs its name and key.'));
  const r = f.resources;
  if ([r.requestCPU, r.requestMemory, r.limitCPU, r.limitMemory].some((q) => q.trim() !== '' && !quantityPattern.test(q.trim()))) out.push(t('A resource is not a quantity.'));
  if ([f.readiness, f.liveness].some((p) => (p.type === 'http' || p.type === 'tcp') && !p.port)) out.push(t('A health check needs a port.'));
  if (f.volumes.some((v) => !v.ref || !v.mountPath.startsWith('/'))) out.push(t('A volume needs the object it comes from and an absolute mount path.'));
  if (labelRows.some(([k, v]) => !labelKeyPattern.test(k) || !labelValuePattern.test(v))) out.push(t('A label has a key or value that is not allowed.'));
  return out;
}

/**
 * CreateDeployment is a form and a YAML editor of the same Deployment: a
 * change on either side shows on the other.
 */
export default function CreateDeployment() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('project');
  const navigate = useNavigate();
  const invalidate = useInvalidate();
  const cluster = useCluster();
  const toast = useToast();
  const [obj, setObj] = useState<Workload>(() => newDeployment(namespace));
  const [yamlText, setYamlText] = useState(() => toYAML(newDeployment(namespace)));
  const [yamlError, setYamlError] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [service, setService] = useState<ServiceFields>({ create: false, type: 'ClusterIP', port: undefined });
  // Label rows being typed (a key still empty has no place in the object),
  // read again from the object when the YAML changes.
  const [labelRows, setLabelRows] = useState<[string, string][]>([]);
  const f = fieldsOf(obj);
  const nameBad = f.name !== '' && !isDNSLabel(f.name);
  const problems = formProblems(f, labelRows, t);

  const setFields = (patch: Partial<DeploymentFields>) => {
    const next = withFields(obj, { ...f, ...patch });
    setObj(next);
    setYamlText(toYAML(next));
  };
  const onYaml = (text: string) => {
    setYamlText(text);
    try {
      const parsed = fromYAML(text) as Workload;
      if (!parsed.spec?.template?.spec?.containers) throw new Error(t('spec.template.spec.containers is missing'));
      setObj(parsed);
      setLabelRows(fieldsOf(parsed).labels);
      setYamlError('');
    } catch (e) {
      setYamlError(e instanceof Error ? e.message : String(e));
    }
  };
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const d = { ...obj, metadata: { ...obj.metadata, namespace } };
      const svc = service.create && f.port ? serviceFor(d, service) : undefined;
      // The Service is tried first as a dry run, so that one the server
      // would refuse stops the form before the Deployment is made.
      if (svc) await createObject<K8sObject>(kinds.services, namespace, svc, true, cluster);
      await createObject(kinds.deployments, namespace, d, false, cluster);
      invalidate('deployments');
      if (svc) {
        try {
          await createObject<K8sObject>(kinds.services, namespace, svc, false, cluster);
          invalidate('services');
          toast.success(t('Deployment {{name}} and its Service are created.', { name: obj.metadata.name }), t('Its pods are starting.'));
        } catch (e) {
          toast.warning(t('Deployment {{name}} is created, but not its Service.', { name: obj.metadata.name }), `${describeError(e, t).title} ${describeError(e, t).detail}`);
        }
      } else {
        toast.success(t('Deployment {{name}} is created.', { name: obj.metadata.name }), t('Its pods are starting.'));
      }
      void navigate(`/projects/${namespace}/deployments/${obj.metadata.name}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader
        title={t('Create a Deployment')}
        crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Deployments'), to: `/projects/${namespace}/deployments` }, { title: t('Create') }]}
      />
      <PageSection>
        <Grid hasGutter>
          <GridItem lg={6}>
            <Form
              onSubmit={(e) => {
                e.preventDefault();
                void submit();
              }}
              data-test="deployment-form"
            >
              <FormGroup label={t('Name')} isRequired fieldId="dep-name">
                <TextInput id="dep-name" value={f.name} onChange={(_e, v) => setFields({ name: v })} validated={nameBad ? 'error' : 'default'} data-test="dep-name" isRequired />
                {nameBad && (
                  <FormHelperText>
                    <HelperText>
                      <HelperTextItem variant="error" screenReaderText={t('error')}>{t('Lower-case letters, digits and -, at most 63.')}</HelperTextItem>
                    </HelperText>
                  </FormHelperText>
                )}
              </FormGroup>
              <FormGroup label={t('Image')} isRequired fieldId="dep-image">
                <TextInput id="dep-image" value={f.image} onChange={(_e, v) => setFields({ image: v })} placeholder="nginx:1.27" data-test="dep-image" isRequired />
              </FormGroup>
              <FormGroup label={t('Replicas')} fieldId="dep-replicas">
                <NumberInput
                  id="dep-replicas"
                  value={f.replicas}
                  min={0}
                  onMinus={() => setFields({ replicas: Math.max(0, f.replicas - 1) })}
                  onPlus={() => setFields({ replicas: f.replicas + 1 })}
                  onChange={(e) => setFields({ replicas: Math.max(0, Number((e.target as HTMLInputElement).value) || 0) })}
                  inputAriaLabel={t('Replicas')}
                  minusBtnAriaLabel={t('Fewer')}
                  plusBtnAriaLabel={t('More')}
                  inputProps={{ 'data-test': 'dep-replicas' }}
                />
              </FormGroup>
              <FormGroup label={t('Container port')} fieldId="dep-port">
                <TextInput id="dep-port" type="number" value={f.port ?? ''} onChange={(_e, v) => setFields({ port: v ? Number(v) : undefined })} data-test="dep-port" />
              </FormGroup>
              <EnvSection namespace={namespace} env={f.env} onChange={(env) => setFields({ env })} />
              <ResourcesSection resources={f.resources} onChange={(resources) => setFields({ resources })} />
              <ProbesSection readiness={f.readiness} liveness={f.liveness} onChange={(p) => setFields(p)} />
              <VolumesSection namespace={namespace} volumes={f.volumes} onChange={(volumes) => setFields({ volumes })} />
              <LabelsSection
                labels={labelRows}
                onChange={(labels) => {
                  setLabelRows(labels);
                  setFields({ labels });
                }}
              />
              <ServiceSection service={service} containerPort={f.port} onChange={setService} />
              {problems.length > 0 && f.name && (
                <Alert variant="info" isInline isPlain title={t('Before creating')} data-test="form-problems">
                  <ul>
                    {problems.map((p) => (
                      <li key={p}>{p}</li>
                    ))}
                  </ul>
                </Alert>
              )}
              {error ? <ErrorAlert error={error} /> : null}
              <ActionGroup>
                <Button type="submit" isLoading={busy} isDisabled={busy || !f.name || nameBad || !f.image || !!yamlError || problems.length > 0} data-test="dep-create">
                  {t('Create')}
                </Button>
                <Button variant="link" onClick={() => void navigate(-1)}>
                  {t('Cancel')}
                </Button>
              </ActionGroup>
            </Form>
          </GridItem>
          <GridItem lg={6} className="ke-sticky-yaml">
            <Title headingLevel="h2" size="md">
              YAML
            </Title>
            {yamlError && <Alert variant="warning" isInline isPlain title={yamlError} data-test="yaml-error" />}
            <Suspense fallback={<pre>{yamlText}</pre>}>
              <YamlEditor value={yamlText} onChange={onYaml} label={t('YAML of the new Deployment')} />
            </Suspense>
          </GridItem>
        </Grid>
      </PageSection>
    </>
  );
}
