import { Button, Checkbox, FormGroup, Label, LabelGroup, PageSection, TextInput } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useCan } from '../api/access';
import { useSession } from '../api/auth';
import { fieldError } from '../api/errors';
import { createRole, deleteRole, roleResource, updateRole, useRoles } from '../api/iam';
import { useInvalidate } from '../api/mutations';
import { builtinLabel, roleTitle, rulesSummary, templateTitle, useRoleTemplates, type RoleWithRules } from '../api/roles';
import { displayNameAnnotation } from '../api/types';
import { ConfirmDelete } from '../components/ConfirmDelete';
import { isDNSLabel } from '../components/format';
import { FieldHelp, FormModal } from '../components/FormModal';
import { PageHeader } from '../components/PageHeader';
import { ResourceTable, useTableState } from '../components/ResourceTable';
import { useToast } from '../components/Toast';
import { place, type PlaceLevel } from './levels';

const isBuiltin = (r: RoleWithRules) => r.metadata.labels?.[builtinLabel] === 'true';

/**
 * Roles of a level as lists of role templates, each named in the user's
 * language; custom roles are made from templates. Built-in roles show
 * what they allow too (the platform administrator, built from rules, "all
 * permissions").
 */
export default function Roles({ level, base: area }: { level: PlaceLevel; base?: 'devops' }) {
  const { workspace, namespace } = useParams();
  const { t, i18n } = useTranslation('workspace');
  const invalidate = useInvalidate();
  const toast = useToast();
  const session = useSession();
  const at = place(level, { workspace, namespace });
  const templates = useRoleTemplates(level, session.data?.username, { workspace, namespace });
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true });
  const roles = useRoles<RoleWithRules>(at, table.params);
  const [editing, setEditing] = useState<RoleWithRules | 'new'>();
  const [deleting, setDeleting] = useState<RoleWithRules>();
  const [name, setName] = useState('');
  const [title, setTitle] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [canCreate, canDelete] = useCan([
    { verb: 'create', ...roleResource(at) },
    { verb: 'delete', ...roleResource(at) },
  ]);
  const lang = i18n.language;
  const tmplName = (n: string) => templateTitle(n, templates.items, lang);
  // Templates with a name in the language first (someone who may not list
  // templates knows the names of those they hold only).
  const byName = (names: string[]) => [...names].sort((a, b) => Number(tmplName(a) === a) - Number(tmplName(b) === b) || tmplName(a).localeCompare(tmplName(b), lang));
  const prefix = level === 'workspace' ? `${workspace}-` : '';
  const open = (r: RoleWithRules | 'new') => {
    setEditing(r);
    setName(r === 'new' ? prefix : r.metadata.name);
    setTitle(r === 'new' ? '' : (r.metadata.annotations?.[displayNameAnnotation] ?? ''));
    setChosen(r === 'new' ? [] : r.templates);
  };
  const where = level === 'global' ? undefined : level === 'workspace' ? workspace : namespace;
  // A DevOps project's members and roles are bound in its namespace as a project's; its pages are under /devops.
  const base = level === 'workspace' ? `/workspaces/${workspace}` : area === 'devops' ? `/devops/${namespace}` : `/projects/${namespace}`;
  const start = area === 'devops' ? 'pipelines' : 'overview';
  const titleOf = (r: RoleWithRules) => roleTitle(level, r.metadata.name, t, { role: r, workspace });
  const readOnly = editing !== undefined && editing !== 'new' && (isBuiltin(editing) || !canCreate);
  const nameOK = isDNSLabel(name) && name.startsWith(prefix) && name !== prefix;
  const nameRule = prefix
    ? t('Lower-case letters, digits and -, at most 63 characters, starting with {{prefix}} (workspace role names are shared by all workspaces).', { prefix })
    : t('Lower-case letters, digits and -, at most 63 characters.');
  return (
    <>
      <PageHeader
        title={level === 'global' ? t('Platform roles') : t('Roles')}
        crumbs={where ? [{ title: where, to: `${base}/${start}` }, { title: t('Roles') }] : undefined}
        actions={
          canCreate && (
            <Button onClick={() => open('new')} data-test="create-role">
              {t('Create role')}
            </Button>
          )
        }
      />
      <PageSection>
        <ResourceTable<RoleWithRules>
          id="roles"
          ariaLabel={t('Roles')}
          table={table}
          query={roles}
          columns={[
            {
              title: t('Name'),
              sortKey: 'name',
              render: (r) => (
                <span data-test="role-title">
                  {titleOf(r)}
                  {titleOf(r) !== r.metadata.name && <span className="ke-subtle"> ({r.metadata.name})</span>}
                </span>
              ),
            },
            { title: t('Kind'), render: (r) => (isBuiltin(r) ? t('Built-in') : t('Custom')) },
            {
              title: t('Permissions'),
              render: (r) =>
                r.templates.length > 0 ? (
                  <LabelGroup numLabels={3} collapsedText={t('${remaining} more')} expandedText={t('Show less')} data-test="role-permissions">
                    {byName(r.templates).map((n) => (
                      <Label key={n} isCompact>
                        {tmplName(n)}
                      </Label>
                    ))}
                  </LabelGroup>
                ) : (
                  <span data-test="role-permissions">{rulesSummary(r.rules, t)}</span>
                ),
            },
          ]}
          actions={(r) =>
            isBuiltin(r)
              ? [{ title: t('View'), onClick: open }]
              : [
                  { title: canCreate ? t('Edit') : t('View'), onClick: open },
                  ...(canDelete ? [{ title: t('Delete'), onClick: setDeleting, isDanger: true }] : []),
                ]
          }
          emptyTitle={t('No roles yet')}
        />
      </PageSection>
      {editing && (
        <FormModal
          title={editing === 'new' ? t('Create role') : titleOf(editing)}
          test="role-form"
          submitLabel={editing === 'new' ? t('Create') : t('Save')}
          canSubmit={!readOnly && canCreate && nameOK && chosen.length > 0}
          onClose={() => setEditing(undefined)}
          shownFields={['metadata.name', 'templates']}
          onSubmit={async () => {
            const role = { name, displayName: title, templates: chosen };
            if (editing === 'new') await createRole(at, role);
            else await updateRole(at, role);
            invalidate('roles');
            toast.success(editing === 'new' ? t('Role {{name}} is created.', { name }) : t('Role {{name}} is saved.', { name }));
          }}
        >
          {(err) => (
            <>
              <FormGroup label={t('Name')} isRequired fieldId="role-name">
                <TextInput
                  id="role-name"
                  value={name}
                  onChange={(_e, v) => setName(v)}
                  isDisabled={editing !== 'new'}
                  validated={fieldError(err, 'metadata.name') || (editing === 'new' && name !== prefix && !nameOK) ? 'error' : 'default'}
                  data-test="role-name"
                />
                {editing === 'new' && <FieldHelp rule={nameRule} error={fieldError(err, 'metadata.name')} test="role-name" />}
              </FormGroup>
              <FormGroup label={t('Display name')} fieldId="role-title">
                <TextInput id="role-title" value={title} onChange={(_e, v) => setTitle(v)} isDisabled={readOnly} data-test="role-title" />
              </FormGroup>
              <FormGroup label={t('Permissions')} role="group" fieldId="role-templates" isStack>
                {editing !== 'new' && editing.templates.length === 0 && <p data-test="role-rules">{rulesSummary(editing.rules, t)}</p>}
                {(templates.items ?? []).map((tm) => (
                  <Checkbox
                    key={tm.metadata.name}
                    id={`tmpl-${tm.metadata.name}`}
                    label={tm.spec.displayName?.[lang] ?? tm.spec.displayName?.en ?? tm.metadata.name}
                    description={tm.spec.description?.[lang] ?? tm.spec.description?.en}
                    isChecked={chosen.includes(tm.metadata.name)}
                    isDisabled={readOnly}
                    onChange={(_e, v) => setChosen(v ? [...chosen, tm.metadata.name, ...(tm.spec.dependencies ?? []).filter((d) => !chosen.includes(d))] : chosen.filter((c) => c !== tm.metadata.name))}
                    data-test={`tmpl-${tm.metadata.name}`}
                  />
                ))}
                <FieldHelp error={fieldError(err, 'templates')} test="role-templates" />
              </FormGroup>
            </>
          )}
        </FormModal>
      )}
      {deleting && (
        <ConfirmDelete
          kind={t('role')}
          name={deleting.metadata.name}
          onConfirm={async () => {
            await deleteRole(at, deleting.metadata.name);
            invalidate('roles');
            toast.success(t('Role {{name}} is deleted.', { name: deleting.metadata.name }));
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}
