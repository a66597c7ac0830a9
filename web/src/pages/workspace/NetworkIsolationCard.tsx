import { Card, CardBody, CardTitle, Label, Stack, Switch } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../api/access';
import { useInvalidate } from '../../api/mutations';
import { updateWorkspace, useWorkspace, workspaceKey } from '../../api/tenant';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useToast } from '../../components/Toast';

/**
 * NetworkIsolationCard is a workspace's network isolation switch
 * (spec.networkIsolation of the tenant Workspace): when on, the pods of
 * its projects accept connections only from the workspace's own projects
 * and the platform's system namespaces. Those who may update the workspace
 * flip it; the others see its state.
 */
export function NetworkIsolationCard({ workspace }: { workspace: string }) {
  const { t } = useTranslation('network');
  const [canUpdate] = useCan([{ verb: 'update', group: 'tenant.superkube.io', resource: 'workspaces', name: workspace }]);
  const ws = useWorkspace(workspace);
  const client = useQueryClient();
  const invalidate = useInvalidate();
  const toast = useToast();
  // The position asked for while it is being saved, so that the switch moves at once.
  const [pending, setPending] = useState<boolean>();
  const [error, setError] = useState<unknown>();
  const busy = pending !== undefined;
  const on = pending ?? !!ws.data?.spec.networkIsolation;
  const flip = async (next: boolean) => {
    if (!ws.data) return;
    setPending(next);
    setError(undefined);
    try {
      // Replaced at the resourceVersion read: a change made meanwhile is a conflict, not lost.
      const saved = await updateWorkspace({ ...ws.data, spec: { ...ws.data.spec, networkIsolation: next } });
      client.setQueryData(workspaceKey(workspace), saved);
      invalidate('workspaces');
      toast.success(
        next ? t('Workspace {{name}} is isolated.', { name: workspace }) : t('Workspace {{name}} is no longer isolated.', { name: workspace }),
        next ? t('Its projects accept connections only from the workspace’s projects and the system namespaces.') : t('The policies generated for the workspace are removed; projects isolated on their own stay so.'),
      );
    } catch (e) {
      setError(e);
    } finally {
      setPending(undefined);
    }
  };
  return (
    <Card isCompact data-test="workspace-isolation">
      <CardTitle>{t('Network isolation')}</CardTitle>
      <CardBody>
        <Stack hasGutter>
          <p>{t('An isolated workspace’s projects accept connections only from the workspace’s own projects and the platform’s system namespaces. A project can add allowed sources by turning on its own isolation.')}</p>
          {ws.error ? (
            <ErrorAlert error={ws.error} onRetry={() => void ws.refetch()} />
          ) : !ws.data ? (
            '…'
          ) : canUpdate ? (
            <Switch id="workspace-isolation-switch" label={t('Isolate the workspace')} isChecked={on} isDisabled={busy} onChange={(_e, v) => void flip(v)} data-test="workspace-isolation-switch" />
          ) : (
            <span data-test="workspace-isolation-state">{on ? <Label color="green">{t('Isolated')}</Label> : <Label>{t('Not isolated')}</Label>}</span>
          )}
          {error ? <ErrorAlert error={error} /> : null}
        </Stack>
      </CardBody>
    </Card>
  );
}
