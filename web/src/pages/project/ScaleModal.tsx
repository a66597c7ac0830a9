import { Button, Form, FormGroup, Modal, ModalBody, ModalFooter, ModalHeader, NumberInput } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCluster } from '../../api/cluster';
import type { KindInfo } from '../../api/kinds';
import { scale, useInvalidate } from '../../api/mutations';
import type { K8sObject, Workload } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';
import { useToast } from '../../components/Toast';

export function ScaleModal({ kind, object, onClose }: { kind: KindInfo; object: K8sObject; onClose: () => void }) {
  const { t } = useTranslation('project');
  const invalidate = useInvalidate();
  const cluster = useCluster();
  const toast = useToast();
  const [replicas, setReplicas] = useState((object as Workload).spec.replicas ?? 1);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await scale(kind, object.metadata.namespace!, object.metadata.name, replicas, cluster);
      invalidate(kind.resource);
      toast.success(t('{{name}} is scaled.', { name: object.metadata.name }), t('Desired replicas: {{replicas}}', { replicas }));
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal isOpen onClose={onClose} variant="small" aria-labelledby="scale-title" data-test="scale-modal">
      <ModalHeader title={t('Scale {{name}}', { name: object.metadata.name })} labelId="scale-title" />
      <ModalBody>
        <Form
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <FormGroup label={t('Replicas')} fieldId="replicas">
            <NumberInput
              id="replicas"
              value={replicas}
              min={0}
              max={1000}
              onMinus={() => setReplicas(Math.max(0, replicas - 1))}
              onPlus={() => setReplicas(replicas + 1)}
              onChange={(e) => setReplicas(Math.max(0, Number((e.target as HTMLInputElement).value) || 0))}
              inputAriaLabel={t('Replicas')}
              minusBtnAriaLabel={t('Fewer')}
              plusBtnAriaLabel={t('More')}
              inputProps={{ 'data-test': 'replicas' }}
            />
          </FormGroup>
        </Form>
        {error ? <ErrorAlert error={error} /> : null}
      </ModalBody>
      <ModalFooter>
        <Button onClick={() => void submit()} isLoading={busy} isDisabled={busy} data-test="scale-confirm">
          {t('Scale')}
        </Button>
        <Button variant="link" onClick={onClose}>
          {t('Cancel')}
        </Button>
      </ModalFooter>
    </Modal>
  );
}
