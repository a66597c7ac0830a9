import { Button, Checkbox, FormGroup, FormSelect, FormSelectOption, Label, LabelGroup, TextArea, TextInput } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fieldError } from '../../api/errors';
import {
  channelTypes,
  chatTargetChannels,
  deleteObject,
  deliveryTime,
  parseSelector,
  saveObject,
  selectorText,
  splitList,
  useConfigs,
  useDeliveries,
  useNotificationSilences,
  useReceivers,
  useRouters,
  type ChannelType,
  type DeliveryRow,
  type LabelSelector,
  type NotificationSilence,
  type Owner,
  type Receiver,
  type ReceiverSpec,
  type Router,
  type RouterSpec,
  type SilenceSpec,
} from '../../api/notification';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { age, emailPattern, isDNSLabel } from '../../components/format';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { Time } from '../../components/Time';
import { useToast } from '../../components/Toast';
import { channelTitle, ReceiverState } from './Channels';

/** SelectorCell shows a selector's labels; an empty one matches every alert. */
function SelectorCell({ s }: { s: LabelSelector | undefined }) {
  const { t } = useTranslation('notification');
  const entries = Object.entries(s?.matchLabels ?? {});
  if (entries.length === 0 && !s?.matchExpressions?.length) return <>{t('Every alert')}</>;
  return (
    <LabelGroup numLabels={4}>
      {entries.map(([k, v]) => (
        <Label key={k} isCompact variant="outline">
          {k}={v}
        </Label>
      ))}
      {(s?.matchExpressions ?? []).map((e, i) => (
        <Label key={`e${i}`} isCompact variant="outline">
          {e.key} {e.operator} {(e.values ?? []).join(',')}
        </Label>
      ))}
    </LabelGroup>
  );
}

/** SelectorField edits a selector's labels, one key=value a line. */
function SelectorField({ id, value, onChange, error, rule }: { id: string; value: string; onChange: (v: string) => void; error?: string; rule: string }) {
  const { t } = useTranslation('notification');
  const bad = parseSelector(value).bad;
  return (
    <FormGroup label={t('Alert labels')} fieldId={id}>
      <TextArea id={id} value={value} onChange={(_e, v) => onChange(v)} rows={3} resizeOrientation="vertical" spellCheck={false} placeholder={'severity=critical\nnamespace=dev'} validated={bad.length || error ? 'error' : 'default'} data-test={id} />
      <FieldHelp rule={rule} error={error ?? (bad.length ? t('Not key=value: {{line}}', { line: bad[0] }) : undefined)} test={id} />
    </FormGroup>
  );
}

/** useDelete is the delete dialog of a notification object. */
function useDeleting<T extends { metadata: { name: string } }>(owner: Owner, r: 'receivers' | 'routers' | 'silences', kind: string, done: (name: string) => string) {
  const client = useQueryClient();
  const toast = useToast();
  const [deleting, setDeleting] = useState<T>();
  const dialog = deleting && (
    <ConfirmDelete
      kind={kind}
      name={deleting.metadata.name}
      onConfirm={async () => {
        await deleteObject(owner, r, deleting.metadata.name);
        void client.invalidateQueries({ queryKey: ['notification'] });
        toast.success(done(deleting.metadata.name));
      }}
      onClose={() => setDeleting(undefined)}
    />
  );
  return { setDeleting, dialog };
}

const languages = ['', 'en', 'ko', 'zh'] as const;

/** Receivers say who gets alerts, through which channel. */
export function Receivers({ owner, canEdit }: { owner: Owner; canEdit: boolean }) {
  const { t } = useTranslation('notification');
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true });
  const receivers = useReceivers(owner, table.params);
  const [editing, setEditing] = useState<Receiver | 'new'>();
  const del = useDeleting<Receiver>(owner, 'receivers', t('receiver'), (name) => t('Receiver {{name}} is deleted.', { name }));
  const create = (
    <Button onClick={() => setEditing('new')} data-test="create-receiver">
      {t('Add receiver')}
    </Button>
  );
  return (
    <>
      <ResourceTable<Receiver>
        id="receivers"
        ariaLabel={t('Receivers')}
        table={table}
        query={receivers}
        toolbar={canEdit ? create : undefined}
        columns={[
          { title: t('Name'), sortKey: 'name', render: (r) => r.metadata.name },
          { title: t('Type'), render: (r) => channelTitle(r.spec.type, t) },
          { title: t('Channel'), render: (r) => r.spec.config },
          { title: t('Recipients'), render: (r) => [...(r.spec.emails ?? []), ...(r.spec.users ?? []).map((u) => `@${u}`), ...(r.spec.channel ? [r.spec.channel] : [])].join(', ') || '-', hideBelow: 'lg' },
          { title: t('Alerts'), render: (r) => <SelectorCell s={r.spec.alertSelector} />, hideBelow: 'xl' },
          { title: t('Status'), render: (r) => (r.spec.enabled === false ? <Label isCompact>{t('Disabled')}</Label> : <ReceiverState o={r} />) },
        ]}
        actions={
          canEdit
            ? () => [
                { title: t('Edit'), onClick: (r: Receiver) => setEditing(r) },
                { title: t('Delete'), isDanger: true, onClick: (r: Receiver) => del.setDeleting(r) },
              ]
            : undefined
        }
        emptyTitle={t('No receivers yet')}
        emptyText={t('A receiver names who gets alerts (addresses, users, a chat target) and the channel they go through.')}
        emptyAction={canEdit ? create : undefined}
      />
      {editing && <ReceiverModal owner={owner} receiver={editing === 'new' ? undefined : editing} onClose={() => setEditing(undefined)} />}
      {del.dialog}
    </>
  );
}

function ReceiverModal({ owner, receiver, onClose }: { owner: Owner; receiver?: Receiver; onClose: () => void }) {
  const { t } = useTranslation('notification');
  const client = useQueryClient();
  const toast = useToast();
  const configs = useConfigs(owner, { limit: 100, sortBy: 'name', ascending: true });
  const s = receiver?.spec;
  const [name, setName] = useState(receiver?.metadata.name ?? '');
  const [type, setType] = useState<ChannelType>(s?.type ?? 'email');
  const [config, setConfig] = useState(s?.config ?? '');
  const [enabled, setEnabled] = useState(s?.enabled !== false);
  const [emails, setEmails] = useState((s?.emails ?? []).join(', '));
  const [users, setUsers] = useState((s?.users ?? []).join(', '));
  const [channel, setChannel] = useState(s?.channel ?? '');
  const [language, setLanguage] = useState(s?.language ?? '');
  const [selector, setSelector] = useState(selectorText(s?.alertSelector));
  const email = type === 'email';
  const addresses = splitList(emails);
  const badAddress = addresses.find((a) => !emailPattern.test(a));
  const sel = parseSelector(selector);
  const ofType = (configs.data?.items ?? []).filter((c) => c.spec.type === type);
  const canSubmit = (!!receiver || isDNSLabel(name)) && config !== '' && !badAddress && sel.bad.length === 0 && (!email || addresses.length > 0 || splitList(users).length > 0 || owner.level === 'user');
  return (
    <FormModal
      title={receiver ? t('Edit receiver {{name}}', { name: receiver.metadata.name }) : t('Add receiver')}
      test="receiver-form"
      submitLabel={receiver ? t('Save') : t('Add')}
      canSubmit={canSubmit}
      shownFields={['metadata.name', 'spec']}
      onClose={onClose}
      onSubmit={async () => {
        const spec: ReceiverSpec = {
          type,
          config,
          enabled,
          ...(email && addresses.length ? { emails: addresses } : {}),
          ...(email && owner.level === 'platform' && splitList(users).length ? { users: splitList(users) } : {}),
          // A user's own e-mail receiver without addresses sends to the user (at the address and in the language of their profile).
          ...(email && owner.level === 'user' && addresses.length === 0 ? { users: [owner.user] } : {}),
          ...(!email && channel.trim() ? { channel: channel.trim() } : {}),
          ...(language ? { language } : {}),
          ...(sel.selector ? { alertSelector: sel.selector } : {}),
        };
        await saveObject(owner, 'receivers', receiver?.metadata.name ?? name.trim(), spec, receiver);
        void client.invalidateQueries({ queryKey: ['notification'] });
        toast.success(t('Receiver {{name}} is saved.', { name: receiver?.metadata.name ?? name.trim() }));
      }}
    >
      {(err) => (
        <>
          <FormGroup label={t('Name')} isRequired fieldId="receiver-name">
            <TextInput id="receiver-name" value={name} onChange={(_e, v) => setName(v)} isDisabled={!!receiver} validated={fieldError(err, 'metadata.name') ? 'error' : 'default'} data-test="receiver-name" />
            <FieldHelp error={fieldError(err, 'metadata.name')} test="receiver-name" />
          </FormGroup>
          <FormGroup label={t('Type')} isRequired fieldId="receiver-type">
            <FormSelect
              id="receiver-type"
              value={type}
              onChange={(_e, v) => {
                setType(v as ChannelType);
                setConfig('');
              }}
              data-test="receiver-type"
            >
              {channelTypes.map((c) => (
                <FormSelectOption key={c} value={c} label={channelTitle(c, t)} />
              ))}
            </FormSelect>
          </FormGroup>
          <FormGroup label={t('Channel')} isRequired fieldId="receiver-config">
            <FormSelect id="receiver-config" value={config} onChange={(_e, v) => setConfig(v)} validated={fieldError(err, 'spec.config') ? 'error' : 'default'} data-test="receiver-config">
              <FormSelectOption value="" label={ofType.length ? t('Choose a channel') : t('No channel of this type yet')} isPlaceholder />
              {ofType.map((c) => (
                <FormSelectOption key={c.metadata.name} value={c.metadata.name} label={c.metadata.name} />
              ))}
            </FormSelect>
            <FieldHelp error={fieldError(err, 'spec.config')} test="receiver-config" />
          </FormGroup>
          {email ? (
            <>
              <FormGroup label={t('Addresses')} fieldId="receiver-emails">
                <TextInput id="receiver-emails" value={emails} onChange={(_e, v) => setEmails(v)} validated={badAddress || fieldError(err, 'spec.emails') ? 'error' : 'default'} data-test="receiver-emails" />
                <FieldHelp
                  rule={owner.level === 'user' ? t('Separated by commas; empty sends to your own address.') : t('Separated by commas.')}
                  error={fieldError(err, 'spec.emails') ?? (badAddress ? t('Not an e-mail address: {{address}}', { address: badAddress }) : undefined)}
                  test="receiver-emails"
                />
              </FormGroup>
              {owner.level === 'platform' && (
                <FormGroup label={t('Users')} fieldId="receiver-users">
                  <TextInput id="receiver-users" value={users} onChange={(_e, v) => setUsers(v)} validated={fieldError(err, 'spec.users') ? 'error' : 'default'} data-test="receiver-users" />
                  <FieldHelp rule={t('User names separated by commas: each gets the message at their address, in their language.')} error={fieldError(err, 'spec.users')} test="receiver-users" />
                </FormGroup>
              )}
            </>
          ) : (
            chatTargetChannels.includes(type) && (
              <FormGroup label={t('Chat target')} fieldId="receiver-channel">
                <TextInput id="receiver-channel" value={channel} onChange={(_e, v) => setChannel(v)} data-test="receiver-channel" />
                <FieldHelp rule={t('A channel or a user to mention, where the service takes one.')} error={fieldError(err, 'spec.channel')} test="receiver-channel" />
              </FormGroup>
            )
          )}
          <FormGroup label={t('Language')} fieldId="receiver-language">
            <FormSelect id="receiver-language" value={language} onChange={(_e, v) => setLanguage(v)} data-test="receiver-language">
              {languages.map((l) => (
                <FormSelectOption key={l} value={l} label={l === '' ? t('Each user’s own (else English)') : l === 'en' ? 'English' : l === 'ko' ? '한국어' : '中文'} />
              ))}
            </FormSelect>
          </FormGroup>
          <SelectorField id="receiver-selector" value={selector} onChange={setSelector} error={fieldError(err, 'spec.alertSelector')} rule={t('Only the alerts with these labels; empty takes every alert routed here.')} />
          <Checkbox id="receiver-enabled" label={t('Enabled')} isChecked={enabled} onChange={(_e, v) => setEnabled(v)} data-test="receiver-enabled" />
        </>
      )}
    </FormModal>
  );
}

/** Routers send the alerts that match labels to receivers. */
export function Routers({ owner, canEdit }: { owner: Owner; canEdit: boolean }) {
  const { t } = useTranslation('notification');
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true });
  const routers = useRouters(owner, table.params);
  const [editing, setEditing] = useState<Router | 'new'>();
  const del = useDeleting<Router>(owner, 'routers', t('router'), (name) => t('Router {{name}} is deleted.', { name }));
  const create = (
    <Button onClick={() => setEditing('new')} data-test="create-router">
      {t('Add router')}
    </Button>
  );
  return (
    <>
      <ResourceTable<Router>
        id="routers"
        ariaLabel={t('Routers')}
        table={table}
        query={routers}
        toolbar={canEdit ? create : undefined}
        columns={[
          { title: t('Name'), sortKey: 'name', render: (r) => r.metadata.name },
          { title: t('Alerts'), render: (r) => <SelectorCell s={r.spec.alertSelector} /> },
          { title: t('Receivers'), render: (r) => (r.spec.receivers ?? []).join(', ') || '-' },
          { title: t('Age'), sortKey: 'createTime', render: (r) => age(r.metadata.creationTimestamp), hideBelow: 'lg' },
        ]}
        actions={
          canEdit
            ? () => [
                { title: t('Edit'), onClick: (r: Router) => setEditing(r) },
                { title: t('Delete'), isDanger: true, onClick: (r: Router) => del.setDeleting(r) },
              ]
            : undefined
        }
        emptyTitle={t('No routers yet')}
        emptyText={t('Every alert reaches the receivers of whoever may see it. A router sends the alerts that match labels to more receivers.')}
        emptyAction={canEdit ? create : undefined}
      />
      {editing && <RouterModal owner={owner} router={editing === 'new' ? undefined : editing} onClose={() => setEditing(undefined)} />}
      {del.dialog}
    </>
  );
}

function RouterModal({ owner, router, onClose }: { owner: Owner; router?: Router; onClose: () => void }) {
  const { t } = useTranslation('notification');
  const client = useQueryClient();
  const toast = useToast();
  const all = useReceivers(owner, { limit: 100, sortBy: 'name', ascending: true });
  const [name, setName] = useState(router?.metadata.name ?? '');
  const [selector, setSelector] = useState(selectorText(router?.spec.alertSelector));
  const [chosen, setChosen] = useState<string[]>(router?.spec.receivers ?? []);
  const sel = parseSelector(selector);
  const names = (all.data?.items ?? []).map((r) => r.metadata.name);
  return (
    <FormModal
      title={router ? t('Edit router {{name}}', { name: router.metadata.name }) : t('Add router')}
      test="router-form"
      submitLabel={router ? t('Save') : t('Add')}
      canSubmit={(!!router || isDNSLabel(name)) && sel.bad.length === 0 && chosen.length > 0}
      shownFields={['metadata.name', 'spec.alertSelector', 'spec.receivers']}
      onClose={onClose}
      onSubmit={async () => {
        const spec: RouterSpec = { receivers: chosen, ...(sel.selector ? { alertSelector: sel.selector } : {}) };
        await saveObject(owner, 'routers', router?.metadata.name ?? name.trim(), spec, router);
        void client.invalidateQueries({ queryKey: ['notification'] });
        toast.success(t('Router {{name}} is saved.', { name: router?.metadata.name ?? name.trim() }));
      }}
    >
      {(err) => (
        <>
          <FormGroup label={t('Name')} isRequired fieldId="router-name">
            <TextInput id="router-name" value={name} onChange={(_e, v) => setName(v)} isDisabled={!!router} validated={fieldError(err, 'metadata.name') ? 'error' : 'default'} data-test="router-name" />
            <FieldHelp error={fieldError(err, 'metadata.name')} test="router-name" />
          </FormGroup>
          <SelectorField id="router-selector" value={selector} onChange={setSelector} error={fieldError(err, 'spec.alertSelector')} rule={t('Labels such as severity, namespace, workspace, rule_group, alertname; empty matches every alert.')} />
          <FormGroup label={t('Receivers')} isRequired fieldId="router-receivers" role="group">
            {names.length === 0 && <FieldHelp rule={t('Add a receiver first.')} />}
            {names.map((n) => (
              <Checkbox
                key={n}
                id={`router-receiver-${n}`}
                label={n}
                isChecked={chosen.includes(n)}
                onChange={(_e, v) => setChosen(v ? [...chosen, n] : chosen.filter((x) => x !== n))}
                data-test={`router-receiver-${n}`}
              />
            ))}
            <FieldHelp error={fieldError(err, 'spec.receivers')} test="router-receivers" />
          </FormGroup>
        </>
      )}
    </FormModal>
  );
}

const silenceDurations: [string, number | undefined][] = [
  ['1h', 3600],
  ['1d', 86400],
  ['1w', 604800],
  ['never', undefined],
];

/** NotificationSilences stop delivering the alerts they match (to the user's receivers, or at platform level to all). */
export function NotificationSilences({ owner, canEdit }: { owner: Owner; canEdit: boolean }) {
  const { t } = useTranslation('notification');
  const client = useQueryClient();
  const toast = useToast();
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true });
  const silences = useNotificationSilences(owner, table.params);
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [selector, setSelector] = useState('');
  const [duration, setDuration] = useState('1d');
  const [comment, setComment] = useState('');
  const del = useDeleting<NotificationSilence>(owner, 'silences', t('silence'), (name) => t('Silence {{name}} is deleted.', { name }));
  const sel = parseSelector(selector);
  const create = (
    <Button onClick={() => setCreating(true)} data-test="create-notification-silence">
      {t('Add silence')}
    </Button>
  );
  return (
    <>
      <ResourceTable<NotificationSilence>
        id="notification-silences"
        ariaLabel={t('Silences')}
        table={table}
        query={silences}
        toolbar={canEdit ? create : undefined}
        columns={[
          { title: t('Name'), sortKey: 'name', render: (s) => s.metadata.name },
          { title: t('Alerts'), render: (s) => <SelectorCell s={s.spec.alertSelector} /> },
          { title: t('Starts'), render: (s) => <Time ts={s.spec.startsAt ?? s.metadata.creationTimestamp} />, hideBelow: 'lg' },
          { title: t('Ends'), render: (s) => (s.spec.endsAt ? <Time ts={s.spec.endsAt} /> : t('Never')) },
          { title: t('Comment'), render: (s) => s.spec.comment || '-', hideBelow: 'lg' },
        ]}
        actions={canEdit ? () => [{ title: t('Delete'), isDanger: true, onClick: (s: NotificationSilence) => del.setDeleting(s) }] : undefined}
        emptyTitle={t('No silences')}
        emptyText={t('A silence stops delivering the alerts it matches, for a while or until it is deleted.')}
        emptyAction={canEdit ? create : undefined}
      />
      {creating && (
        <FormModal
          title={t('Add silence')}
          test="notification-silence-form"
          submitLabel={t('Add')}
          canSubmit={isDNSLabel(name) && !!sel.selector && sel.bad.length === 0}
          shownFields={['metadata.name', 'spec.alertSelector']}
          onClose={() => {
            setCreating(false);
            setName('');
            setSelector('');
            setComment('');
          }}
          onSubmit={async () => {
            const seconds = silenceDurations.find(([k]) => k === duration)?.[1];
            const now = Date.now();
            const spec: SilenceSpec = {
              alertSelector: sel.selector!,
              startsAt: new Date(now).toISOString(),
              ...(seconds ? { endsAt: new Date(now + seconds * 1000).toISOString() } : {}),
              ...(comment.trim() ? { comment: comment.trim() } : {}),
            };
            await saveObject(owner, 'silences', name.trim(), spec);
            void client.invalidateQueries({ queryKey: ['notification'] });
            toast.success(t('Silence {{name}} is added.', { name: name.trim() }));
          }}
        >
          {(err) => (
            <>
              <FormGroup label={t('Name')} isRequired fieldId="nsilence-name">
                <TextInput id="nsilence-name" value={name} onChange={(_e, v) => setName(v)} validated={fieldError(err, 'metadata.name') ? 'error' : 'default'} data-test="nsilence-name" />
                <FieldHelp error={fieldError(err, 'metadata.name')} test="nsilence-name" />
              </FormGroup>
              <SelectorField id="nsilence-selector" value={selector} onChange={setSelector} error={fieldError(err, 'spec.alertSelector')} rule={t('The alerts with these labels are not delivered.')} />
              <FormGroup label={t('For')} fieldId="nsilence-duration">
                <FormSelect id="nsilence-duration" value={duration} onChange={(_e, v) => setDuration(v)} data-test="nsilence-duration">
                  {silenceDurations.map(([k]) => (
                    <FormSelectOption key={k} value={k} label={k === '1h' ? t('1 hour') : k === '1d' ? t('1 day') : k === '1w' ? t('1 week') : t('Until deleted')} />
                  ))}
                </FormSelect>
              </FormGroup>
              <FormGroup label={t('Comment')} fieldId="nsilence-comment">
                <TextInput id="nsilence-comment" value={comment} onChange={(_e, v) => setComment(v)} data-test="nsilence-comment" />
              </FormGroup>
            </>
          )}
        </FormModal>
      )}
      {del.dialog}
    </>
  );
}

/** DeliveryStatus shows whether a message was sent or failed. */
export function DeliveryStatus({ status }: { status: string }) {
  const { t } = useTranslation('notification');
  return status === 'sent' ? (
    <Label isCompact color="green" data-test="delivery-status" data-status="sent">
      {t('Sent')}
    </Label>
  ) : (
    <Label isCompact color="red" data-test="delivery-status" data-status={status}>
      {t('Failed')}
    </Label>
  );
}

/** Deliveries is the delivery log, the newest first: each message sent or given up, to whom, and why it failed. */
export function Deliveries({ owner }: { owner: Owner }) {
  const { t } = useTranslation('notification');
  const table = useTableState({ defaultSortBy: 'createTime', defaultAscending: false, statusParam: 'result' });
  const deliveries = useDeliveries(owner, table.params);
  return (
    <ResourceTable<DeliveryRow>
      id="deliveries"
      ariaLabel={t('Delivery log')}
      table={table}
      query={deliveries}
      nameFilter={false}
      toolbar={
        <FormSelect aria-label={t('Status')} value={table.status} onChange={(_e, v) => table.setStatus(v)} data-test="filter-delivery-status">
          <FormSelectOption value="" label={t('Sent and failed')} />
          <FormSelectOption value="sent" label={t('Sent')} />
          <FormSelectOption value="failed" label={t('Failed')} />
        </FormSelect>
      }
      columns={[
        { title: t('Time'), render: (d) => <Time ts={deliveryTime(d)} /> },
        { title: t('Status'), render: (d) => <DeliveryStatus status={d.result} /> },
        { title: t('Receiver'), render: (d) => (d.verification ? `${d.receiver ?? ''} (${t('Test')})` : (d.receiver ?? '-')) },
        { title: t('Channel'), render: (d) => `${channelTitle(d.channel, t)}${d.config ? ` (${d.config})` : ''}`, hideBelow: 'lg' },
        { title: t('To'), render: (d) => d.recipient || '-', hideBelow: 'lg' },
        { title: t('Alerts'), render: (d) => (d.alerts ?? []).map((a) => a.split('/')[0]).join(', ') || '-', hideBelow: 'xl' },
        { title: t('Attempts'), render: (d) => d.attempts ?? '-', hideBelow: 'xl' },
        { title: t('Reason'), render: (d) => <span data-test="delivery-reason">{d.reason ?? ''}</span> },
      ]}
      emptyTitle={t('Nothing sent yet')}
      emptyText={t('Each message sent or given up is listed here, with why it failed.')}
    />
  );
}
