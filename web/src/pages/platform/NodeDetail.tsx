import { PageSection, Stack, Tab, TabTitleText, Tabs } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
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

export default function NodeDetail() {
  const { name = '' } = useParams();
  const { t } = useTranslation('platform');
  const q = useGet<Node>('nodes', undefined, name);
  const [tab, setTab] = useState<string | number>('details');
  if (q.isLoading) return <Loading />;
  if (q.error || !q.data) return <PageError error={q.error} onRetry={() => void q.refetch()} />;
  const n = q.data;
  const res = (k: string) => `${n.status?.allocatable?.[k] ?? '-'} / ${n.status?.capacity?.[k] ?? '-'}`;
  return (
    <>
      <PageHeader title={<>{name} <StatusLabel status={derivedStatus(n)} /></>} crumbs={[{ title: t('Nodes'), to: '/platform/nodes' }, { title: name }]} />
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
                  [t('Kubelet'), n.status?.nodeInfo?.kubeletVersion ?? '-'],
                  [t('Schedulable'), n.spec.unschedulable ? t('No') : t('Yes')],
                ]}
              />
              <Conditions conditions={n.status?.conditions} />
            </Stack>
          </Tab>
          <Tab eventKey="pods" title={<TabTitleText>{t('Pods')}</TabTitleText>}>
            <ResourceTable<K8sObject> id="node-pods" ariaLabel={t('Pods')} resource="pods" params={{ nodeName: name }} columns={columnsFor('pods', t)} statuses={kinds.pods.statuses} link={(p) => `/projects/${p.metadata.namespace}/pods/${p.metadata.name}`} />
          </Tab>
          <Tab eventKey="events" title={<TabTitleText>{t('Events')}</TabTitleText>}>
            <Events kind="Node" name={name} />
          </Tab>
          <Tab eventKey="yaml" title={<TabTitleText>YAML</TabTitleText>}>
            <YamlTab kind={kinds.nodes} name={name} canEdit={false} />
          </Tab>
        </Tabs>
      </PageSection>
    </>
  );
}
