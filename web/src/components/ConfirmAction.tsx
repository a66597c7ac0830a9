import { Button, Modal, ModalBody, ModalFooter, ModalHeader } from '@patternfly/react-core';
import { type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from './ErrorAlert';
import { useSubmit } from './useSubmit';

/**
 * ConfirmAction asks before an action that disturbs something running
 * (restart, disable, unlock ...), and shows why it failed if it does.
 */
export function ConfirmAction({
  title,
  children,
  confirmLabel,
  danger,
  onConfirm,
  onClose,
  test = 'confirm-action',
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
  test?: string;
}) {
  const { t } = useTranslation('common');
  const { busy, error, submit } = useSubmit(onConfirm, onClose);
  return (
    <Modal isOpen onClose={onClose} variant="small" aria-labelledby={`${test}-title`} data-test={test}>
      <ModalHeader title={title} labelId={`${test}-title`} titleIconVariant={danger ? 'warning' : undefined} />
      <ModalBody>
        {children}
        {error ? <ErrorAlert error={error} /> : null}
      </ModalBody>
      <ModalFooter>
        <Button variant={danger ? 'danger' : 'primary'} onClick={() => void submit()} isLoading={busy} isDisabled={busy} data-test={`${test}-confirm`}>
          {confirmLabel}
        </Button>
        <Button variant="link" onClick={onClose} data-test={`${test}-cancel`}>
          {t('Cancel')}
        </Button>
      </ModalFooter>
    </Modal>
  );
}
