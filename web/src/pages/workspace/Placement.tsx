import { Button, Card, CardBody, CardTitle, Checkbox, Flex, FlexItem, FormGroup, Label, LabelGroup, TextInput } from '@patternfly/react-core';
import { MinusCircleIcon, PlusCircleIcon } from '@patternfly/react-icons';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../api/access';
import { useClusters } from '../../api/clusters';
import { fieldError } from '../../api/errors';
import { useInvalidate } from '../../api/mutations';
import { coveredClusters, placementOf, updateWorkspace, useWorkspace, useWorkspaceClusters, withPlacement, type Placement } from '../../api/tenant';
import type { Workspace } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { useToast } from '../../components/Toast';
import { labelKeyPattern, labelValuePattern } from '../project/DeploymentFormSections';

/** All the clusters the user may use, to choose from. */
const allClusters = { limit: 100, sortBy: 'name', ascending: true };

/**
 * PlacementCard shows the clusters a workspace is placed on and, to those
 * who may update the workspace, edits its placement.
 */
export function PlacementCard({ workspace }: { workspace: string }) {
  const { t } = useTranslation('workspace');
  const [canUpdate] = useCan([{ verb: 'update', group: 'tenant.superkube.io', resource: 'workspaces', name: workspace }]);
  const ws = useWorkspace(workspace);
  const placed = useWorkspaceClusters(workspace);
  const [editing, setEditing] = useState(false);
  const names = placed.data?.items.map((c) => c.metadata.name);
  return (
    <Card isCompact data-test="placement">
      <CardTitle>
        <Flex justifyContent={{ default: 'justifyContentSpaceBetween' }} alignItems={{ default: 'alignItemsCenter' }}>
          <FlexItem>{t('Clusters the workspace is placed on')}</FlexItem>
          {canUpdate && ws.data && (
            <FlexItem>
              <Button variant="secondary" size="sm" onClick={() => setEditing(true)} data-test="edit-placement">
                {t('Edit placement')}
              </Button>
            </FlexItem>
          )}
        </Flex>
      </CardTitle>
      <CardBody>
        {placed.error ? (
          <ErrorAlert error={placed.error} onRetry={() => void placed.refetch()} />
        ) : names ? (
          <LabelGroup numLabels={20} data-test="placement-clusters">
            {names.map((n) => (
              <Label key={n} isCompact data-test={`placed-${n}`}>
                {n}
              </Label>
            ))}
          </LabelGroup>
        ) : (
          '…'
        )}
      </CardBody>
      {editing && ws.data && <PlacementModal workspace={ws.data} onClose={() => setEditing(false)} />}
    </Card>
  );
}

/** selectorRows are a selector's labels as rows to edit. */
function selectorRows(p: Placement): [string, string][] {
  return Object.entries(p.selector?.matchLabels ?? {});
}

/**
 * PlacementModal edits where a workspace is: the clusters it is placed on
 * by name (among those the user may use) and the labels of the clusters it
 * is placed on besides; it shows the clusters that covers as it is edited.
 * The selector's expressions, which it does not edit, are kept.
 */
export function PlacementModal({ workspace, onClose }: { workspace: Workspace; onClose: () => void }) {
  const { t } = useTranslation('workspace');
  const invalidate = useInvalidate();
  const toast = useToast();
  const clusters = useClusters(allClusters);
  const before = placementOf(workspace);
  const [chosen, setChosen] = useState<string[]>(before.clusters);
  const [rows, setRows] = useState<[string, string][]>(() => selectorRows(before));
  const expressions = before.selector?.matchExpressions ?? [];
  const all = clusters.data?.items ?? [];
  // Clusters named that the user cannot see (or no longer exist) stay listed, to be kept or taken out.
  const choices = [...all.map((c) => c.metadata.name), ...before.clusters.filter((n) => !all.some((c) => c.metadata.name === n))];
  const badRow = (k: string, v: string) => !labelKeyPattern.test(k) || !labelValuePattern.test(v);
  const bad = rows.some(([k, v]) => badRow(k, v)) || new Set(rows.map(([k]) => k)).size !== rows.length;
  const placement: Placement = {
    clusters: chosen,
    selector: rows.length || expressions.length ? { matchLabels: rows.length ? Object.fromEntries(rows) : undefined, matchExpressions: expressions.length ? expressions : undefined } : undefined,
  };
  const covered = coveredClusters(all, placement);
  const name = workspace.metadata.name;
  return (
    <FormModal
      title={t('Placement of {{name}}', { name })}
      test="placement-edit"
      submitLabel={t('Save')}
      canSubmit={!bad}
      shownFields={['spec.clusters', 'spec.clusterSelector']}
      onSubmit={async () => {
        await updateWorkspace(withPlacement(workspace, placement));
        invalidate('workspaces');
        toast.success(t('The placement of {{name}} is saved.', { name }));
      }}
      onClose={onClose}
    >
      {(err) => (
        <>
          <FormGroup role="group" label={t('Clusters')} fieldId="placement-clusters" isStack>
            {clusters.error ? <ErrorAlert error={clusters.error} onRetry={() => void clusters.refetch()} /> : null}
            {choices.map((c) => (
              <Checkbox
                key={c}
                id={`placement-cluster-${c}`}
                label={c}
                isChecked={chosen.includes(c)}
                onChange={(_e, on) => setChosen(on ? [...chosen, c] : chosen.filter((x) => x !== c))}
                data-test={`placement-cluster-${c}`}
              />
            ))}
            <FieldHelp rule={t('The workspace is placed on each cluster chosen.')} error={fieldError(err, 'spec.clusters')} test="placement-clusters" />
          </FormGroup>
          <FormGroup role="group" label={t('Clusters with these labels')} fieldId="placement-selector">
            {rows.map(([k, v], i) => (
              <Flex key={i} spaceItems={{ default: 'spaceItemsSm' }} className="pf-v6-u-mb-sm" data-test={`selector-row-${i}`}>
                <FlexItem>
                  <TextInput aria-label={t('Label key')} placeholder={t('Key')} value={k} onChange={(_e, s) => setRows(rows.map((r, j) => (j === i ? [s, r[1]] : r)))} validated={k && !labelKeyPattern.test(k) ? 'error' : 'default'} data-test={`selector-key-${i}`} />
                </FlexItem>
                <FlexItem>=</FlexItem>
                <FlexItem>
                  <TextInput aria-label={t('Label value')} placeholder={t('Value')} value={v} onChange={(_e, s) => setRows(rows.map((r, j) => (j === i ? [r[0], s] : r)))} validated={!labelValuePattern.test(v) ? 'error' : 'default'} data-test={`selector-value-${i}`} />
                </FlexItem>
                <FlexItem>
                  <Button variant="plain" aria-label={t('Remove the label {{key}}', { key: k })} icon={<MinusCircleIcon />} onClick={() => setRows(rows.filter((_x, j) => j !== i))} data-test={`selector-remove-${i}`} />
                </FlexItem>
              </Flex>
            ))}
            <div>
              <Button variant="link" isInline icon={<PlusCircleIcon />} onClick={() => setRows([...rows, ['', '']])} data-test="selector-add">
                {t('Add a label')}
              </Button>
            </div>
            {expressions.length > 0 && <p data-test="selector-expressions">{t('The selector’s expressions ({{n}}) are kept as they are.', { n: expressions.length })}</p>}
            <FieldHelp
              rule={t('The workspace is also placed on every cluster that has all these labels, including clusters that join later.')}
              error={fieldError(err, 'spec.clusterSelector') ?? (bad ? t('Keys and values: letters, digits, -, _ and ., at most 63; a key may have a prefix such as example.com/; each key once.') : undefined)}
              test="placement-selector"
            />
          </FormGroup>
          <p data-test="placement-covered">
            {t('Placed on: {{clusters}}', { clusters: covered.join(', ') })}
            {covered.length === 1 && !chosen.length && !rows.length && !expressions.length ? ` ${t('(the host only, as with no placement)')}` : ''}
          </p>
        </>
      )}
    </FormModal>
  );
}
