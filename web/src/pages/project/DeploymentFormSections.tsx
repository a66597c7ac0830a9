import { Button, Checkbox, Flex, FlexItem, FormGroup, FormSection, FormSelect, FormSelectOption, TextInput } from '@patternfly/react-core';
import MinusCircleIcon from '@patternfly/react-icons/dist/esm/icons/minus-circle-icon';
import PlusCircleIcon from '@patternfly/react-icons/dist/esm/icons/plus-circle-icon';
import { useTranslation } from 'react-i18next';
import { useList } from '../../api/resources';
import type { K8sObject } from '../../api/types';
import { FieldHelp } from '../../components/FormModal';
import type { EnvField, ProbeField, Resources, ServiceFields, VolumeField } from './deploymentForm';

/** envNamePattern is what Kubernetes accepts as a variable's name. */
export const envNamePattern = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** quantityPattern is the shape of a CPU or memory quantity (100m, 0.5, 128Mi, 1G). */
export const quantityPattern = /^(\d+(\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
/** labelKeyPattern and labelValuePattern are what Kubernetes accepts in labels (a key's prefix included). */
export const labelKeyPattern = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
export const labelValuePattern = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** Names gives the names of a project's objects of a kind as suggestions for a text field (a datalist). */
function Names({ id, namespace, resource }: { id: string; namespace: string; resource: string }) {
  const q = useList<K8sObject>(resource, namespace, { limit: 100, sortBy: 'name', ascending: true }, { live: false });
  return (
    <datalist id={id}>
      {(q.data?.items ?? []).map((o) => (
        <option key={o.metadata.name} value={o.metadata.name} />
      ))}
    </datalist>
  );
}

function update<T>(list: T[], i: number, patch: Partial<T>): T[] {
  return list.map((x, j) => (j === i ? { ...x, ...patch } : x));
}

function RemoveButton({ onClick, label, test }: { onClick: () => void; label: string; test: string }) {
  return <Button variant="plain" aria-label={label} onClick={onClick} icon={<MinusCircleIcon />} data-test={test} />;
}

export function EnvSection({ namespace, env, onChange }: { namespace: string; env: EnvField[]; onChange: (env: EnvField[]) => void }) {
  const { t } = useTranslation('project');
  return (
    <FormSection title={t('Environment variables')} titleElement="h3" data-test="env-section">
      <Names id="dep-configmaps" namespace={namespace} resource="configmaps" />
      <Names id="dep-secrets" namespace={namespace} resource="secrets" />
      {env.map((e, i) => (
        <Flex key={i} alignItems={{ default: 'alignItemsFlexStart' }} spaceItems={{ default: 'spaceItemsSm' }} data-test={`env-row-${i}`}>
          <FlexItem>
            <TextInput aria-label={t('Variable')} placeholder={t('NAME')} value={e.name} onChange={(_e, v) => onChange(update(env, i, { name: v }))} validated={e.name && !envNamePattern.test(e.name) ? 'error' : 'default'} data-test={`env-name-${i}`} />
          </FlexItem>
          <FlexItem>
            <FormSelect aria-label={t('Source')} value={e.source} onChange={(_e, v) => onChange(update(env, i, { source: v as EnvField['source'] }))} isDisabled={e.source === 'other'} data-test={`env-source-${i}`}>
              <FormSelectOption value="value" label={t('Value')} />
              <FormSelectOption value="configMap" label={t('Key of a ConfigMap')} />
              <FormSelectOption value="secret" label={t('Key of a Secret')} />
              {e.source === 'other' && <FormSelectOption value="other" label={t('Set in the YAML')} />}
            </FormSelect>
          </FlexItem>
          {e.source === 'value' && (
            <FlexItem grow={{ default: 'grow' }}>
              <TextInput aria-label={t('Value')} value={e.value} onChange={(_e, v) => onChange(update(env, i, { value: v }))} data-test={`env-value-${i}`} />
            </FlexItem>
          )}
          {(e.source === 'configMap' || e.source === 'secret') && (
            <>
              <FlexItem>
                <TextInput
                  aria-label={e.source === 'secret' ? t('Secret') : t('ConfigMap')}
                  placeholder={e.source === 'secret' ? t('Secret') : t('ConfigMap')}
                  list={e.source === 'secret' ? 'dep-secrets' : 'dep-configmaps'}
                  value={e.ref}
                  onChange={(_e, v) => onChange(update(env, i, { ref: v }))}
                  data-test={`env-ref-${i}`}
                />
              </FlexItem>
              <FlexItem>
                <TextInput aria-label={t('Key')} placeholder={t('Key')} value={e.key} onChange={(_e, v) => onChange(update(env, i, { key: v }))} data-test={`env-key-${i}`} />
              </FlexItem>
            </>
          )}
          <FlexItem>
            <RemoveButton label={t('Remove the variable')} onClick={() => onChange(env.filter((_x, j) => j !== i))} test={`env-remove-${i}`} />
          </FlexItem>
        </Flex>
      ))}
      <FieldHelp rule={t('Names are letters, digits, _, - and . and do not start with a digit. A Secret\'s value is never shown here: the variable names the Secret and its key.')} />
      <div>
        <Button variant="link" icon={<PlusCircleIcon />} onClick={() => onChange([...env, { name: '', source: 'value', value: '', ref: '', key: '' }])} data-test="env-add">
          {t('Add a variable')}
        </Button>
      </div>
    </FormSection>
  );
}

export function ResourcesSection({ resources, onChange }: { resources: Resources; onChange: (r: Resources) => void }) {
  const { t } = useTranslation('project');
  const field = (key: keyof Resources, label: string, placeholder: string) => {
    const bad = resources[key] !== '' && !quantityPattern.test(resources[key].trim());
    return (
      <FormGroup label={label} fieldId={`dep-${key}`}>
        <TextInput id={`dep-${key}`} value={resources[key]} placeholder={placeholder} onChange={(_e, v) => onChange({ ...resources, [key]: v })} validated={bad ? 'error' : 'default'} data-test={`dep-${key}`} />
        {bad && <FieldHelp error={t('Not a quantity.')} test={`dep-${key}`} />}
      </FormGroup>
    );
  };
  return (
    <FormSection title={t('Resources')} titleElement="h3" data-test="resources-section">
      <Flex spaceItems={{ default: 'spaceItemsMd' }}>
        <FlexItem>{field('requestCPU', t('CPU request'), '100m')}</FlexItem>
        <FlexItem>{field('limitCPU', t('CPU limit'), '500m')}</FlexItem>
        <FlexItem>{field('requestMemory', t('Memory request'), '64Mi')}</FlexItem>
        <FlexItem>{field('limitMemory', t('Memory limit'), '256Mi')}</FlexItem>
      </Flex>
      <FieldHelp rule={t('CPU in cores or millicores (0.5, 100m); memory in bytes with a unit (128Mi, 1Gi). Empty means none.')} />
    </FormSection>
  );
}

function ProbeRow({ id, label, probe, onChange }: { id: string; label: string; probe: ProbeField; onChange: (p: ProbeField) => void }) {
  const { t } = useTranslation('project');
  return (
    <FormGroup label={label} fieldId={`${id}-type`}>
      <Flex spaceItems={{ default: 'spaceItemsSm' }}>
        <FlexItem>
          <FormSelect id={`${id}-type`} value={probe.type} onChange={(_e, v) => onChange({ ...probe, type: v as ProbeField['type'] })} isDisabled={probe.type === 'other'} data-test={`${id}-type`}>
            <FormSelectOption value="none" label={t('None')} />
            <FormSelectOption value="http" label={t('HTTP GET')} />
            <FormSelectOption value="tcp" label={t('TCP connection')} />
            {probe.type === 'other' && <FormSelectOption value="other" label={t('Set in the YAML')} />}
          </FormSelect>
        </FlexItem>
        {probe.type === 'http' && (
          <FlexItem>
            <TextInput aria-label={t('Path')} placeholder="/healthz" value={probe.path} onChange={(_e, v) => onChange({ ...probe, path: v })} data-test={`${id}-path`} />
          </FlexItem>
        )}
        {(probe.type === 'http' || probe.type === 'tcp') && (
          <FlexItem>
            <TextInput aria-label={t('Port')} placeholder={t('Port')} type="number" value={probe.port ?? ''} onChange={(_e, v) => onChange({ ...probe, port: v ? Number(v) : undefined })} data-test={`${id}-port`} />
          </FlexItem>
        )}
      </Flex>
    </FormGroup>
  );
}

export function ProbesSection({ readiness, liveness, onChange }: { readiness: ProbeField; liveness: ProbeField; onChange: (p: { readiness: ProbeField; liveness: ProbeField }) => void }) {
  const { t } = useTranslation('project');
  return (
    <FormSection title={t('Health checks')} titleElement="h3" data-test="probes-section">
      <ProbeRow id="dep-readiness" label={t('Readiness probe')} probe={readiness} onChange={(p) => onChange({ readiness: p, liveness })} />
      <ProbeRow id="dep-liveness" label={t('Liveness probe')} probe={liveness} onChange={(p) => onChange({ readiness, liveness: p })} />
      <FieldHelp rule={t('A pod gets traffic once its readiness probe passes; it is restarted when its liveness probe keeps failing.')} />
    </FormSection>
  );
}

export function VolumesSection({ namespace, volumes, onChange }: { namespace: string; volumes: VolumeField[]; onChange: (v: VolumeField[]) => void }) {
  const { t } = useTranslation('project');
  const lists = { configMap: 'dep-configmaps', secret: 'dep-secrets', pvc: 'dep-pvcs' };
  return (
    <FormSection title={t('Volumes')} titleElement="h3" data-test="volumes-section">
      <Names id="dep-pvcs" namespace={namespace} resource="persistentvolumeclaims" />
      {volumes.map((v, i) => (
        <Flex key={i} spaceItems={{ default: 'spaceItemsSm' }} data-test={`volume-row-${i}`}>
          <FlexItem>
            <FormSelect aria-label={t('Source')} value={v.source} onChange={(_e, s) => onChange(update(volumes, i, { source: s as VolumeField['source'] }))} data-test={`volume-source-${i}`}>
              <FormSelectOption value="configMap" label={t('ConfigMap')} />
              <FormSelectOption value="secret" label={t('Secret')} />
              <FormSelectOption value="pvc" label={t('Persistent volume claim')} />
            </FormSelect>
          </FlexItem>
          <FlexItem>
            <TextInput aria-label={t('Name of the object')} placeholder={t('Name of the object')} list={lists[v.source]} value={v.ref} onChange={(_e, s) => onChange(update(volumes, i, { ref: s, name: !v.name || v.name === v.ref ? s : v.name }))} data-test={`volume-ref-${i}`} />
          </FlexItem>
          <FlexItem>
            <TextInput aria-label={t('Mount path')} placeholder="/data" value={v.mountPath} onChange={(_e, s) => onChange(update(volumes, i, { mountPath: s }))} data-test={`volume-path-${i}`} />
          </FlexItem>
          <FlexItem>
            <RemoveButton label={t('Remove the volume')} onClick={() => onChange(volumes.filter((_x, j) => j !== i))} test={`volume-remove-${i}`} />
          </FlexItem>
        </Flex>
      ))}
      <FieldHelp rule={t('ConfigMaps and Secrets are mounted read only, each key a file; a claim is mounted to read and write.')} />
      <div>
        <Button variant="link" icon={<PlusCircleIcon />} onClick={() => onChange([...volumes, { name: '', source: 'configMap', ref: '', mountPath: '' }])} data-test="volume-add">
          {t('Add a volume')}
        </Button>
      </div>
    </FormSection>
  );
}

export function LabelsSection({ labels, onChange }: { labels: [string, string][]; onChange: (l: [string, string][]) => void }) {
  const { t } = useTranslation('project');
  return (
    <FormSection title={t('Labels')} titleElement="h3" data-test="labels-section">
      {labels.map(([k, v], i) => (
        <Flex key={i} spaceItems={{ default: 'spaceItemsSm' }} data-test={`label-row-${i}`}>
          <FlexItem>
            <TextInput aria-label={t('Key')} placeholder={t('Key')} value={k} onChange={(_e, s) => onChange(labels.map((l, j) => (j === i ? [s, l[1]] : l)))} validated={k && !labelKeyPattern.test(k) ? 'error' : 'default'} data-test={`label-key-${i}`} />
          </FlexItem>
          <FlexItem>
            <TextInput aria-label={t('Value')} placeholder={t('Value')} value={v} onChange={(_e, s) => onChange(labels.map((l, j) => (j === i ? [l[0], s] : l)))} validated={!labelValuePattern.test(v) ? 'error' : 'default'} data-test={`label-value-${i}`} />
          </FlexItem>
          <FlexItem>
            <RemoveButton label={t('Remove the label')} onClick={() => onChange(labels.filter((_x, j) => j !== i))} test={`label-remove-${i}`} />
          </FlexItem>
        </Flex>
      ))}
      <FieldHelp rule={t('On the Deployment and its pods, beside app (the name). Keys and values: letters, digits, -, _ and ., at most 63; a key may have a prefix such as example.com/.')} />
      <div>
        <Button variant="link" icon={<PlusCircleIcon />} onClick={() => onChange([...labels, ['', '']])} data-test="label-add">
          {t('Add a label')}
        </Button>
      </div>
    </FormSection>
  );
}

export function ServiceSection({ service, containerPort, onChange }: { service: ServiceFields; containerPort: number | undefined; onChange: (s: ServiceFields) => void }) {
  const { t } = useTranslation('project');
  return (
    <FormSection title={t('Service')} titleElement="h3" data-test="service-section">
      <Checkbox
        id="dep-service"
        label={t('Also create a Service')}
        description={containerPort ? t('Named as the Deployment, it sends its port to the container port {{port}}.', { port: containerPort }) : t('Give the container a port first.')}
        isChecked={service.create}
        isDisabled={!containerPort}
        onChange={(_e, v) => onChange({ ...service, create: v })}
        data-test="dep-service"
      />
      {service.create && (
        <Flex spaceItems={{ default: 'spaceItemsMd' }}>
          <FlexItem>
            <FormGroup label={t('Type')} fieldId="dep-service-type">
              <FormSelect id="dep-service-type" value={service.type} onChange={(_e, v) => onChange({ ...service, type: v as ServiceFields['type'] })} data-test="dep-service-type">
                <FormSelectOption value="ClusterIP" label={t('Inside the cluster (ClusterIP)')} />
                <FormSelectOption value="NodePort" label={t('On every node (NodePort)')} />
              </FormSelect>
            </FormGroup>
          </FlexItem>
          <FlexItem>
            <FormGroup label={t('Service port')} fieldId="dep-service-port">
              <TextInput id="dep-service-port" type="number" value={service.port ?? ''} placeholder={String(containerPort ?? '')} onChange={(_e, v) => onChange({ ...service, port: v ? Number(v) : undefined })} data-test="dep-service-port" />
            </FormGroup>
          </FlexItem>
        </Flex>
      )}
    </FormSection>
  );
}
