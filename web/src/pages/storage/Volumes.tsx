import { Alert, FormGroup, FormSelect, FormSelectOption, PageSection, TextInput } from '@patternfly/react-core';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { useAccess, useProjectAccess } from '../../api/access';
import { fieldError } from '../../api/errors';
import { useInvalidate } from '../../api/mutations';
import { claimKind, deleteClaim, expandClaim, takeSnapshot, volumeSnapshotKind, useClaims, type Claim } from '../../api/storage';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { age } from '../../components/format';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { ResourceTable, useTableState, type Column, type RowAction } from '../../components/ResourceTable';
import { StatusLabel } from '../../components/StatusLabel';
import { useToast } from '../../components/Toast';
import { YamlDialog } from '../../components/YamlDialog';
import { CapabilityTags } from './parts';
import { claimRequest, claimSize, expandProblem, nameProblem, snapshotClassChoices, snapshotName, type NameProblem, type SizeProblem } from './storageForm';

export function sizeMessage(p: SizeProblem, t: TFunction, min?: string): string {
  switch (p) {
    case 'required':
      return t('Enter the new size.');
    case 'invalid':
      return t('Enter a size such as 2Gi or 500Mi.');
    case 'notLarger':
      return t('Must be larger than the current size ({{size}}): volumes cannot shrink.', { size: min });
    case 'smaller':
      return t('Must not be smaller than the snapshot ({{size}}).', { size: min });
  }
}

export function nameMessage(p: NameProblem, t: TFunction): string {
  switch (p) {
    case 'required':
      return t('Enter a name.');
    case 'format':
      return t('Use lower-case letters, digits and hyphens (-), starting and ending with a letter or digit, at most 63 characters.');
    case 'taken':
      return t('This name is taken.');
  }
}

/**
 * The Volumes page of a project: its claims with their state, class,
 * capacity, the pods that mount them (links) and what their class can do;
 * expand a claim, take a snapshot of it, edit its YAML (reviewed as a dry
 * run before it is applied), delete it.
 */
export default function VolumesPage() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('storage');
  const access = useProjectAccess(namespace);
  const rights = useAccess([
    { verb: 'list', resource: 'pods', namespace },
    { verb: 'patch', resource: 'persistentvolumeclaims', namespace },
    { verb: 'update', resource: 'persistentvolumeclaims', namespace },
    { verb: 'delete', resource: 'persistentvolumeclaims', namespace },
    { verb: 'create', group: volumeSnapshotKind.group, resource: volumeSnapshotKind.resource, namespace },
  ]);
  const [canListPods, canPatch, canUpdate, canDelete, canSnapshot] = rights.allowed;
  const table = useTableState({ statusParam: 'phase' });
  const allowed = access.may('persistentvolumeclaims') && canListPods;
  const claims = useClaims(namespace, table.params, allowed);
  const invalidate = useInvalidate();
  const toast = useToast();
  const navigate = useNavigate();
  const [expanding, setExpanding] = useState<Claim>();
  const [snapshotting, setSnapshotting] = useState<Claim>();
  const [yaml, setYaml] = useState<string>();
  const [deleting, setDeleting] = useState<string>();
  if (access.loaded && !access.may('persistentvolumeclaims')) return <NoAccess />;

  const columns: Column<Claim>[] = [
    { title: t('Name'), sortKey: 'name', render: (c) => c.metadata.name },
    { title: t('Status'), sortKey: 'phase', render: (c) => <StatusLabel status={c.status?.phase ?? 'Pending'} /> },
    { title: t('Storage class'), sortKey: 'storageClass', render: (c) => c.spec.storageClassName ?? '–' },
    { title: t('Capacity'), render: (c) => <span data-test={`capacity-${c.metadata.name}`}>{claimSize(c) ?? '–'}</span> },
    {
      title: t('Mounted by'),
      render: (c) =>
        c.mountedBy.length === 0 ? (
          <span data-test={`mounted-${c.metadata.name}-none`}>{t('Not mounted')}</span>
        ) : (
          <span data-test={`mounted-${c.metadata.name}`}>
            {c.mountedBy.map((p, i) => (
              <span key={p.name}>
                {i > 0 && ', '}
                <Link to={`/projects/${namespace}/pods/${p.name}`} data-test={`mounted-pod-${p.name}`}>
                  {p.name}
                </Link>
                {p.readOnly && ` (${t('read only')})`}
              </span>
            ))}
          </span>
        ),
    },
    { title: t('Capabilities'), render: (c) => <CapabilityTags capabilities={c.capabilities} test={`caps-${c.metadata.name}`} />, hideBelow: 'xl' },
    { title: t('Age'), sortKey: 'createTime', render: (c) => age(c.metadata.creationTimestamp), hideBelow: 'lg' },
  ];
  const actions = (c: Claim): RowAction<Claim>[] => {
    const out: RowAction<Claim>[] = [];
    if (canPatch) out.push({ title: t('Expand'), onClick: () => setExpanding(c), isDisabled: !c.capabilities?.expand });
    if (canSnapshot) out.push({ title: t('Take a snapshot'), onClick: () => setSnapshotting(c) });
    out.push({ title: canUpdate ? t('Edit YAML') : t('View YAML'), onClick: () => setYaml(c.metadata.name) });
    if (canDelete) out.push({ title: t('Delete'), onClick: () => setDeleting(c.metadata.name), isDanger: true });
    return out;
  };
  return (
    <>
      <PageHeader title={t('Volumes')} crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Volumes') }]} />
      <PageSection>
        {rights.loaded && !canListPods ? (
          <Alert isInline variant="info" title={t('Volumes are listed with the pods that mount them, which your roles do not let you list here.')} data-test="volumes-no-pods" />
        ) : (
          <ResourceTable<Claim>
            id="persistentvolumeclaims"
            ariaLabel={t('Volumes')}
            table={table}
            query={claims}
            columns={columns}
            statuses={['bound', 'pending', 'lost']}
            link={(c) => `/projects/${namespace}/persistentvolumeclaims/${c.metadata.name}`}
            actions={actions}
            emptyTitle={t('No volumes yet')}
            emptyText={t('A workload gets a volume by naming a claim; a claim is also made by restoring a snapshot.')}
          />
        )}
      </PageSection>
      {expanding && <ExpandDialog namespace={namespace} claim={expanding} onClose={() => setExpanding(undefined)} />}
      {snapshotting && (
        <SnapshotDialog
          namespace={namespace}
          claim={snapshotting}
          onClose={() => setSnapshotting(undefined)}
          onDone={() => void navigate(`/projects/${namespace}/volumesnapshots`)}
        />
      )}
      {yaml && <YamlDialog kind={claimKind} namespace={namespace} name={yaml} canEdit={canUpdate} onClose={() => setYaml(undefined)} />}
      {deleting && (
        <ConfirmDelete
          kind={claimKind.kind}
          name={deleting}
          onConfirm={async () => {
            await deleteClaim(namespace, deleting);
            invalidate('persistentvolumeclaims');
            toast.success(t('{{kind}} {{name}} is being deleted.', { kind: claimKind.kind, name: deleting }));
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}

const sizeField = 'spec.resources.requests.storage';

/** ExpandDialog asks for a claim's new size, larger than what it asks for now. */
export function ExpandDialog({ namespace, claim, onClose }: { namespace: string; claim: Claim; onClose: () => void }) {
  const { t } = useTranslation('storage');
  const invalidate = useInvalidate();
  const toast = useToast();
  const current = claimRequest(claim);
  const [size, setSize] = useState('');
  const problem = expandProblem(current, size);
  const name = claim.metadata.name;
  return (
    <FormModal
      title={t('Expand {{name}}', { name })}
      test="expand"
      submitLabel={t('Expand')}
      canSubmit={!problem}
      shownFields={[sizeField]}
      onSubmit={async () => {
        await expandClaim(namespace, name, size.trim());
        invalidate('persistentvolumeclaims');
        toast.success(t('{{name}} is being expanded to {{size}}.', { name, size: size.trim() }), t('The volume grows; its capacity shows the new size when it has.'));
      }}
      onClose={onClose}
    >
      {(err) => {
        const error = (size && problem ? sizeMessage(problem, t, current) : undefined) ?? fieldError(err, sizeField);
        return (
          <>
            <p>{t('The claim asks for {{size}} now. A volume can grow, never shrink.', { size: current ?? '–' })}</p>
            <FormGroup label={t('New size')} fieldId="expand-size" isRequired>
              <TextInput id="expand-size" value={size} onChange={(_e, v) => setSize(v)} validated={error ? 'error' : 'default'} data-test="expand-size" autoFocus />
              <FieldHelp rule={t('A size such as 2Gi, larger than the current one.')} error={error} test="expand-size" />
            </FormGroup>
          </>
        );
      }}
    </FormModal>
  );
}

const classField = 'spec.volumeSnapshotClassName';
const sourceField = 'spec.source.persistentVolumeClaimName';

/**
 * SnapshotDialog takes a snapshot of a claim with one of the snapshot
 * classes of its class's driver; when there is none, it says that the
 * claim's class cannot snapshot, and sends nothing.
 */
export function SnapshotDialog({ namespace, claim, onClose, onDone }: { namespace: string; claim: Claim; onClose: () => void; onDone?: () => void }) {
  const { t } = useTranslation('storage');
  const invalidate = useInvalidate();
  const toast = useToast();
  const choices = snapshotClassChoices(claim);
  const [name, setName] = useState(() => snapshotName(claim.metadata.name, new Date()));
  const [cls, setCls] = useState(choices[0] ?? '');
  const problem = nameProblem(name);
  const cannot = choices.length === 0;
  return (
    <FormModal
      title={t('Take a snapshot of {{name}}', { name: claim.metadata.name })}
      test="snapshot"
      submitLabel={t('Take snapshot')}
      canSubmit={!problem && !cannot}
      shownFields={['metadata.name', classField]}
      onSubmit={async () => {
        await takeSnapshot(namespace, name, claim.metadata.name, cls);
        invalidate('volumesnapshots');
        toast.success(t('Snapshot {{name}} is being taken.', { name }), t('It can be restored once it is ready.'));
        onDone?.();
      }}
      onClose={onClose}
    >
      {(err) => {
        const nameError = (problem && name ? nameMessage(problem, t) : undefined) ?? fieldError(err, 'metadata.name');
        const sourceError = fieldError(err, sourceField);
        return (
          <>
            {cannot && (
              <Alert isInline variant="warning" title={t('This claim cannot be snapshotted')} data-test="snapshot-unsupported">
                {claim.capabilities
                  ? t('Its storage class {{class}} cannot snapshot: no snapshot class has the class’s provisioner as its driver.', { class: claim.spec.storageClassName ?? '' })
                  : t('Its storage class {{class}} does not exist.', { class: claim.spec.storageClassName ?? '' })}
              </Alert>
            )}
            {sourceError && (
              <Alert isInline variant="danger" title={t('This claim cannot be snapshotted')} data-test="snapshot-source-error">
                {sourceError}
              </Alert>
            )}
            <FormGroup label={t('Name')} fieldId="snapshot-name" isRequired>
              <TextInput id="snapshot-name" value={name} onChange={(_e, v) => setName(v)} validated={nameError ? 'error' : 'default'} data-test="snapshot-name" />
              <FieldHelp rule={t('Lower-case letters, digits and hyphens, at most 63 characters.')} error={nameError} test="snapshot-name" />
            </FormGroup>
            {!cannot && (
              <FormGroup label={t('Snapshot class')} fieldId="snapshot-class">
                <FormSelect id="snapshot-class" value={cls} onChange={(_e, v) => setCls(v)} data-test="snapshot-class">
                  {choices.map((c, i) => (
                    <FormSelectOption key={c} value={c} label={i === 0 ? t('{{name}} (default)', { name: c }) : c} />
                  ))}
                </FormSelect>
                <FieldHelp rule={t('The snapshot classes of the claim’s CSI driver.')} error={fieldError(err, classField)} test="snapshot-class" />
              </FormGroup>
            )}
          </>
        );
      }}
    </FormModal>
  );
}
