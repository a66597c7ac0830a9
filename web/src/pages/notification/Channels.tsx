import { Alert, Button, Form, FormGroup, FormSelect, FormSelectOption, Label, Modal, ModalBody, ModalFooter, ModalHeader, NumberInput, TextInput, Tooltip } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api/client';
import { fieldError } from '../../api/errors';
import {
  channelTypes,
  createConfig,
  deleteObject,
  hasCredentials,
  readyOf,
  tlsModes,
  tokenChannels,
  updateConfig,
  useConfigs,
  verifyConfig,
  type ChannelType,
  type Config,
  type ConfigSpec,
  type Credentials,
  type Delivery,
  type Owner,
  type TLSMode,
} from '../../api/notification';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { ErrorAlert } from '../../components/ErrorAlert';
import { age, emailPattern, isDNSLabel } from '../../components/format';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { PasswordInput } from '../../components/PasswordInput';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { useToast } from '../../components/Toast';
import { useSubmit } from '../../components/useSubmit';

/** channelTitle is a channel type in the user's words. */
export function channelTitle(c: string | undefined, t: (k: string) => string): string {
  switch (c) {
    case 'email':
      return t('E-mail');
    case 'webhook':
      return t('Webhook');
    case 'slack':
      return 'Slack';
    case 'teams':
      return 'Microsoft Teams';
    case 'dingtalk':
      return 'DingTalk';
    case 'feishu':
      return 'Feishu';
    case 'wecom':
      return 'WeCom';
  }
  return c ?? '-';
}

/**
 * ReceiverState shows a receiver's Ready condition, which the sender
 * writes after each message: the last one delivered, or why it was not
 * (its channel missing, credentials missing, a delivery given up).
 */
export function ReceiverState({ o }: { o: { status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] } } }) {
  const { t } = useTranslation('notification');
  const c = readyOf(o);
  if (!c) return <Label isCompact data-test="ready">{t('Nothing sent yet')}</Label>;
  if (c.status === 'True')
    return (
      <Label isCompact color="green" data-test="ready">
        {t('Last message delivered')}
      </Label>
    );
  const text = c.reason === 'ConfigNotFound' ? t('Its channel does not exist') : c.reason === 'SecretNotFound' ? t('Credentials missing') : t('Last message failed');
  return (
    <Tooltip content={c.message ?? c.reason}>
      <Label isCompact color="red" data-test="ready" data-reason={c.reason} tabIndex={0}>
        {text}
      </Label>
    </Tooltip>
  );
}

/** target is what a config reaches, as far as it may be shown: an SMTP server, or that a URL is set. */
function target(c: Config, t: (k: string) => string): string {
  if (c.spec.email) return `${c.spec.email.host}:${c.spec.email.port} (${c.spec.email.from})`;
  return hasCredentials(c) ? t('URL set') : t('No URL yet');
}

/**
 * Channels are the configs of the platform or of a user: an SMTP server, a
 * webhook or a chat service. Credentials (a password, a URL with its
 * token) are written, never shown; "Send a test" sends a message through
 * a channel and shows what came of it.
 */
export function Channels({ owner, canEdit }: { owner: Owner; canEdit: boolean }) {
  const { t } = useTranslation('notification');
  const toast = useToast();
  const client = useQueryClient();
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true });
  const configs = useConfigs(owner, table.params);
  const [editing, setEditing] = useState<Config | 'new'>();
  const [testing, setTesting] = useState<Config>();
  const [deleting, setDeleting] = useState<Config>();
  const create = (
    <Button onClick={() => setEditing('new')} data-test="create-config">
      {t('Add channel')}
    </Button>
  );
  return (
    <>
      <ResourceTable<Config>
        id="configs"
        ariaLabel={t('Channels')}
        table={table}
        query={configs}
        toolbar={canEdit ? create : undefined}
        columns={[
          { title: t('Name'), sortKey: 'name', render: (c) => c.metadata.name },
          { title: t('Type'), render: (c) => channelTitle(c.spec.type, t) },
          { title: t('Reaches'), render: (c) => target(c, t), hideBelow: 'lg' },
          { title: t('Credentials'), render: (c) => (hasCredentials(c) ? <Label isCompact color="green" data-test="credentials">{t('Set')}</Label> : <Label isCompact data-test="credentials">{t('None')}</Label>) },
          { title: t('Age'), sortKey: 'createTime', render: (c) => age(c.metadata.creationTimestamp), hideBelow: 'xl' },
        ]}
        // A test is sent by those who may change the channel, as the API asks.
        actions={
          canEdit
            ? () => [
                { title: t('Send a test'), onClick: (c: Config) => setTesting(c) },
                { title: t('Edit'), onClick: (c: Config) => setEditing(c) },
                { title: t('Delete'), isDanger: true, onClick: (c: Config) => setDeleting(c) },
              ]
            : undefined
        }
        emptyTitle={t('No channels yet')}
        emptyText={t('A channel is an SMTP server, a webhook or a chat service that notifications are sent through.')}
        emptyAction={canEdit ? create : undefined}
      />
      {editing && <ConfigModal owner={owner} config={editing === 'new' ? undefined : editing} onClose={() => setEditing(undefined)} />}
      {testing && <TestModal owner={owner} config={testing} onClose={() => setTesting(undefined)} />}
      {deleting && (
        <ConfirmDelete
          kind={t('channel')}
          name={deleting.metadata.name}
          onConfirm={async () => {
            await deleteObject(owner, 'configs', deleting.metadata.name);
            void client.invalidateQueries({ queryKey: ['notification'] });
            toast.success(t('Channel {{name}} is deleted.', { name: deleting.metadata.name }));
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </>
  );
}

/**
 * ConfigModal adds or edits a channel. Its credentials are write-only: the
 * fields start empty, and left empty when editing they keep what is stored.
 */
function ConfigModal({ owner, config, onClose }: { owner: Owner; config?: Config; onClose: () => void }) {
  const { t } = useTranslation('notification');
  const toast = useToast();
  const client = useQueryClient();
  const [name, setName] = useState(config?.metadata.name ?? '');
  const [type, setType] = useState<ChannelType>(config?.spec.type ?? 'email');
  const [host, setHost] = useState(config?.spec.email?.host ?? '');
  const [port, setPort] = useState<number>(config?.spec.email?.port ?? 587);
  const [from, setFrom] = useState(config?.spec.email?.from ?? '');
  const [username, setUsername] = useState(config?.spec.email?.username ?? '');
  const [tls, setTLS] = useState<TLSMode>(config?.spec.email?.tls ?? 'StartTLS');
  const [creds, setCreds] = useState<Credentials>({});
  const email = type === 'email';
  const stored = !!config && hasCredentials(config);
  const nameOK = !!config || isDNSLabel(name);
  const fieldsOK = email ? host.trim() !== '' && port > 0 && emailPattern.test(from.trim()) : stored || !!creds.url?.trim();
  const spec = (): ConfigSpec => (email ? { type, email: { host: host.trim(), port, from: from.trim(), username: username.trim() || undefined, tls } } : { type });
  return (
    <FormModal
      title={config ? t('Edit channel {{name}}', { name: config.metadata.name }) : t('Add channel')}
      test="config-form"
      submitLabel={config ? t('Save') : t('Add')}
      canSubmit={nameOK && fieldsOK}
      shownFields={['metadata.name', 'spec.email', 'credentials']}
      onClose={onClose}
      onSubmit={async () => {
        if (config) await updateConfig(owner, config.metadata.name, spec(), creds, config.metadata.resourceVersion);
        else await createConfig(owner, name.trim(), spec(), creds);
        void client.invalidateQueries({ queryKey: ['notification'] });
        toast.success(config ? t('Channel {{name}} is saved.', { name: name.trim() }) : t('Channel {{name}} is added.', { name: name.trim() }), t('Send a test to see that it works.'));
      }}
    >
      {(err) => (
        <>
          <FormGroup label={t('Name')} isRequired fieldId="config-name">
            <TextInput id="config-name" value={name} onChange={(_e, v) => setName(v)} isDisabled={!!config} validated={fieldError(err, 'metadata.name') ? 'error' : 'default'} data-test="config-name" />
            <FieldHelp rule={config ? undefined : t('Lower-case letters, digits and -, at most 63 characters.')} error={fieldError(err, 'metadata.name')} test="config-name" />
          </FormGroup>
          <FormGroup label={t('Type')} isRequired fieldId="config-type">
            <FormSelect id="config-type" value={type} onChange={(_e, v) => setType(v as ChannelType)} isDisabled={!!config} data-test="config-type">
              {channelTypes.map((c) => (
                <FormSelectOption key={c} value={c} label={channelTitle(c, t)} />
              ))}
            </FormSelect>
          </FormGroup>
          {email ? (
            <>
              <FormGroup label={t('SMTP server')} isRequired fieldId="config-host">
                <TextInput id="config-host" value={host} onChange={(_e, v) => setHost(v)} validated={fieldError(err, 'spec.email.host') ? 'error' : 'default'} data-test="config-host" />
                <FieldHelp error={fieldError(err, 'spec.email.host')} test="config-host" />
              </FormGroup>
              <FormGroup label={t('Port')} isRequired fieldId="config-port">
                <NumberInput
                  id="config-port"
                  value={port}
                  min={1}
                  max={65535}
                  onMinus={() => setPort(Math.max(1, port - 1))}
                  onPlus={() => setPort(Math.min(65535, port + 1))}
                  onChange={(e) => setPort(Number((e.target as HTMLInputElement).value) || 0)}
                  inputAriaLabel={t('Port')}
                  minusBtnAriaLabel={t('Less')}
                  plusBtnAriaLabel={t('More')}
                  data-test="config-port"
                />
                <FieldHelp error={fieldError(err, 'spec.email.port')} test="config-port" />
              </FormGroup>
              <FormGroup label={t('Sender address')} isRequired fieldId="config-from">
                <TextInput id="config-from" value={from} onChange={(_e, v) => setFrom(v)} validated={fieldError(err, 'spec.email.from') ? 'error' : 'default'} data-test="config-from" />
                <FieldHelp rule={t('The From address, such as alerts@example.com.')} error={fieldError(err, 'spec.email.from')} test="config-from" />
              </FormGroup>
              <FormGroup label={t('Protection')} fieldId="config-tls">
                <FormSelect id="config-tls" value={tls} onChange={(_e, v) => setTLS(v as TLSMode)} data-test="config-tls">
                  {tlsModes.map((m) => (
                    <FormSelectOption key={m} value={m} label={m === 'StartTLS' ? t('STARTTLS (required when offered)') : m === 'TLS' ? t('TLS from the start') : t('None (a local sink only)')} />
                  ))}
                </FormSelect>
              </FormGroup>
              <FormGroup label={t('User name')} fieldId="config-username">
                <TextInput id="config-username" value={username} onChange={(_e, v) => setUsername(v)} autoComplete="off" data-test="config-username" />
              </FormGroup>
              <FormGroup label={t('Password')} fieldId="config-password">
                <PasswordInput id="config-password" value={creds.password ?? ''} onChange={(v) => setCreds({ ...creds, password: v })} autoComplete="new-password" test="config-password" validated={fieldError(err, 'credentials.password') ? 'error' : 'default'} />
                <FieldHelp rule={stored ? t('Stored, and never shown. Leave empty to keep it.') : t('Kept in a Secret, and never shown again.')} error={fieldError(err, 'credentials.password')} test="config-password" />
              </FormGroup>
            </>
          ) : (
            <>
              <FormGroup label={t('URL')} isRequired={!stored} fieldId="config-url">
                <PasswordInput id="config-url" value={creds.url ?? ''} onChange={(v) => setCreds({ ...creds, url: v })} autoComplete="new-password" test="config-url" validated={fieldError(err, 'credentials.url') ? 'error' : 'default'} />
                <FieldHelp
                  rule={stored ? t('Stored, and never shown: it carries the service’s token. Leave empty to keep it.') : t('The incoming webhook’s URL. It carries the service’s token, so it is kept in a Secret and never shown again.')}
                  error={fieldError(err, 'credentials.url')}
                  test="config-url"
                />
              </FormGroup>
              {tokenChannels.includes(type) && (
                <FormGroup label={type === 'webhook' ? t('Bearer token') : t('Signing secret')} fieldId="config-token">
                  <PasswordInput id="config-token" value={creds.token ?? ''} onChange={(v) => setCreds({ ...creds, token: v })} autoComplete="new-password" test="config-token" validated={fieldError(err, 'credentials.token') ? 'error' : 'default'} />
                  <FieldHelp rule={stored ? t('Leave empty to keep what is stored.') : t('Optional; kept in a Secret, and never shown again.')} error={fieldError(err, 'credentials.token')} test="config-token" />
                </FormGroup>
              )}
            </>
          )}
        </>
      )}
    </FormModal>
  );
}

/** testFailure reads why a test message was not delivered, from the Status the verification fails with: the reason, and the field at fault. */
export function testFailure(err: unknown): { reason: string; field?: string } | undefined {
  if (!(err instanceof ApiError) || (err.code !== 502 && err.code !== 422 && err.code !== 400)) return undefined;
  const cause = err.status.details?.causes?.[0];
  return { reason: cause?.message || err.status.message || '', field: cause?.field };
}

/**
 * TestModal sends a test message through a channel and shows the
 * delivery's result: sent, or not delivered with the reason (an SMTP
 * server that does not answer, a URL that refuses, an address refused).
 */
function TestModal({ owner, config, onClose }: { owner: Owner; config: Config; onClose: () => void }) {
  const { t } = useTranslation('notification');
  const email = config.spec.type === 'email';
  const [to, setTo] = useState('');
  const [sent, setSent] = useState<Delivery>();
  const bad = email && to.trim() !== '' && !emailPattern.test(to.trim());
  const { busy, error, submit } = useSubmit(
    async () => {
      setSent(undefined);
      setSent(await verifyConfig(owner, config.metadata.name, to.trim() ? { to: to.trim() } : {}));
    },
    () => undefined,
  );
  const failure = testFailure(error);
  const toError = failure?.field === 'to' ? failure.reason : undefined;
  return (
    <Modal isOpen onClose={onClose} variant="small" aria-labelledby="config-test-title" data-test="config-test">
      <ModalHeader title={t('Send a test through {{name}}', { name: config.metadata.name })} labelId="config-test-title" />
      <ModalBody>
        <Form
          onSubmit={(e) => {
            e.preventDefault();
            if (!bad && !busy) void submit();
          }}
        >
          <FormGroup label={email ? t('To') : t('Chat target')} fieldId="test-to">
            <TextInput id="test-to" value={to} onChange={(_e, v) => setTo(v)} validated={bad || toError ? 'error' : 'default'} data-test="test-to" />
            <FieldHelp
              rule={email ? t('An e-mail address; empty sends to your own.') : t('Optional: a channel or a user to mention, where the service takes one.')}
              error={bad ? t('Not an e-mail address: {{address}}', { address: to.trim() }) : undefined}
              test="test-to"
            />
          </FormGroup>
        </Form>
        {sent && (
          <Alert variant="success" isInline title={t('Sent')} data-test="test-result" data-status="sent">
            {sent.recipient ? t('The message was delivered to {{where}}.', { where: sent.recipient }) : t('The message was delivered.')}
          </Alert>
        )}
        {failure ? (
          <Alert variant="danger" isInline title={t('Not delivered')} data-test="test-result" data-status="failed" data-field={failure.field}>
            {failure.reason || t('The channel did not take the message.')}
          </Alert>
        ) : error ? (
          <ErrorAlert error={error} />
        ) : null}
      </ModalBody>
      <ModalFooter>
        <Button onClick={() => void submit()} isDisabled={bad || busy} isLoading={busy} data-test="test-send">
          {t('Send')}
        </Button>
        <Button variant="link" onClick={onClose}>
          {t('Close')}
        </Button>
      </ModalFooter>
    </Modal>
  );
}
