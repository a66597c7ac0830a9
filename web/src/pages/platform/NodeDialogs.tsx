import { Alert, Button, Flex, FlexItem, FormSelect, FormSelectOption, List, ListItem, Modal, ModalBody, ModalFooter, ModalHeader, Progress, TextInput } from '@patternfly/react-core';
import MinusCircleIcon from '@patternfly/react-icons/dist/esm/icons/minus-circle-icon';
import PlusCircleIcon from '@patternfly/react-icons/dist/esm/icons/plus-circle-icon';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../api/errors';
import { useInvalidate } from '../../api/mutations';
import { useList } from '../../api/resources';
import type { Node, Pod } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { Loading } from '../../components/Loading';
import { useToast } from '../../components/Toast';
import { labelKeyPattern, labelValuePattern } from '../project/DeploymentFormSections';
import { useCluster } from '../../api/cluster';
import { drain, setLabels, setTaints, staysOnDrain, systemTaint, type DrainResult, type Taint } from './nodeActions';

/** drainLimit is the most pods a drain lists; a node holds at most 110 by default. */
const drainLimit = 500;

/**
 * DrainDialog shows the pods that will move off the node and those that
 * stay (DaemonSet pods, static pods, finished pods), then cordons the node
 * and evicts the others through the Eviction API, which keeps disruption
 * budgets; pods whose eviction is refused are listed with why.
 */
export function DrainDialog({ node, onClose }: { node: Node; onClose: () => void }) {
  const { t } = useTranslation('platform');
  const cluster = useCluster();
  const toast = useToast();
  const invalidate = useInvalidate();
  const name = node.metadata.name;
  const pods = useList<Pod>('pods', undefined, { nodeName: name, limit: drainLimit, sortBy: 'name', ascending: true }, { live: false });
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(0);
  const [result, setResult] = useState<DrainResult>();
  const [error, setError] = useState<unknown>();
  const items = pods.data?.items ?? [];
  const moving = items.filter((p) => !staysOnDrain(p));
  const staying = items.filter((p) => staysOnDrain(p));
  const why = { daemonset: t('DaemonSet pod'), mirror: t('static pod'), finished: t('finished') };
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await drain(node, items, setDone, cluster);
      setResult(r);
      invalidate('nodes');
      invalidate('pods');
      if (r.failed.length === 0) {
        toast.success(t('Node {{name}} is drained.', { name }), t('{{count}} pods were evicted; the node takes no new pods.', { count: r.evicted.length }));
        onClose();
      }
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal isOpen onClose={onClose} variant="medium" aria-labelledby="drain-title" data-test="drain">
      <ModalHeader title={t('Drain {{name}}?', { name })} labelId="drain-title" titleIconVariant="warning" />
      <ModalBody>
        <p>{t('The node is cordoned, so that it takes no new pods, and these pods are evicted: their controllers start them again on other nodes. Disruption budgets are kept: a pod they protect is not evicted.')}</p>
        {pods.isLoading ? (
          <Loading />
        ) : pods.error ? (
          <ErrorAlert error={pods.error} onRetry={() => void pods.refetch()} />
        ) : (
          <>
            <h3 className="pf-v6-u-mt-md pf-v6-u-font-weight-bold">{t('Pods that will move ({{n}})', { n: moving.length })}</h3>
            {moving.length === 0 ? (
              <p data-test="drain-none">{t('None: no pod needs to move.')}</p>
            ) : (
              <List data-test="drain-moving">
                {moving.map((p) => (
                  <ListItem key={`${p.metadata.namespace}/${p.metadata.name}`} data-test={`drain-pod-${p.metadata.name}`}>
                    {p.metadata.namespace}/{p.metadata.name}
                  </ListItem>
                ))}
              </List>
            )}
            {staying.length > 0 && (
              <>
                <h3 className="pf-v6-u-mt-md pf-v6-u-font-weight-bold">{t('Pods that stay ({{n}})', { n: staying.length })}</h3>
                <List data-test="drain-staying">
                  {staying.map((p) => (
                    <ListItem key={`${p.metadata.namespace}/${p.metadata.name}`} data-test={`drain-stays-${p.metadata.name}`}>
                      {p.metadata.namespace}/{p.metadata.name} ({why[staysOnDrain(p)!]})
                    </ListItem>
                  ))}
                </List>
              </>
            )}
          </>
        )}
        {busy && moving.length > 0 && <Progress value={(done * 100) / moving.length} title={t('Evicting')} className="pf-v6-u-mt-md" />}
        {result && result.failed.length > 0 && (
          <Alert variant="warning" isInline className="pf-v6-u-mt-md" title={t('{{count}} pods could not be evicted', { count: result.failed.length })} data-test="drain-failed">
            <List>
              {result.failed.map((f) => (
                <ListItem key={f.pod}>
                  {f.pod}: {describeError(f.error, t).title}
                </ListItem>
              ))}
            </List>
          </Alert>
        )}
        {error ? <ErrorAlert error={error} /> : null}
      </ModalBody>
      <ModalFooter>
        {!result && (
          <Button variant="danger" onClick={() => void run()} isLoading={busy} isDisabled={busy || pods.isLoading || !!pods.error} data-test="drain-confirm">
            {t('Drain')}
          </Button>
        )}
        <Button variant="link" onClick={onClose} data-test="drain-cancel">
          {result ? t('Close') : t('Cancel')}
        </Button>
      </ModalFooter>
    </Modal>
  );
}

const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** TaintsDialog edits a node's taints. */
export function TaintsDialog({ node, onClose }: { node: Node; onClose: () => void }) {
  const { t } = useTranslation('platform');
  const cluster = useCluster();
  const toast = useToast();
  const invalidate = useInvalidate();
  // Taints Kubernetes manages (a cordoned node's unschedulable one) are
  // shown but left to it.
  const system = (node.spec.taints ?? []).filter(systemTaint);
  const [taints, setRows] = useState<Taint[]>(() => (node.spec.taints ?? []).filter((x) => !systemTaint(x)).map((x) => ({ key: x.key, value: x.value ?? '', effect: x.effect })));
  const bad = taints.some((x) => !labelKeyPattern.test(x.key) || !labelValuePattern.test(x.value ?? ''));
  const update = (i: number, patch: Partial<Taint>) => setRows(taints.map((x, j) => (j === i ? { ...x, ...patch } : x)));
  return (
    <FormModal
      title={t('Taints of {{name}}', { name: node.metadata.name })}
      test="taints"
      submitLabel={t('Save')}
      canSubmit={!bad}
      onSubmit={async () => {
        await setTaints(node.metadata.name, taints, cluster);
        invalidate('nodes');
        toast.success(t('The taints of {{name}} are saved.', { name: node.metadata.name }));
      }}
      onClose={onClose}
    >
      {system.length > 0 && (
        <FieldHelp rule={t('Kept as Kubernetes sets them: {{taints}}', { taints: system.map((x) => `${x.key}:${x.effect}`).join(', ') })} test="system-taints" />
      )}
      {taints.map((x, i) => (
        <Flex key={i} spaceItems={{ default: 'spaceItemsSm' }} data-test={`taint-row-${i}`}>
          <FlexItem>
            <TextInput aria-label={t('Key')} placeholder={t('Key')} value={x.key} onChange={(_e, v) => update(i, { key: v })} validated={x.key && !labelKeyPattern.test(x.key) ? 'error' : 'default'} data-test={`taint-key-${i}`} />
          </FlexItem>
          <FlexItem>
            <TextInput aria-label={t('Value')} placeholder={t('Value')} value={x.value ?? ''} onChange={(_e, v) => update(i, { value: v })} data-test={`taint-value-${i}`} />
          </FlexItem>
          <FlexItem>
            <FormSelect aria-label={t('Effect')} value={x.effect} onChange={(_e, v) => update(i, { effect: v })} data-test={`taint-effect-${i}`}>
              {effects.map((e) => (
                <FormSelectOption key={e} value={e} label={e} />
              ))}
            </FormSelect>
          </FlexItem>
          <FlexItem>
            <Button variant="plain" aria-label={t('Remove the taint')} icon={<MinusCircleIcon />} onClick={() => setRows(taints.filter((_x, j) => j !== i))} data-test={`taint-remove-${i}`} />
          </FlexItem>
        </Flex>
      ))}
      <FieldHelp rule={t('NoSchedule keeps new pods off the node unless they tolerate the taint; PreferNoSchedule avoids it; NoExecute also evicts the pods that do not tolerate it.')} />
      <div>
        <Button variant="link" icon={<PlusCircleIcon />} onClick={() => setRows([...taints, { key: '', value: '', effect: 'NoSchedule' }])} data-test="taint-add">
          {t('Add a taint')}
        </Button>
      </div>
    </FormModal>
  );
}

/** LabelsDialog edits a node's labels. */
export function LabelsDialog({ node, onClose }: { node: Node; onClose: () => void }) {
  const { t } = useTranslation('platform');
  const cluster = useCluster();
  const toast = useToast();
  const invalidate = useInvalidate();
  const before = node.metadata.labels ?? {};
  const [rows, setRows] = useState<[string, string][]>(() => Object.entries(before));
  const bad = rows.some(([k, v]) => !labelKeyPattern.test(k) || !labelValuePattern.test(v)) || new Set(rows.map(([k]) => k)).size !== rows.length;
  return (
    <FormModal
      title={t('Labels of {{name}}', { name: node.metadata.name })}
      test="node-labels"
      submitLabel={t('Save')}
      canSubmit={!bad}
      onSubmit={async () => {
        await setLabels(node.metadata.name, before, Object.fromEntries(rows), cluster);
        invalidate('nodes');
        toast.success(t('The labels of {{name}} are saved.', { name: node.metadata.name }));
      }}
      onClose={onClose}
    >
      {rows.map(([k, v], i) => (
        <Flex key={i} spaceItems={{ default: 'spaceItemsSm' }} data-test={`node-label-row-${i}`}>
          <FlexItem>
            <TextInput aria-label={t('Key')} value={k} onChange={(_e, s) => setRows(rows.map((r, j) => (j === i ? [s, r[1]] : r)))} validated={!labelKeyPattern.test(k) ? 'error' : 'default'} data-test={`node-label-key-${i}`} />
          </FlexItem>
          <FlexItem>
            <TextInput aria-label={t('Value')} value={v} onChange={(_e, s) => setRows(rows.map((r, j) => (j === i ? [r[0], s] : r)))} validated={!labelValuePattern.test(v) ? 'error' : 'default'} data-test={`node-label-value-${i}`} />
          </FlexItem>
          <FlexItem>
            <Button variant="plain" aria-label={t('Remove the label')} icon={<MinusCircleIcon />} onClick={() => setRows(rows.filter((_x, j) => j !== i))} data-test={`node-label-remove-${i}`} />
          </FlexItem>
        </Flex>
      ))}
      <FieldHelp rule={t('Keys and values: letters, digits, -, _ and ., at most 63; a key may have a prefix such as example.com/. Labels that Kubernetes sets (kubernetes.io/...) come back when removed.')} />
      <div>
        <Button variant="link" icon={<PlusCircleIcon />} onClick={() => setRows([...rows, ['', '']])} data-test="node-label-add">
          {t('Add a label')}
        </Button>
      </div>
    </FormModal>
  );
}
