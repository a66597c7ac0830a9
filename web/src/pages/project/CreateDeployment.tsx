import { ActionGroup, Alert, Button, Form, FormGroup, FormHelperText, Grid, GridItem, HelperText, HelperTextItem, NumberInput, PageSection, TextInput, Title } from '@patternfly/react-core';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { kinds } from '../../api/kinds';
import { createObject, useInvalidate } from '../../api/mutations';
import type { Workload } from '../../api/types';
import { fromYAML, toYAML } from '../../api/yaml';
import { ErrorAlert } from '../../components/ErrorAlert';
import { isDNSLabel } from '../../components/format';
import { PageHeader } from '../../components/PageHeader';
import { useToast } from '../../components/Toast';
import { fieldsOf, newDeployment, withFields } from './deploymentForm';

const YamlEditor = lazy(() => import('../../components/YamlEditor'));

/**
 * CreateDeployment is a form and a YAML editor of the same Deployment: a
 * change on either side shows on the other.
 */
export default function CreateDeployment() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('project');
  const navigate = useNavigate();
  const invalidate = useInvalidate();
  const toast = useToast();
  const [obj, setObj] = useState<Workload>(() => newDeployment(namespace));
  const [yamlText, setYamlText] = useState(() => toYAML(newDeployment(namespace)));
  const [yamlError, setYamlError] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const f = fieldsOf(obj);
  const nameBad = f.name !== '' && !isDNSLabel(f.name);

  const setFields = (patch: Partial<typeof f>) => {
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
      setYamlError('');
    } catch (e) {
      setYamlError(e instanceof Error ? e.message : String(e));
    }
  };
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await createObject(kinds.deployments, namespace, { ...obj, metadata: { ...obj.metadata, namespace } });
      invalidate('deployments');
      toast.success(t('Deployment {{name}} is created.', { name: obj.metadata.name }), t('Its pods are starting.'));
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
          <GridItem md={5}>
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
              {error ? <ErrorAlert error={error} /> : null}
              <ActionGroup>
                <Button type="submit" isLoading={busy} isDisabled={busy || !f.name || nameBad || !f.image || !!yamlError} data-test="dep-create">
                  {t('Create')}
                </Button>
                <Button variant="link" onClick={() => void navigate(-1)}>
                  {t('Cancel')}
                </Button>
              </ActionGroup>
            </Form>
          </GridItem>
          <GridItem md={7}>
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
