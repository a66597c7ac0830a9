import { Button, Checkbox, FormGroup, Label, LabelGroup, PageSection, TextInput } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useCan } from '../api/access';
import { api } from '../api/client';
import { useInvalidate } from '../api/mutations';
import { useList } from '../api/resources';
import { useApiList } from '../api/tenant';
import { displayName, displayNameAnnotation, type Role, type RoleTemplate } from '../api/types';
import { ConfirmDelete } from '../components/ConfirmDelete';
import { FormModal } from '../components/FormModal';
import { PageHeader } from '../components/PageHeader';
import { ResourceTable } from '../components/ResourceTable';
import { levelPaths, type Level } from './levels';

const builtinLabel = 'iam.superkube.io/builtin';

/** Roles of a level as lists of role templates; custom roles are made from templates. */
export default function Roles({ level }: { level: Level }) {
  const { workspace, namespace } = useParams();
  const { t, i18n } = useTranslation('workspace');
  const invalidate = useInvalidate();
  const paths = levelPaths(level, workspace, namespace);
  const templates = useList<RoleTemplate>('roletemplates', undefined, { labelSelector: `iam.superkube.io/scope=${paths.scope}`, limit: 500, sortBy: 'name', ascending: true }, { live: false });
  const [editing, setEditing] = useState<Role | 'new'>();
  const [deleting, setDeleting] = useState<Role>();
  const [name, setName] = useState('');
  const [title, setTitle] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [canCreate, canDelete] = useCan([
    { verb: 'create', ...paths.roleResource },
    { verb: 'delete', ...paths.roleResource },
  ]);
  const lang = i18n.language;
  const tmplName = (n: string) => {
    const tm = templates.data?.items.find((x) => x.metadata.name === n);
    return tm?.spec.displayName?.[lang] ?? tm?.spec.displayName?.en ?? n;
  };
  const prefix = level === 'workspace' ? `${workspace}-` : '';
  const open = (r: Role | 'new') => {
    setEditing(r);
    setName(r === 'new' ? prefix : r.metadata.name);
    setTitle(r === 'new' ? '' : (r.metadata.annotations?.[displayNameAnnotation] ?? ''));
    setChosen(r === 'new' ? [] : r.templates);
  };
  const where = level === 'global' ? undefined : level === 'workspace' ? workspace : namespace;
  const base = level === 'workspace' ? `/workspaces/${workspace}` : `/projects/${namespace}`;
  return (
    <>
      <PageHeader
        title={level === 'global' ? t('Platform roles') : t('Roles')}
        crumbs={where ? [{ title: where, to: `${base}/overview` }, { title: t('Roles') }] : undefined}
        actions={
          canCreate && (
            <Button onClick={() => open('new')} data-test="create-role">
              {t('Create role')}
            </Button>
          )
        }
      />
      <PageSection>
        <ResourceTable<Role>
          id="roles"
          ariaLabel={t('Roles')}
          resource="roles"
          source={(params) => useApiList<Role>(paths.roles, params, true, paths.liveRoles)}
          defaultSortBy="name"
          defaultAscending
          columns={[
            { title: t('Name'), sortKey: 'name', render: (r) => displayName(r) },
            { title: t('Kind'), render: (r) => (r.metadata.labels?.[builtinLabel] === 'true' ? t('Built-in') : t('Custom')) },
            {
              title: t('Permissions'),
              render: (r) => (
                <LabelGroup numLabels={4}>
                  {r.templates.map((n) => (
                    <Label key={n} isCompact>
                      {tmplName(n)}
                    </Label>
                  ))}
                </LabelGroup>
              ),
            },
          ]}
          actions={(r) =>
            r.metadata.labels?.[builtinLabel] === 'true'
              ? [{ title: t('View'), onClick: open }]
              : [
                  { title: canCreate ? t('Edit') : t('View'), onClick: open },
                  ...(canDelete ? [{ title: t('Delete'), onClick: setDeleting, isDanger: true }] : []),
                ]
          }
        />
      </PageSection>
      {editing && (
        <FormModal
          title={editing === 'new' ? t('Create role') : displayName(editing)}
          test="role-form"
          submitLabel={editing === 'new' ? t('Create') : t('Save')}
          canSubmit={canCreate && !!name && chosen.length > 0 && (editing === 'new' || editing.metadata.labels?.[builtinLabel] !== 'true')}
          onClose={() => setEditing(undefined)}
          onSubmit={async () => {
            const body = { metadata: { name, annotations: title ? { [displayNameAnnotation]: title } : {} }, templates: chosen };
            if (editing === 'new') await api.post(paths.roles, body);
            else await api.put(`${paths.roles}/${encodeURIComponent(name)}`, body);
            invalidate('roles');
          }}
        >
          <FormGroup label={t('Name')} isRequired fieldId="role-name">
            <TextInput id="role-name" value={name} onChange={(_e, v) => setName(v)} isDisabled={editing !== 'new'} data-test="role-name" />
          </FormGroup>
          <FormGroup label={t('Display name')} fieldId="role-title">
            <TextInput id="role-title" value={title} onChange={(_e, v) => setTitle(v)} data-test="role-title" />
          </FormGroup>
          <FormGroup label={t('Permissions')} role="group" fieldId="role-templates" isStack>
            {(templates.data?.items ?? []).map((tm) => (
              <Checkbox
                key={tm.metadata.name}
                id={`tmpl-${tm.metadata.name}`}
                label={tm.spec.displayName?.[lang] ?? tm.spec.displayName?.en ?? tm.metadata.name}
                description={tm.spec.description?.[lang] ?? tm.spec.description?.en}
                isChecked={chosen.includes(tm.metadata.name)}
                onChange={(_e, v) => setChosen(v ? [...chosen, tm.metadata.name, ...(tm.spec.dependencies ?? []).filter((d) => !chosen.includes(d))] : chosen.filter((c) => c !== tm.metadata.name))}
                data-test={`tmpl-${tm.metadata.name}`}
              />
            ))}
          </FormGroup>
        </FormModal>
      )}
      {deleting && (
        <ConfirmDelete
          kind={t('role')}
          name={deleting.metadata.name}
          onConfirm={async () => {
            await api.del(`${paths.roles}/${encodeURIComponent(deleting.metadata.name)}`);
            invalidate('roles');
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}
