import { Button, Card, CardBody, CardHeader, CardTitle, Checkbox, FormGroup, Label, LabelGroup, PageSection, Spinner, Stack, Title } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useCan, useWorkspaceAccess } from '../../api/access';
import { api } from '../../api/client';
import { fieldError } from '../../api/errors';
import { gatewayGroup, savePolicy, useWorkspaceClasses, useWorkspacePolicy, workspaceGatewayPolicyKind, type PolicyObject } from '../../api/gateway';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { useToast } from '../../components/Toast';
import { YamlTab } from '../../components/YamlTab';
import { toggleClass } from '../project/routeForm';

/**
 * The Gateways page of a workspace: the IngressClasses its projects may
 * use. Its members read them; platform administrators (who may write the
 * cluster-scoped WorkspaceGatewayPolicy) choose them, in a form or as YAML
 * reviewed as a server-side dry run. Kubernetes refuses an Ingress of
 * another class in the workspace's projects (docs/gateway.md).
 */
export default function WorkspaceGatewaysPage() {
  const { workspace = '' } = useParams();
  const { t } = useTranslation('workspace');
  const access = useWorkspaceAccess(workspace);
  const [canCreate, canUpdate] = useCan([
    { verb: 'create', group: gatewayGroup, resource: 'workspacegatewaypolicies' },
    { verb: 'update', group: gatewayGroup, resource: 'workspacegatewaypolicies' },
  ]);
  const classes = useWorkspaceClasses(workspace);
  const policy = useWorkspacePolicy(workspace);
  const [editing, setEditing] = useState(false);
  const [yaml, setYaml] = useState(false);
  if (!access.loaded) return <Loading />;
  if (!access.may('projects')) return <NoAccess />;
  const exists = !!policy.data?.workspacePolicy;
  const mayEdit = exists ? canUpdate : canCreate;
  const allowed = classes.data?.items.filter((c) => c.allowed) ?? [];
  return (
    <>
      <PageHeader title={t('Gateways')} crumbs={[{ title: workspace, to: `/workspaces/${workspace}/overview` }, { title: t('Gateways') }]} />
      <PageSection>
        <Card data-test="ws-allowed-classes">
          <CardHeader
            actions={{
              actions:
                mayEdit && classes.data && policy.data ? (
                  <Button variant="secondary" onClick={() => setEditing(true)} data-test="ws-classes-edit">
                    {t('Choose the allowed IngressClasses')}
                  </Button>
                ) : null,
              hasNoOffset: true,
            }}
          >
            <CardTitle>
              <Title headingLevel="h2" size="lg">
                {t('Allowed IngressClasses')}
              </Title>
            </CardTitle>
          </CardHeader>
          <CardBody>
            {classes.error || policy.error ? (
              <ErrorAlert error={classes.error ?? policy.error} onRetry={() => void Promise.all([classes.refetch(), policy.refetch()])} />
            ) : !classes.data || !policy.data ? (
              <Spinner size="lg" aria-label={t('Loading')} />
            ) : (
              <Stack hasGutter>
                <p data-test="ws-classes-scope">
                  {exists && policy.data.effective.ingressClassNames !== undefined
                    ? t('The projects of this workspace may use only these classes; a workspace administrator may narrow them per project.')
                    : t('The projects of this workspace may use every IngressClass of the cluster.')}
                </p>
                {allowed.length === 0 ? (
                  <p data-test="ws-classes-none">{t('No IngressClass is allowed: Ingresses are refused in every project.')}</p>
                ) : (
                  <LabelGroup numLabels={20}>
                    {allowed.map((c) => (
                      <Label key={c.metadata.name} color={c.default ? 'blue' : 'grey'} data-test={`ws-class-${c.metadata.name}`}>
                        {c.default ? t('{{name}} (default)', { name: c.metadata.name }) : c.metadata.name}
                      </Label>
                    ))}
                  </LabelGroup>
                )}
                {exists && (
                  <div>
                    <Button variant="link" isInline onClick={() => setYaml(!yaml)} data-test="ws-policy-yaml" aria-expanded={yaml}>
                      {yaml ? t('Hide YAML') : mayEdit ? t('Edit YAML') : t('View YAML')}
                    </Button>
                    {yaml && <YamlTab kind={workspaceGatewayPolicyKind} name={workspace} canEdit={canUpdate} />}
                  </div>
                )}
              </Stack>
            )}
          </CardBody>
        </Card>
      </PageSection>
      {editing && classes.data && (
        <WorkspaceClassesForm
          workspace={workspace}
          all={classes.data.items.map((c) => c.metadata.name)}
          list={policy.data?.workspacePolicy?.ingressClassNames}
          exists={exists}
          onClose={() => setEditing(false)}
        />
      )}
    </>
  );
}

function WorkspaceClassesForm(props: { workspace: string; all: string[]; list?: string[]; exists: boolean; onClose: () => void }) {
  const { workspace, all, exists, onClose } = props;
  const { t } = useTranslation('workspace');
  const client = useQueryClient();
  const toast = useToast();
  const [restricted, setRestricted] = useState(props.list !== undefined);
  const [list, setList] = useState<string[] | undefined>(props.list);
  const submit = async () => {
    let current: PolicyObject = { apiVersion: `${gatewayGroup}/v1alpha1`, kind: 'WorkspaceGatewayPolicy', metadata: { name: workspace }, spec: {} };
    if (exists) current = await api.get<PolicyObject>(`/apis/${gatewayGroup}/v1alpha1/workspacegatewaypolicies/${encodeURIComponent(workspace)}`);
    const spec = { ...current.spec };
    if (restricted) spec.ingressClassNames = list ?? all;
    else delete spec.ingressClassNames;
    await savePolicy(workspaceGatewayPolicyKind, { ...current, spec }, exists);
    void client.invalidateQueries({ queryKey: ['gateway'] });
    toast.success(t('Allowed IngressClasses saved.'), t('Kubernetes applies them to Ingresses written from now on.'));
  };
  return (
    <FormModal title={t('Choose the allowed IngressClasses')} test="ws-classes-form" submitLabel={t('Save')} canSubmit onSubmit={submit} onClose={onClose} shownFields={['spec.ingressClassNames']}>
      {(described) => (
        <>
          <Checkbox id="ws-restricted" label={t('Allow only some IngressClasses in this workspace')} isChecked={restricted} onChange={(_e, v) => setRestricted(v)} data-test="ws-restricted" />
          {restricted && (
            <FormGroup label={t('Classes')} fieldId="ws-classes" role="group">
              {all.map((c) => (
                <Checkbox key={c} id={`ws-class-${c}`} label={c} isChecked={(list ?? all).includes(c)} onChange={(_e, v) => setList(toggleClass(list ?? all, c, v, all))} data-test={`ws-class-box-${c}`} />
              ))}
              <FieldHelp rule={t('An Ingress without a class gets the default class, which must be allowed too.')} error={fieldError(described, 'spec.ingressClassNames')} />
            </FormGroup>
          )}
        </>
      )}
    </FormModal>
  );
}
