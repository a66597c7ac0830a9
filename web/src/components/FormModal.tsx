import { Button, Form, Modal, ModalBody, ModalFooter, ModalHeader } from '@patternfly/react-core';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from './ErrorAlert';

/** FormModal is a dialog with a form that submits to the API and shows its error. */
export function FormModal({ title, test, submitLabel, canSubmit, onSubmit, onClose, children }: { title: string; test: string; submitLabel: string; canSubmit: boolean; onSubmit: () => Promise<unknown>; onClose: () => void; children: ReactNode }) {
  const { t } = useTranslation('common');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit();
      onClose();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal isOpen onClose={onClose} variant="small" aria-labelledby={`${test}-title`} data-test={test}>
      <ModalHeader title={title} labelId={`${test}-title`} />
      <ModalBody>
        <Form
          id={`${test}-form`}
          onSubmit={(e) => {
            e.preventDefault();
            if (canSubmit && !busy) void submit();
          }}
        >
          {children}
        </Form>
        {error ? <ErrorAlert error={error} /> : null}
      </ModalBody>
      <ModalFooter>
        <Button type="submit" form={`${test}-form`} isLoading={busy} isDisabled={!canSubmit || busy} data-test={`${test}-submit`}>
          {submitLabel}
        </Button>
        <Button variant="link" onClick={onClose}>
          {t('Cancel')}
        </Button>
      </ModalFooter>
    </Modal>
  );
}
