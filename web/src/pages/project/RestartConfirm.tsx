import { useTranslation } from 'react-i18next';
import { useCluster } from '../../api/cluster';
import type { KindInfo } from '../../api/kinds';
import { restart, useInvalidate } from '../../api/mutations';
import { ConfirmAction } from '../../components/ConfirmAction';
import { useToast } from '../../components/Toast';

/** RestartConfirm asks before rolling a workload's pods, and says when the restart has begun. */
export function RestartConfirm({ kind, namespace, name, onClose }: { kind: KindInfo; namespace: string; name: string; onClose: () => void }) {
  const { t } = useTranslation('project');
  const invalidate = useInvalidate();
  const cluster = useCluster();
  const toast = useToast();
  return (
    <ConfirmAction
      title={t('Restart {{name}}?', { name })}
      confirmLabel={t('Restart')}
      test="restart-confirm"
      onClose={onClose}
      onConfirm={async () => {
        await restart(kind, namespace, name, cluster);
        invalidate(kind.resource);
        toast.success(t('{{name}} is restarting.', { name }), t('Its pods are replaced one by one.'));
      }}
    >
      <p>{t('Every pod of {{kind}} {{name}} is replaced by a new one. Pods that are not ready in time may interrupt the service.', { kind: kind.kind, name })}</p>
    </ConfirmAction>
  );
}
