import {
  Alert,
  Button,
  ClipboardCopy,
  FormGroup,
  Modal,
  ModalBody,
  ModalFooter,
  ModalHeader,
  PageSection,
  Radio,
  TextArea,
  TextInput,
} from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../api/access';
import { joinCluster, newJoinToken, removeCluster, useClusters, type Cluster, type JoinToken } from '../../api/clusters';
import { fieldError } from '../../api/errors';
import { useInvalidate } from '../../api/mutations';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { age, formatTime, isDNSLabel } from '../../components/format';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { PageHeader } from '../../components/PageHeader';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { StatusLabel } from '../../components/StatusLabel';
import { useToast } from '../../components/Toast';
import { agentConnected, connectionOf, installCommand, isDuration, isHost, readiness, serverCauses } from './clusterLogic';

const group = 'cluster.superkube.io';

/** A join token to show once, with the cluster it is for. */
interface Shown {
  cluster: string;
  token: JoinToken;
}

export default function Clusters() {
  const { t, i18n } = useTranslation('platform');
  const invalidate = useInvalidate();
  const toast = useToast();
  const [joining, setJoining] = useState(false);
  const [shown, setShown] = useState<Shown>();
  const [removing, setRemoving] = useState<Cluster>();
  const [canCreate, canToken, canDelete] = useCan([
    { verb: 'create', group, resource: 'clusters' },
    { verb: 'create', group, resource: 'clusters', subresource: 'jointoken' },
    { verb: 'delete', group, resource: 'clusters' },
  ]);
  const table = useTableState({ defaultSortBy: 'name', defaultAscending: true });
  const clusters = useClusters(table.params);

  const issueToken = async (c: Cluster) => {
    try {
      const token = await newJoinToken(c.metadata.name);
      setShown({ cluster: c.metadata.name, token });
    } catch (e) {
      toast.warning(t('No new join token for {{name}}', { name: c.metadata.name }), e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <>
      <PageHeader
        title={t('Clusters')}
        actions={
          canCreate && (
            <Button onClick={() => setJoining(true)} data-test="join-cluster">
              {t('Join cluster')}
            </Button>
          )
        }
      />
      <PageSection>
        <ResourceTable<Cluster>
          id="clusters"
          ariaLabel={t('Clusters')}
          table={table}
          query={clusters}
          columns={[
            { title: t('Name'), sortKey: 'name', render: (c) => c.metadata.name },
            { title: t('Provider'), sortKey: 'provider', render: (c) => c.spec?.provider || '-' },
            { title: t('Connection'), render: (c) => <span data-test="connection">{connectionOf(c)}</span> },
            {
              title: t('Ready'),
              render: (c) => {
                const r = readiness(c);
                const why = [r.reason, r.message].filter(Boolean).join(': ');
                return (
                  <span data-test="ready" title={why || undefined}>
                    <StatusLabel status={r.status === 'True' ? 'ready' : r.status === 'False' ? 'notready' : 'unknown'} />
                    {r.status !== 'True' && why && (
                      <div className="pf-v6-u-font-size-sm pf-v6-u-color-200" data-test="ready-reason">
                        {why}
                      </div>
                    )}
                  </span>
                );
              },
            },
            { title: t('Kubernetes version'), render: (c) => c.status?.kubernetesVersion || '-' },
            { title: t('Nodes'), render: (c) => (c.status?.nodeCount !== undefined ? String(c.status.nodeCount) : '-'), hideBelow: 'lg' },
            {
              title: t('Last reached'),
              render: (c) => {
                const at = c.status?.lastReachedTime;
                return at ? <span title={formatTime(at, i18n.language)}>{t('{{age}} ago', { age: age(at) })}</span> : t('Never');
              },
            },
            {
              title: t('Agent'),
              render: (c) => {
                const on = agentConnected(c);
                if (on === undefined) return '-';
                return <span data-test="agent">{on ? t('Connected') : t('Not connected')}</span>;
              },
              hideBelow: 'lg',
            },
          ]}
          actions={
            canToken || canDelete
              ? (c) =>
                  isHost(c)
                    ? [{ title: t('The host cluster cannot be removed'), isDisabled: true, onClick: () => undefined }]
                    : [
                        ...(canToken && connectionOf(c) === 'Agent' ? [{ title: t('New join token'), onClick: (x: Cluster) => void issueToken(x) }] : []),
                        ...(canDelete ? [{ title: t('Remove'), isDanger: true, onClick: (x: Cluster) => setRemoving(x) }] : []),
                      ]
              : undefined
          }
          emptyTitle={t('No clusters')}
          emptyText={t('The host cluster appears here once ke-apiserver has registered it.')}
        />
      </PageSection>
      {joining && (
        <JoinDialog
          onClose={() => setJoining(false)}
          onJoined={(name, token) => {
            invalidate('clusters');
            toast.success(t('Cluster {{name}} is joined.', { name }), token ? t('Start its agent with the join token.') : undefined);
            if (token) setShown({ cluster: name, token });
          }}
        />
      )}
      {shown && <TokenDialog shown={shown} onClose={() => setShown(undefined)} />}
      {removing && (
        <ConfirmDelete
          kind={t('cluster')}
          name={removing.metadata.name}
          onConfirm={async () => {
            await removeCluster(removing.metadata.name);
            invalidate('clusters');
            toast.success(t('Cluster {{name}} is being removed.', { name: removing.metadata.name }));
          }}
          onClose={() => setRemoving(undefined)}
        />
      )}
    </>
  );
}

/** JoinDialog joins a cluster: Direct with its kubeconfig, or Agent with a join token for its agent. */
function JoinDialog({ onClose, onJoined }: { onClose: () => void; onJoined: (name: string, token?: JoinToken) => void }) {
  const { t } = useTranslation('platform');
  const [name, setName] = useState('');
  const [provider, setProvider] = useState('');
  const [connection, setConnection] = useState<'Direct' | 'Agent'>('Agent');
  const [kubeconfig, setKubeconfig] = useState('');
  const [ttl, setTTL] = useState('');
  // The last refusal, for the server's own words at a field (which check a kubeconfig failed).
  const [refusal, setRefusal] = useState<unknown>();
  const nameBad = name !== '' && !isDNSLabel(name);
  const ttlBad = ttl !== '' && !isDuration(ttl);
  const canSubmit = isDNSLabel(name) && (connection === 'Direct' ? kubeconfig.trim() !== '' : !ttlBad);
  const at = (err: Parameters<typeof fieldError>[0], field: string) => {
    const mine = fieldError(err, field);
    if (!mine) return undefined;
    const server = serverCauses(refusal, field);
    return server ? `${mine} ${server}` : mine;
  };
  return (
    <FormModal
      title={t('Join cluster')}
      test="cluster-join"
      submitLabel={t('Join')}
      canSubmit={canSubmit}
      shownFields={['name', 'provider', 'connection', 'kubeconfig', 'joinTokenTTL']}
      onClose={onClose}
      onSubmit={async () => {
        setRefusal(undefined);
        try {
          const out = await joinCluster({ name, provider, connection, kubeconfig, joinTokenTTL: ttl });
          onJoined(name, out.joinToken);
        } catch (e) {
          setRefusal(e);
          throw e;
        }
      }}
    >
      {(err) => (
        <>
          <FormGroup label={t('Name')} isRequired fieldId="cluster-name">
            <TextInput id="cluster-name" value={name} onChange={(_e, v) => setName(v)} data-test="cluster-name" validated={nameBad || fieldError(err, 'name') ? 'error' : 'default'} />
            <FieldHelp
              rule={t('Lower-case letters, digits and -, at most 63 characters. Requests reach it under /clusters/<name>. It cannot be changed later.')}
              error={at(err, 'name') ?? (nameBad ? t('Use lower-case letters, digits and -, starting and ending with a letter or digit.') : undefined)}
              test="cluster-name"
            />
          </FormGroup>
          <FormGroup label={t('Provider')} fieldId="cluster-provider">
            <TextInput id="cluster-provider" value={provider} onChange={(_e, v) => setProvider(v)} data-test="cluster-provider" placeholder="kind, EKS, on-premises …" validated={fieldError(err, 'provider') ? 'error' : 'default'} />
            <FieldHelp error={at(err, 'provider')} test="cluster-provider" />
          </FormGroup>
          <FormGroup label={t('Connection')} role="radiogroup" isInline fieldId="cluster-connection">
            <Radio
              id="connection-agent"
              name="connection"
              label={t('Agent')}
              description={t('An agent on the member dials out to ke-apiserver: for clusters behind NAT or a firewall.')}
              isChecked={connection === 'Agent'}
              onChange={() => setConnection('Agent')}
              data-test="connection-agent"
            />
            <Radio
              id="connection-direct"
              name="connection"
              label={t('Direct')}
              description={t('ke-apiserver calls the member’s kube-apiserver with a kubeconfig.')}
              isChecked={connection === 'Direct'}
              onChange={() => setConnection('Direct')}
              data-test="connection-direct"
            />
            <FieldHelp error={at(err, 'connection')} test="cluster-connection" />
          </FormGroup>
          {connection === 'Direct' ? (
            <FormGroup label={t('Kubeconfig')} isRequired fieldId="cluster-kubeconfig">
              <TextArea
                id="cluster-kubeconfig"
                value={kubeconfig}
                onChange={(_e, v) => setKubeconfig(v)}
                rows={8}
                resizeOrientation="vertical"
                spellCheck={false}
                data-test="cluster-kubeconfig"
                validated={fieldError(err, 'kubeconfig') ? 'error' : 'default'}
              />
              <FieldHelp
                rule={t('Paste the kubeconfig of the member’s kube-apiserver. The host checks that it reaches the cluster before it joins.')}
                error={at(err, 'kubeconfig')}
                test="cluster-kubeconfig"
              />
            </FormGroup>
          ) : (
            <FormGroup label={t('Join token lifetime')} fieldId="cluster-ttl">
              <TextInput id="cluster-ttl" value={ttl} onChange={(_e, v) => setTTL(v)} placeholder="1h" data-test="cluster-ttl" validated={ttlBad || fieldError(err, 'joinTokenTTL') ? 'error' : 'default'} />
              <FieldHelp
                rule={t('How long the agent may use the join token, such as 30m or 2h; 1h when empty.')}
                error={at(err, 'joinTokenTTL') ?? (ttlBad ? t('Use a duration such as 30m or 2h.') : undefined)}
                test="cluster-ttl"
              />
            </FormGroup>
          )}
        </>
      )}
    </FormModal>
  );
}

/** TokenDialog shows a join token once, with the command that starts the agent. */
function TokenDialog({ shown, onClose }: { shown: Shown; onClose: () => void }) {
  const { t, i18n } = useTranslation('platform');
  const [hostURL, setHostURL] = useState(window.location.origin);
  const command = installCommand(hostURL, shown.cluster);
  return (
    <Modal isOpen onClose={onClose} variant="medium" aria-labelledby="join-token-title" data-test="join-token">
      <ModalHeader title={t('Join token of {{name}}', { name: shown.cluster })} labelId="join-token-title" />
      <ModalBody>
        <Alert variant="warning" isInline isPlain title={t('This token is shown once. Copy it now: it will not be shown again.')} />
        <FormGroup label={t('Join token')} fieldId="join-token-value" className="pf-v6-u-mt-md">
          <ClipboardCopy id="join-token-value" isReadOnly hoverTip={t('Copy')} clickTip={t('Copied')} data-test="join-token-value">
            {shown.token.token}
          </ClipboardCopy>
        </FormGroup>
        <p className="pf-v6-u-mt-sm" data-test="join-token-expiry">
          {t('It works for one join, until {{time}}.', { time: formatTime(shown.token.expiresAt, i18n.language) })}
        </p>
        <FormGroup label={t('Address of ke-apiserver, as the member reaches it')} fieldId="host-url" className="pf-v6-u-mt-md">
          <TextInput id="host-url" value={hostURL} onChange={(_e, v) => setHostURL(v)} data-test="host-url" />
        </FormGroup>
        <p className="pf-v6-u-mt-md">{t('On the member, save the token in a file named token and start the agent:')}</p>
        <ClipboardCopy key={command} isReadOnly isCode hoverTip={t('Copy')} clickTip={t('Copied')} data-test="install-command">
          {command}
        </ClipboardCopy>
      </ModalBody>
      <ModalFooter>
        <Button onClick={onClose} data-test="join-token-done">
          {t('Done')}
        </Button>
      </ModalFooter>
    </Modal>
  );
}
