import { Card, CardBody, CardTitle, Spinner, Switch } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { meshKey, setMesh, useMesh, type Mesh } from '../../api/servicemesh';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FieldHelp } from '../../components/FormModal';
import { useToast } from '../../components/Toast';
import { useMeshCan } from './parts';

/**
 * MeshMembership is the project's switch for the service mesh: sidecar
 * injection (the namespace's istio-injection label). Pods started after
 * the change get (or lose) their sidecar; running ones keep what they had
 * until restarted, which the help text says.
 */
export function MeshMembership({ namespace }: { namespace: string }) {
  const { t } = useTranslation('servicemesh');
  const mesh = useMesh(namespace);
  const can = useMeshCan(namespace);
  const client = useQueryClient();
  const toast = useToast();
  // The position asked for while it is being saved, so that the switch moves at once.
  const [pending, setPending] = useState<boolean>();
  const [error, setError] = useState<unknown>();
  const enabled = pending ?? mesh.data?.enabled ?? false;
  const change = async (on: boolean) => {
    setPending(on);
    setError(undefined);
    try {
      const saved = await setMesh(namespace, on);
      client.setQueryData<Mesh>(meshKey(namespace), saved ?? { enabled: on });
      toast.success(on ? t('Sidecar injection is on for project {{name}}.', { name: namespace }) : t('Sidecar injection is off for project {{name}}.', { name: namespace }));
    } catch (e) {
      setError(e);
    } finally {
      setPending(undefined);
    }
  };
  return (
    <Card isCompact data-test="mesh-membership">
      <CardTitle>{t('Service mesh')}</CardTitle>
      <CardBody>
        {mesh.error ? (
          <ErrorAlert error={mesh.error} onRetry={() => void mesh.refetch()} />
        ) : !mesh.data ? (
          <Spinner size="md" aria-label={t('Loading')} />
        ) : (
          <>
            <Switch
              id="mesh-injection"
              label={t('Sidecar injection (service mesh)')}
              isChecked={enabled}
              isDisabled={pending !== undefined || !can.updateNamespace}
              onChange={(_e, on) => void change(on)}
              data-test="mesh-switch"
            />
            <FieldHelp rule={t('Pods started from now on get an Envoy sidecar and join the mesh: grayscale releases, service policies, the traffic graph and traces need it. Restart the workloads for running pods to follow.')} />
            {error ? <ErrorAlert error={error} /> : null}
          </>
        )}
      </CardBody>
    </Card>
  );
}
