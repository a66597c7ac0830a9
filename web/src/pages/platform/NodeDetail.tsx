import { Button, Flex, Label, LabelGroup, PageSection, Stack, Tab, TabTitleText, Tabs } from '@patternfly/react-core';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { hostCluster, useCluster, withCluster } from '../../api/cluster';
import { ClusterSwitcher } from '../../components/ClusterSwitcher';
import { kinds } from '../../api/kinds';
import { useGet } from '../../api/resources';
import type { K8sObject, Node } from '../../api/types';
import { Loading } from '../../components/Loading';
import { PageError } from '../../components/PageState';
import { Events } from '../../components/Events';
import { Conditions, Metadata } from '../../components/Metadata';
import { PageHeader } from '../../components/PageHeader';
import { ResourceTable } from '../../components/ResourceTable';
import { StatusLabel } from '../../components/StatusLabel';
import { YamlTab } from '../../components/YamlTab';
import { columnsFor } from '../project/columns';
import { derivedStatus } from '../../components/status';
import { nodeRoles } from './Nodes';
import { useCan } from '../../api/access';
import { useInvalidate } from '../../api/mutations';
import { ConfirmAction } from '../../components/ConfirmAction';
import { useToast } from '../../components/Toast';
import { cordon } from './nodeActions';
import { DrainDialog, LabelsDialog, TaintsDialog } from './NodeDialogs';

const NodeMonitoring = lazy(() => import('../monitoring/NodeMonitoring'));

interface NodeInfo {
  osImage?: string;
  operatingSystem?: string;
  architecture?: string;
  kernelVersion?: string;
  containerRuntimeVersion?: string;
  kubeletVersion?: string;
  kubeProxyVersion?: string;
}

export default function NodeDetail() {
  const { name = '' } = useParams();
  const { t } = useTranslation('platform');
  const cluster = useCluster();
  const q = useGet<Node>('nodes', undefined, name);
  const [tab, setTab] = useState<string | number>('details');
  const [dialog, setDialog] = useState<'cordon' | 'drain' | 'taints' | 'labels'>();
  const [canPatch, canEvict] = useCan([
    { verb: 'patch', resource: 'nodes', name },
    { verb: 'create', resource: 'pods', subresource: 'eviction' },
  ]);
  const toast = useToast();
  const invalidate = useInvalidate();
  if (q.isLoading) return <Loading />;
  if (q.error || !q.data) return <PageError error={q.error} onRetry={() => void q.refetch()} />;
  const n = q.data;
  const res = (k: string) => `${n.status?.allocatable?.[k] ?? '-'} / ${n.status?.capacity?.[k] ?? '-'}`;
  const info = (n.status?.nodeInfo ?? {}) as NodeInfo;
  const uncordon = async () => {
    await cordon(name, false, cluster);
    invalidate('nodes');
    toast.success(t('Node {{name}} takes pods again.', { name }));
  };
  const taints = n.spec.taints ?? [];
  return (
    <>
      <PageHeader
        title={
          <>
            {name} <StatusLabel status={derivedStatus(n)} />{' '}
            {n.spec.unschedulable && (
              <Label isCompact color="orange" data-test="cordoned">
                {t('Cordoned')}
              </Label>
            )}
          </>
        }
        crumbs={[{ title: t('Nodes'), to: '/platform/nodes' }, { title: name }]}
        actions={
          canPatch && (
            <Flex>
              {n.spec.unschedulable ? (
                <Button variant="secondary" onClick={() => void uncordon().catch((e: unknown) => toast.warning(t('Node {{name}} could not be uncordoned.', { name }), e instanceof Error ? e.message : String(e)))} data-test="uncordon">
                  {t('Uncordon')}
                </Button>
              ) : (
                <Button variant="secondary" onClick={() => setDialog('cordon')} data-test="cordon">
                  {t('Cordon')}
                </Button>
              )}
              {canEvict && (
                <Button variant="danger" onClick={() => setDialog('drain')} data-test="drain-open">
                  {t('Drain')}
                </Button>
              )}
              <Button variant="secondary" onClick={() => setDialog('taints')} data-test="edit-taints">
                {t('Edit taints')}
              </Button>
              <Button variant="secondary" onClick={() => setDialog('labels')} data-test="edit-labels">
                {t('Edit labels')}
              </Button>
            </Flex>
          )
        }
      >
        <ClusterSwitcher to="/platform/nodes" />
      </PageHeader>
      <PageSection>
        <Tabs activeKey={tab} onSelect={(_e, k) => setTab(k)} mountOnEnter unmountOnExit aria-label={t('Sections')}>
          <Tab eventKey="details" title={<TabTitleText>{t('Details')}</TabTitleText>}>
            <Stack hasGutter className="pf-v6-u-mt-md">
              <Metadata
                object={n}
                extra={[
                  [t('Roles'), nodeRoles(n)],
                  [t('Addresses'), (n.status?.addresses ?? []).map((a) => `${a.type}: ${a.address}`).join(', ')],
                  [t('CPU (allocatable / capacity)'), res('cpu')],
                  [t('Memory (allocatable / capacity)'), res('memory')],
                  [t('Pods (allocatable / capacity)'), res('pods')],
                  [t('Schedulable'), n.spec.unschedulable ? t('No') : t('Yes')],
                  [
                    t('Taints'),
                    taints.length ? (
                      <LabelGroup key="t" numLabels={10} data-test="node-taints">
                        {taints.map((x) => (
                          <Label key={`${x.key}:${x.effect}`} isCompact color="orange">
                            {x.key}
                            {x.value ? `=${x.value}` : ''}:{x.effect}
                          </Label>
                        ))}
                      </LabelGroup>
                    ) : (
                      '-'
                    ),
                  ],
                  [t('Operating system'), <span key="os" data-test="node-os">{`${info.osImage || '-'} (${info.operatingSystem || '-'}/${info.architecture || '-'})`}</span>],
                  [t('Kernel'), info.kernelVersion || '-'],
                  [t('Container runtime'), info.containerRuntimeVersion || '-'],
                  [t('Kubelet'), <span key="kl" data-test="node-kubelet">{info.kubeletVersion || '-'}</span>],
                ]}
              />
              <Conditions conditions={n.status?.conditions} />
            </Stack>
          </Tab>
          <Tab eventKey="pods" title={<TabTitleText>{t('Pods')}</TabTitleText>}>
            <ResourceTable<K8sObject> id="node-pods" ariaLabel={t('Pods')} resource="pods" params={{ nodeName: name }} columns={columnsFor('pods', t)} statuses={kinds.pods.statuses} link={(p) => withCluster(`/projects/${p.metadata.namespace}/pods/${p.metadata.name}`, cluster)} />
          </Tab>
          {cluster === hostCluster && (
            <Tab eventKey="monitoring" title={<TabTitleText>{t('Monitoring')}</TabTitleText>} data-test="tab-monitoring">
              <div className="pf-v6-u-mt-md">
                <Suspense fallback={<Loading />}>
                  <NodeMonitoring node={name} />
                </Suspense>
              </div>
            </Tab>
          )}
          <Tab eventKey="events" title={<TabTitleText>{t('Events')}</TabTitleText>}>
            <Events kind="Node" name={name} />
          </Tab>
          <Tab eventKey="yaml" title={<TabTitleText>YAML</TabTitleText>}>
            <YamlTab kind={kinds.nodes} name={name} canEdit={false} />
          </Tab>
        </Tabs>
      </PageSection>
      {dialog === 'cordon' && (
        <ConfirmAction
          title={t('Cordon {{name}}?', { name })}
          confirmLabel={t('Cordon')}
          test="cordon"
          onConfirm={async () => {
            await cordon(name, true, cluster);
            invalidate('nodes');
            toast.success(t('Node {{name}} is cordoned.', { name }), t('It takes no new pods; the pods on it keep running.'));
          }}
          onClose={() => setDialog(undefined)}
        >
          {t('The node takes no new pods; the pods on it keep running. Drain it to move them.')}
        </ConfirmAction>
      )}
      {dialog === 'drain' && <DrainDialog node={n} onClose={() => setDialog(undefined)} />}
      {dialog === 'taints' && <TaintsDialog node={n} onClose={() => setDialog(undefined)} />}
      {dialog === 'labels' && <LabelsDialog node={n} onClose={() => setDialog(undefined)} />}
    </>
  );
}
