import { Card, CardBody, CardTitle, Label, PageSection, Spinner, Stack, StackItem, Title } from '@patternfly/react-core';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { platformActions, storageClassesIndex, useAccess, useCan } from '../../api/access';
import { useInvalidate } from '../../api/mutations';
import { setDefaultClass, storageClassKind, useSnapshotClasses, useStorageClasses, type StorageClassInfo } from '../../api/storage';
import { ConfirmAction } from '../../components/ConfirmAction';
import { ErrorAlert } from '../../components/ErrorAlert';
import { age } from '../../components/format';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { ResourceTable, useTableState, type Column, type RowAction } from '../../components/ResourceTable';
import { useToast } from '../../components/Toast';
import { YamlDialog } from '../../components/YamlDialog';
import { CapabilityTags } from './parts';

/**
 * The platform's Storage classes page: each class with its provisioner,
 * reclaim policy, binding mode, expansion, the default badge and what its
 * volumes can do (snapshot, clone, expand); "Set as default" for those who
 * may update classes; the snapshot classes below.
 */
export default function StorageClassesPage() {
  const { t } = useTranslation('storage');
  // The navigation's question (platform and cluster administrators list classes); the API also
  // answers whoever may create a claim, for the claim forms, but this page is the platform's.
  const access = useAccess(platformActions);
  const may = access.allowed[storageClassesIndex];
  const [canUpdate, canPatch] = useCan([
    { verb: 'update', group: storageClassKind.group, resource: storageClassKind.resource },
    { verb: 'patch', group: storageClassKind.group, resource: storageClassKind.resource },
  ]);
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true });
  const classes = useStorageClasses(table.params, may);
  const invalidate = useInvalidate();
  const toast = useToast();
  const [making, setMaking] = useState<StorageClassInfo>();
  const [yaml, setYaml] = useState<string>();
  if (!access.loaded) return <Loading />;
  if (!may) return <NoAccess />;
  const mayDefault = canUpdate && canPatch;

  const columns: Column<StorageClassInfo>[] = [
    {
      title: t('Name'),
      sortKey: 'name',
      render: (c) => (
        <span data-test={`class-${c.metadata.name}`}>
          {c.metadata.name}{' '}
          {c.default && (
            <Label isCompact color="green" data-test={`default-${c.metadata.name}`}>
              {t('Default')}
            </Label>
          )}
        </span>
      ),
    },
    { title: t('Provisioner'), sortKey: 'provisioner', render: (c) => c.provisioner },
    { title: t('Reclaim policy'), render: (c) => c.reclaimPolicy },
    { title: t('Binding mode'), render: (c) => c.volumeBindingMode, hideBelow: 'xl' },
    { title: t('Expansion'), render: (c) => (c.allowVolumeExpansion ? t('Allowed') : t('Not allowed')) },
    { title: t('Capabilities'), render: (c) => <CapabilityTags capabilities={c.capabilities} test={`caps-${c.metadata.name}`} /> },
    { title: t('Age'), sortKey: 'createTime', render: (c) => age(c.metadata.creationTimestamp), hideBelow: 'lg' },
  ];
  const actions = (c: StorageClassInfo): RowAction<StorageClassInfo>[] => {
    const out: RowAction<StorageClassInfo>[] = [];
    if (mayDefault && !c.default) out.push({ title: t('Set as default'), onClick: () => setMaking(c) });
    out.push({ title: canUpdate ? t('Edit YAML') : t('View YAML'), onClick: () => setYaml(c.metadata.name) });
    return out;
  };
  return (
    <>
      <PageHeader title={t('Storage classes')} crumbs={[{ title: t('Platform') }, { title: t('Storage classes') }]} />
      <PageSection>
        <Stack hasGutter>
          <StackItem>
            <p>{t('A claim names a class, and the class’s provisioner makes its volume. What a volume can do comes from the class’s CSI driver: snapshots, clones (a claim made from another) and expansion. A claim that names no class gets the default class.')}</p>
          </StackItem>
          <StackItem>
            <ResourceTable<StorageClassInfo>
              id="storageclasses"
              ariaLabel={t('Storage classes')}
              table={table}
              query={classes}
              columns={columns}
              actions={actions}
              emptyTitle={t('No storage classes')}
              emptyText={t('The cluster has no storage class: claims must name a volume made by hand. A cluster administrator installs a CSI driver with its class.')}
            />
          </StackItem>
          <StackItem>
            <SnapshotClasses />
          </StackItem>
        </Stack>
      </PageSection>
      {making && (
        <ConfirmAction
          title={t('Make {{name}} the default class?', { name: making.metadata.name })}
          confirmLabel={t('Set as default')}
          test="set-default"
          onConfirm={async () => {
            await setDefaultClass(making.metadata.name);
            invalidate('storageclasses');
            toast.success(t('{{name}} is the default class.', { name: making.metadata.name }), t('Claims that name no class get it from now on.'));
          }}
          onClose={() => setMaking(undefined)}
        >
          <p>{t('Claims that name no class get the default class. {{name}} becomes the only default: the other classes stop being default.', { name: making.metadata.name })}</p>
        </ConfirmAction>
      )}
      {yaml && <YamlDialog kind={storageClassKind} name={yaml} canEdit={canUpdate} onClose={() => setYaml(undefined)} />}
    </>
  );
}

/** SnapshotClasses lists the snapshot classes with their driver and the storage classes they snapshot. */
function SnapshotClasses() {
  const { t } = useTranslation('storage');
  const q = useSnapshotClasses();
  const items = q.data?.items ?? [];
  return (
    <Card data-test="snapshot-classes">
      <CardTitle>
        <Title headingLevel="h2" size="lg">
          {t('Snapshot classes')}
        </Title>
      </CardTitle>
      <CardBody>
        {q.error ? (
          <ErrorAlert error={q.error} onRetry={() => void q.refetch()} />
        ) : !q.data ? (
          <Spinner size="lg" aria-label={t('Loading')} />
        ) : items.length === 0 ? (
          <p data-test="snapshot-classes-none">{t('No snapshot classes: no class’s volumes can be snapshotted.')}</p>
        ) : (
          <Table aria-label={t('Snapshot classes')} variant="compact" gridBreakPoint="grid-lg">
            <Thead>
              <Tr>
                <Th>{t('Name')}</Th>
                <Th>{t('Driver')}</Th>
                <Th>{t('Deletion policy')}</Th>
                <Th>{t('Storage classes')}</Th>
              </Tr>
            </Thead>
            <Tbody>
              {items.map((c) => (
                <Tr key={c.metadata.name} data-test={`snapshot-class-${c.metadata.name}`}>
                  <Td dataLabel={t('Name')}>
                    {c.metadata.name}{' '}
                    {c.default && (
                      <Label isCompact color="green">
                        {t('Default of its driver')}
                      </Label>
                    )}
                  </Td>
                  <Td dataLabel={t('Driver')}>{c.driver}</Td>
                  <Td dataLabel={t('Deletion policy')}>{c.deletionPolicy}</Td>
                  <Td dataLabel={t('Storage classes')}>{c.storageClasses.join(', ') || '–'}</Td>
                </Tr>
              ))}
            </Tbody>
          </Table>
        )}
      </CardBody>
    </Card>
  );
}
