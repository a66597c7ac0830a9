import { Card, CardBody, CardTitle, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Label, Stack, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import type { TFunction } from 'i18next';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { ContainerStatus } from '../../api/types';
import { Time } from '../../components/Time';
import type { ContainerSpec, EnvVar, PodSpec, Probe, Volume } from './podSpec';

function Rows({ rows, test }: { rows: [string, ReactNode][]; test?: string }) {
  return (
    <DescriptionList isHorizontal isCompact data-test={test}>
      {rows.map(([term, value]) => (
        <DescriptionListGroup key={term}>
          <DescriptionListTerm>{term}</DescriptionListTerm>
          <DescriptionListDescription>{value}</DescriptionListDescription>
        </DescriptionListGroup>
      ))}
    </DescriptionList>
  );
}

/** ObjectLink links to an object of the project by kind (ConfigMap, Secret, PersistentVolumeClaim). */
function ObjectLink({ namespace, resource, name }: { namespace: string; resource: string; name: string }) {
  return (
    <Link to={`/projects/${namespace}/${resource}/${name}`} data-test={`link-${resource}-${name}`}>
      {name}
    </Link>
  );
}

/**
 * EnvValue shows where a variable's value comes from: the value itself, or
 * the ConfigMap's or Secret's key by name. A Secret's value is never read
 * nor shown here: the Secret's page reveals it to those who may read it.
 */
function EnvValue({ namespace, env }: { namespace: string; env: EnvVar }) {
  const { t } = useTranslation('project');
  const from = env.valueFrom;
  if (from?.configMapKeyRef) {
    return (
      <>
        {t('key {{key}} of ConfigMap', { key: from.configMapKeyRef.key })} <ObjectLink namespace={namespace} resource="configmaps" name={from.configMapKeyRef.name} />
      </>
    );
  }
  if (from?.secretKeyRef) {
    return (
      <>
        {t('key {{key}} of Secret', { key: from.secretKeyRef.key })} <ObjectLink namespace={namespace} resource="secrets" name={from.secretKeyRef.name} />
      </>
    );
  }
  if (from?.fieldRef) return <>{t('field {{field}} of the pod', { field: from.fieldRef.fieldPath })}</>;
  if (from?.resourceFieldRef) return <>{t('{{resource}} of container {{container}}', { resource: from.resourceFieldRef.resource, container: from.resourceFieldRef.containerName ?? '' })}</>;
  return <code>{env.value ?? ''}</code>;
}

function Env({ namespace, c }: { namespace: string; c: ContainerSpec }) {
  const { t } = useTranslation('project');
  if (!c.env?.length && !c.envFrom?.length) return <>-</>;
  return (
    <Table variant="compact" aria-label={t('Environment variables')} data-test={`env-${c.name}`}>
      <Thead>
        <Tr>
          <Th>{t('Variable')}</Th>
          <Th>{t('Value')}</Th>
        </Tr>
      </Thead>
      <Tbody>
        {(c.env ?? []).map((e) => (
          <Tr key={e.name} data-test={`env-${e.name}`}>
            <Td dataLabel={t('Variable')}>
              <code>{e.name}</code>
            </Td>
            <Td dataLabel={t('Value')}>
              <EnvValue namespace={namespace} env={e} />
            </Td>
          </Tr>
        ))}
        {(c.envFrom ?? []).map((e, i) => (
          <Tr key={`from-${i}`}>
            <Td dataLabel={t('Variable')}>{e.prefix ? <code>{e.prefix}*</code> : t('all keys')}</Td>
            <Td dataLabel={t('Value')}>
              {e.configMapRef ? (
                <>
                  {t('every key of ConfigMap')} <ObjectLink namespace={namespace} resource="configmaps" name={e.configMapRef.name} />
                </>
              ) : e.secretRef ? (
                <>
                  {t('every key of Secret')} <ObjectLink namespace={namespace} resource="secrets" name={e.secretRef.name} />
                </>
              ) : (
                '-'
              )}
            </Td>
          </Tr>
        ))}
      </Tbody>
    </Table>
  );
}

/** probeText says what a probe checks and how often: "GET /healthz on 8080, after 5 s, every 10 s". */
export function probeText(p: Probe | undefined, t: TFunction): string {
  if (!p) return '-';
  let what = '-';
  if (p.httpGet) what = `${p.httpGet.scheme === 'HTTPS' ? 'HTTPS ' : ''}GET ${p.httpGet.path ?? '/'} ${t('on')} ${p.httpGet.port}`;
  else if (p.tcpSocket) what = `TCP ${t('on')} ${p.tcpSocket.port}`;
  else if (p.grpc) what = `gRPC ${t('on')} ${p.grpc.port}`;
  else if (p.exec) what = (p.exec.command ?? []).join(' ');
  const timing = [
    p.initialDelaySeconds ? t('after {{n}} s', { n: p.initialDelaySeconds }) : '',
    t('every {{n}} s', { n: p.periodSeconds ?? 10 }),
    p.failureThreshold && p.failureThreshold !== 3 ? t('{{count}} failures allowed', { count: p.failureThreshold }) : '',
  ].filter(Boolean);
  return `${what}, ${timing.join(', ')}`;
}

/** resourcesText shows requests and limits: "cpu 100m, memory 128Mi". */
function resourcesText(r: Record<string, string> | undefined): string {
  return Object.entries(r ?? {})
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
}

/** ContainerState says what a pod's container is doing: running since when, waiting and why, or ended and how. */
function ContainerState({ s }: { s: ContainerStatus }) {
  const { t } = useTranslation('project');
  if (s.state?.running) return <>{t('Running since')} <Time ts={s.state.running.startedAt} /></>;
  if (s.state?.waiting) return <>{t('Waiting: {{reason}}', { reason: s.state.waiting.reason ?? '-' })}</>;
  if (s.state?.terminated) return <>{t('Ended: {{reason}} (exit code {{code}})', { reason: s.state.terminated.reason ?? '-', code: s.state.terminated.exitCode ?? '-' })}</>;
  return <>-</>;
}

function ContainerCard({ namespace, c, init, status }: { namespace: string; c: ContainerSpec; init?: boolean; status?: ContainerStatus }) {
  const { t } = useTranslation('project');
  const rows: [string, ReactNode][] = [];
  if (status) {
    rows.push(
      [t('State'), <span key="s" data-test={`state-${c.name}`}><ContainerState s={status} /></span>],
      [t('Ready'), status.ready ? t('Yes') : t('No')],
      [t('Restarts'), String(status.restartCount)],
    );
  }
  rows.push(
    [t('Image'), <code key="i">{c.image}</code>],
    [t('Ports'), (c.ports ?? []).map((p) => `${p.name ? p.name + ' ' : ''}${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ') || '-'],
  );
  if (c.command?.length || c.args?.length) rows.push([t('Command'), <code key="c">{[...(c.command ?? []), ...(c.args ?? [])].join(' ')}</code>]);
  rows.push(
    [t('Requests'), resourcesText(c.resources?.requests) || '-'],
    [t('Limits'), resourcesText(c.resources?.limits) || '-'],
    [t('Liveness probe'), probeText(c.livenessProbe, t)],
    [t('Readiness probe'), probeText(c.readinessProbe, t)],
  );
  if (c.startupProbe) rows.push([t('Startup probe'), probeText(c.startupProbe, t)]);
  rows.push(
    [
      t('Volume mounts'),
      (c.volumeMounts ?? []).length ? (
        <Stack key="m">
          {(c.volumeMounts ?? []).map((m) => (
            <span key={m.mountPath}>
              <code>{m.mountPath}</code> ← {m.name}
              {m.subPath ? ` (${m.subPath})` : ''}
              {m.readOnly ? ` ${t('(read only)')}` : ''}
            </span>
          ))}
        </Stack>
      ) : (
        '-'
      ),
    ],
    [t('Environment'), <Env key="e" namespace={namespace} c={c} />],
  );
  return (
    <Card isCompact>
      <CardTitle>
        {c.name} {init && <Label isCompact>{t('init')}</Label>}
      </CardTitle>
      <CardBody>
        <div data-test={`container-${c.name}`}>
          <Rows rows={rows} />
        </div>
      </CardBody>
    </Card>
  );
}

/** volumeSource says what a volume holds, with a link to the ConfigMap, Secret or claim. */
function VolumeSource({ namespace, v }: { namespace: string; v: Volume }) {
  const { t } = useTranslation('project');
  if (v.configMap) return <>{t('ConfigMap')} <ObjectLink namespace={namespace} resource="configmaps" name={v.configMap.name} /></>;
  if (v.secret) return <>{t('Secret')} <ObjectLink namespace={namespace} resource="secrets" name={v.secret.secretName} /></>;
  if (v.persistentVolumeClaim) return <>{t('Persistent volume claim')} <ObjectLink namespace={namespace} resource="persistentvolumeclaims" name={v.persistentVolumeClaim.claimName} /></>;
  if (v.emptyDir) return <>{t('Empty directory')}</>;
  if (v.hostPath) return <>{t('Host path')} <code>{v.hostPath.path}</code></>;
  const other = Object.keys(v).find((k) => k !== 'name');
  return <>{other ?? '-'}</>;
}

/** PodSpecView shows a pod template's containers and volumes; for a pod, with each container's state. */
export function PodSpecView({ namespace, spec, statuses }: { namespace: string; spec: PodSpec; statuses?: { init?: ContainerStatus[]; main?: ContainerStatus[] } }) {
  const { t } = useTranslation('project');
  return (
    <Stack hasGutter className="pf-v6-u-mt-md" data-test="pod-spec">
      {(spec.initContainers ?? []).map((c) => (
        <ContainerCard key={`init-${c.name}`} namespace={namespace} c={c} init status={statuses?.init?.find((x) => x.name === c.name)} />
      ))}
      {spec.containers.map((c) => (
        <ContainerCard key={c.name} namespace={namespace} c={c} status={statuses?.main?.find((x) => x.name === c.name)} />
      ))}
      {(spec.volumes ?? []).length > 0 && (
        <>
          <Title headingLevel="h3" size="md">
            {t('Volumes')}
          </Title>
          <Table variant="compact" aria-label={t('Volumes')} data-test="volumes">
            <Thead>
              <Tr>
                <Th>{t('Name')}</Th>
                <Th>{t('Source')}</Th>
              </Tr>
            </Thead>
            <Tbody>
              {(spec.volumes ?? []).map((v) => (
                <Tr key={v.name}>
                  <Td dataLabel={t('Name')}>{v.name}</Td>
                  <Td dataLabel={t('Source')}>
                    <VolumeSource namespace={namespace} v={v} />
                  </Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        </>
      )}
    </Stack>
  );
}
