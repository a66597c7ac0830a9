import { Button, Form, FormGroup, Modal, ModalBody, ModalFooter, ModalHeader, TextInput } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from './ErrorAlert';
import { useSubmit } from './useSubmit';

/**
 * ConfirmDelete asks to type the name of what is deleted before deleting it.
 */
export function ConfirmDelete({ kind, name, onConfirm, onClose, extra }: { kind: string; name: string; onConfirm: () => Promise<unknown>; onClose: () => void; extra?: React.ReactNode }) {
  const { t } = useTranslation('common');
  const [typed, setTyped] = useState('');
  const { busy, error, submit } = useSubmit(onConfirm, onClose);
  return (
    <Modal isOpen onClose={onClose} variant="small" aria-labelledby="delete-title" data-test="confirm-delete">
      <ModalHeader title={t('Delete {{kind}}?', { kind })} labelId="delete-title" titleIconVariant="warning" />
      <ModalBody>
        <p>{t('This deletes {{kind}} {{name}}. Type its name to confirm.', { kind, name })}</p>
        {extra}
        <Form
          onSubmit={(e) => {
            e.preventDefault();
            if (typed === name) void submit();
          }}
        >
          <FormGroup label={t('Name')} fieldId="confirm-name">
            <TextInput id="confirm-name" value={typed} onChange={(_e, v) => setTyped(v)} data-test="confirm-name" autoFocus />
          </FormGroup>
        </Form>
        {error ? <ErrorAlert error={error} /> : null}
      </ModalBody>
      <ModalFooter>
        <Button variant="danger" onClick={() => void submit()} isDisabled={typed !== name || busy} isLoading={busy} data-test="confirm">
          {t('Delete')}
        </Button>
        <Button variant="link" onClick={onClose}>
          {t('Cancel')}
        </Button>
      </ModalFooter>
    </Modal>
  );
}
