import { Button, FormGroup, FormSelect, FormSelectOption, Label, LabelGroup, PageSection, TextArea, TextInput } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams } from 'react-router';
import { useDevOpsAccess } from '../../api/access';
import { createCredential, credentialTypes, deleteCredential, useCredentials, type Credential, type CredentialType } from '../../api/devops';
import { fieldError } from '../../api/errors';
import { useInvalidate } from '../../api/mutations';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { age, isDNSLabel } from '../../components/format';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { PasswordInput } from '../../components/PasswordInput';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { useToast } from '../../components/Toast';
import { useDevOpsCan } from './parts';

/** useTypeText names a credential type. */
function useTypeText(): (type: string) => string {
  const { t } = useTranslation('devops');
  const words: Record<string, string> = {
    'devops.superkube.io/basic-auth': t('Username and password'),
    'devops.superkube.io/ssh-auth': t('SSH key'),
    'devops.superkube.io/secret-text': t('Secret text'),
    'devops.superkube.io/kubeconfig': t('kubeconfig'),
  };
  return (type) => words[type] ?? type;
}

/** Multi-line keys: an SSH key and a kubeconfig. */
const multiline = new Set(['ssh-privatekey', 'kubeconfig']);

/**
 * A DevOps project's credentials: their type and keys, never their values
 * (the API does not return them); create one of a type with write-only
 * fields; delete.
 */
export default function Credentials() {
  const { namespace = '' } = useParams();
  const { t } = useTranslation('devops');
  const typeText = useTypeText();
  const invalidate = useInvalidate();
  const toast = useToast();
  const access = useDevOpsAccess(namespace);
  const can = useDevOpsCan(namespace);
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true });
  const credentials = useCredentials(namespace, table.params);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<Credential>();
  const [name, setName] = useState('');
  const [type, setType] = useState<CredentialType>('devops.superkube.io/basic-auth');
  const [data, setData] = useState<Record<string, string>>({});
  if (access.loaded && !access.may('credentials')) return <NoAccess />;
  const keys = credentialTypes[type];
  const complete = isDNSLabel(name) && keys.every((k) => (data[k] ?? '') !== '');
  const close = () => {
    setCreating(false);
    setName('');
    setData({});
  };
  const base = `/devops/${namespace}`;
  return (
    <>
      <PageHeader
        title={t('Credentials')}
        crumbs={[{ title: namespace, to: `${base}/pipelines` }, { title: t('Credentials') }]}
        actions={
          can.createCredential && (
            <Button onClick={() => setCreating(true)} data-test="create-credential">
              {t('Create credential')}
            </Button>
          )
        }
      />
      <PageSection>
        <ResourceTable<Credential>
          id="credentials"
          ariaLabel={t('Credentials')}
          table={table}
          query={credentials}
          columns={[
            { title: t('Name'), sortKey: 'name', render: (c) => c.metadata.name },
            { title: t('Type'), render: (c) => <span data-test="credential-type">{typeText(c.type)}</span> },
            {
              title: t('Keys'),
              render: (c) => (
                <LabelGroup data-test="credential-keys">
                  {(c.keys ?? []).map((k) => (
                    <Label key={k} isCompact>
                      {k}
                    </Label>
                  ))}
                </LabelGroup>
              ),
            },
            { title: t('Age'), sortKey: 'createTime', render: (c) => age(c.metadata.creationTimestamp), hideBelow: 'lg' },
          ]}
          actions={can.deleteCredential ? () => [{ title: t('Delete'), isDanger: true, onClick: (c) => setDeleting(c) }] : undefined}
          emptyTitle={t('No credentials yet')}
          emptyText={t('Credentials give pipelines what they must not show: a Git password, an SSH key, a token, a kubeconfig. Their values are never shown again once saved.')}
        />
      </PageSection>
      {creating && (
        <FormModal
          title={t('Create credential')}
          test="credential-create"
          submitLabel={t('Create')}
          canSubmit={complete}
          onClose={close}
          onSubmit={async () => {
            await createCredential(namespace, name, type, Object.fromEntries(keys.map((k) => [k, data[k] ?? ''])));
            invalidate('credentials');
            toast.success(t('Credential {{name}} is created.', { name }));
          }}
          shownFields={['metadata.name', 'data']}
        >
          {(err) => (
            <>
              <FormGroup label={t('Name')} isRequired fieldId="credential-name">
                <TextInput id="credential-name" value={name} onChange={(_e, v) => setName(v)} validated={(name && !isDNSLabel(name)) || fieldError(err, 'metadata.name') ? 'error' : 'default'} data-test="credential-name" />
                <FieldHelp rule={t('Lower-case letters, digits and -, at most 63 characters.')} error={fieldError(err, 'metadata.name')} test="credential-name" />
              </FormGroup>
              <FormGroup label={t('Type')} isRequired fieldId="credential-type">
                <FormSelect
                  id="credential-type"
                  value={type}
                  onChange={(_e, v) => {
                    setType(v as CredentialType);
                    setData({});
                  }}
                  data-test="credential-type-select"
                >
                  {(Object.keys(credentialTypes) as CredentialType[]).map((k) => (
                    <FormSelectOption key={k} value={k} label={typeText(k)} />
                  ))}
                </FormSelect>
              </FormGroup>
              {keys.map((k) => (
                <FormGroup key={`${type}-${k}`} label={k} isRequired fieldId={`credential-${k}`}>
                  {k === 'username' ? (
                    <TextInput id={`credential-${k}`} value={data[k] ?? ''} autoComplete="off" onChange={(_e, v) => setData({ ...data, [k]: v })} data-test={`credential-${k}`} />
                  ) : multiline.has(k) ? (
                    <TextArea id={`credential-${k}`} value={data[k] ?? ''} autoComplete="off" spellCheck={false} rows={6} className="ke-code" onChange={(_e, v) => setData({ ...data, [k]: v })} data-test={`credential-${k}`} />
                  ) : (
                    <PasswordInput id={`credential-${k}`} value={data[k] ?? ''} autoComplete="new-password" onChange={(v) => setData({ ...data, [k]: v })} test={`credential-${k}`} />
                  )}
                  <FieldHelp rule={k === 'username' ? undefined : t('Write-only: it is never shown again once saved, and is masked in every log.')} error={fieldError(err, `data.${k}`)} />
                </FormGroup>
              ))}
            </>
          )}
        </FormModal>
      )}
      {deleting && (
        <ConfirmDelete
          kind={t('credential')}
          name={deleting.metadata.name}
          extra={<p>{t('Pipelines that use it fail until they are given another.')}</p>}
          onConfirm={async () => {
            await deleteCredential(namespace, deleting.metadata.name);
            invalidate('credentials');
            toast.success(t('Credential {{name}} is deleted.', { name: deleting.metadata.name }));
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}
