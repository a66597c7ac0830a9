import { FormGroup, FormSelect, FormSelectOption, Label, PageSection, TextInput } from '@patternfly/react-core';
import type { TFunction } from 'i18next';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { useAccess, useCan } from '../../api/access';
import { fieldError } from '../../api/errors';
import { useInvalidate } from '../../api/mutations';
import { deleteSnapshot, restoreSnapshot, useSnapshotClasses, useSnapshots, volumeSnapshotKind, type VolumeSnapshot } from '../../api/storage';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { age } from '../../components/format';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { ResourceTable, useTableState, type Column, type RowAction } from '../../components/ResourceTable';
import { useToast } from '../../components/Toast';
import { YamlDialog } from '../../components/YamlDialog';
import { nameProblem, restoredName, restoreSizeProblem, snapshotState, type SnapshotState } from './storageForm';
import { nameMessage, sizeMessage } from './Volumes';

function stateLabel(s: SnapshotState, t: TFunction) {
  switch (s) {
    case 'ready':
      return (
        <Label isCompact color="green" data-test="snapshot-ready">
          {t('Ready to use')}
        </Label>
      );
    case 'failed':
      return (
        <Label isCompact color="red" data-test="snapshot-failed">
          {t('Failed')}
        </Label>
      );
    case 'pending':
      return (
        <Label isCompact color="orange" data-test="snapshot-pending">
          {t('Being taken')}
        </Label>
      );
  }
}

/**
 * The Volume snapshots page of a project: each snapshot with whether it is
 * ready, the claim it was taken of, its class and size; restore one to a
 * new claim, delete one (the name typed to confirm).
 */
export default function SnapshotsPage() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('storage');
  const g = volumeSnapshotKind.group;
  const r = volumeSnapshotKind.resource;
  const access = useAccess([{ verb: 'list', group: g, resource: r, namespace }]);
  const [canDelete, canRestore, canUpdate] = useCan([
    { verb: 'delete', group: g, resource: r, namespace },
    { verb: 'create', resource: 'persistentvolumeclaims', namespace },
    { verb: 'update', group: g, resource: r, namespace },
  ]);
  const table = useTableState({ statusParam: 'ready' });
  const snapshots = useSnapshots(namespace, table.params, access.allowed[0]);
  const invalidate = useInvalidate();
  const toast = useToast();
  const navigate = useNavigate();
  const [restoring, setRestoring] = useState<VolumeSnapshot>();
  const [deleting, setDeleting] = useState<string>();
  const [yaml, setYaml] = useState<string>();
  if (!access.loaded) return <Loading />;
  if (!access.allowed[0]) return <NoAccess />;

  const columns: Column<VolumeSnapshot>[] = [
    { title: t('Name'), sortKey: 'name', render: (s) => s.metadata.name },
    {
      title: t('State'),
      render: (s) => (
        <span data-test={`state-${s.metadata.name}`} title={s.status?.error?.message}>
          {stateLabel(snapshotState(s), t)}
        </span>
      ),
    },
    {
      title: t('Source claim'),
      sortKey: 'persistentVolumeClaim',
      render: (s) => {
        const c = s.spec.source.persistentVolumeClaimName;
        return c ? (
          <Link to={`/projects/${namespace}/persistentvolumeclaims/${c}`} data-test={`source-${s.metadata.name}`}>
            {c}
          </Link>
        ) : (
          '–'
        );
      },
    },
    { title: t('Snapshot class'), render: (s) => s.spec.volumeSnapshotClassName ?? '–', hideBelow: 'xl' },
    { title: t('Size'), render: (s) => <span data-test={`size-${s.metadata.name}`}>{s.status?.restoreSize ?? '–'}</span> },
    { title: t('Age'), sortKey: 'createTime', render: (s) => age(s.metadata.creationTimestamp), hideBelow: 'lg' },
  ];
  const actions = (s: VolumeSnapshot): RowAction<VolumeSnapshot>[] => {
    const out: RowAction<VolumeSnapshot>[] = [];
    if (canRestore) out.push({ title: t('Restore to a new claim'), onClick: () => setRestoring(s), isDisabled: snapshotState(s) === 'failed' });
    out.push({ title: canUpdate ? t('Edit YAML') : t('View YAML'), onClick: () => setYaml(s.metadata.name) });
    if (canDelete) out.push({ title: t('Delete'), onClick: () => setDeleting(s.metadata.name), isDanger: true });
    return out;
  };
  return (
    <>
      <PageHeader title={t('Volume snapshots')} crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Volume snapshots') }]} />
      <PageSection>
        <ResourceTable<VolumeSnapshot>
          id="volumesnapshots"
          ariaLabel={t('Volume snapshots')}
          table={table}
          query={snapshots}
          columns={columns}
          statuses={['true', 'false']}
          actions={actions}
          emptyTitle={t('No snapshots yet')}
          emptyText={t('Take a snapshot of a volume from the Volumes page; a snapshot can then be restored to a new claim.')}
        />
      </PageSection>
      {restoring && <RestoreDialog namespace={namespace} snapshot={restoring} onClose={() => setRestoring(undefined)} onDone={() => void navigate(`/projects/${namespace}/persistentvolumeclaims`)} />}
      {deleting && (
        <ConfirmDelete
          kind={volumeSnapshotKind.kind}
          name={deleting}
          onConfirm={async () => {
            await deleteSnapshot(namespace, deleting);
            invalidate('volumesnapshots');
            toast.success(t('{{kind}} {{name}} is being deleted.', { kind: volumeSnapshotKind.kind, name: deleting }));
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
      {yaml && <YamlDialog kind={volumeSnapshotKind} namespace={namespace} name={yaml} canEdit={canUpdate} onClose={() => setYaml(undefined)} />}
    </>
  );
}

const nameField = 'metadata.name';
const sizeField = 'spec.resources.requests.storage';
const classField = 'spec.storageClassName';

/**
 * RestoreDialog makes a new claim from a snapshot: its name, and optionally
 * a larger size and another class of the snapshot's driver (by default the
 * snapshot's size and the source claim's class).
 */
export function RestoreDialog({ namespace, snapshot, onClose, onDone }: { namespace: string; snapshot: VolumeSnapshot; onClose: () => void; onDone?: () => void }) {
  const { t } = useTranslation('storage');
  const invalidate = useInvalidate();
  const toast = useToast();
  const classes = useSnapshotClasses();
  const [name, setName] = useState(() => restoredName(snapshot));
  const [size, setSize] = useState('');
  const [cls, setCls] = useState('');
  const min = snapshot.status?.restoreSize;
  const np = nameProblem(name);
  const sp = restoreSizeProblem(size, min);
  const choices = classes.data?.items.find((c) => c.metadata.name === snapshot.spec.volumeSnapshotClassName)?.storageClasses ?? [];
  return (
    <FormModal
      title={t('Restore {{name}} to a new claim', { name: snapshot.metadata.name })}
      test="restore"
      submitLabel={t('Restore')}
      canSubmit={!np && !sp}
      shownFields={[nameField, sizeField, classField]}
      onSubmit={async () => {
        await restoreSnapshot(namespace, snapshot.metadata.name, { name, storage: size.trim() || undefined, storageClassName: cls || undefined });
        invalidate('persistentvolumeclaims');
        toast.success(t('Claim {{name}} is made from snapshot {{snapshot}}.', { name, snapshot: snapshot.metadata.name }), t('It is bound once its volume is made from the snapshot.'));
        onDone?.();
      }}
      onClose={onClose}
    >
      {(err) => {
        const nameError = (np && name ? nameMessage(np, t) : undefined) ?? fieldError(err, nameField);
        const sizeError = (sp ? sizeMessage(sp, t, min) : undefined) ?? fieldError(err, sizeField);
        return (
          <>
            {snapshotState(snapshot) === 'pending' && <p data-test="restore-pending">{t('The snapshot is not ready yet: the new claim stays pending until it is.')}</p>}
            <FormGroup label={t('Name of the new claim')} fieldId="restore-name" isRequired>
              <TextInput id="restore-name" value={name} onChange={(_e, v) => setName(v)} validated={nameError ? 'error' : 'default'} data-test="restore-name" />
              <FieldHelp rule={t('Lower-case letters, digits and hyphens, at most 63 characters.')} error={nameError} test="restore-name" />
            </FormGroup>
            <FormGroup label={t('Size')} fieldId="restore-size">
              <TextInput id="restore-size" value={size} placeholder={min} onChange={(_e, v) => setSize(v)} validated={sizeError ? 'error' : 'default'} data-test="restore-size" />
              <FieldHelp rule={t('Empty: the snapshot’s size ({{size}}). A larger size such as 2Gi is allowed.', { size: min ?? '–' })} error={sizeError} test="restore-size" />
            </FormGroup>
            <FormGroup label={t('Storage class')} fieldId="restore-class">
              <FormSelect id="restore-class" value={cls} onChange={(_e, v) => setCls(v)} data-test="restore-class">
                <FormSelectOption value="" label={t('The source claim’s class')} />
                {choices.map((c) => (
                  <FormSelectOption key={c} value={c} label={c} />
                ))}
              </FormSelect>
              <FieldHelp rule={t('A class of the snapshot’s driver.')} error={fieldError(err, classField)} test="restore-class" />
            </FormGroup>
          </>
        );
      }}
    </FormModal>
  );
}
