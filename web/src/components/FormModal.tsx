import { Button, Form, FormHelperText, HelperText, HelperTextItem, Modal, ModalBody, ModalFooter, ModalHeader } from '@patternfly/react-core';
import { type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError, type DescribedError } from '../api/errors';
import { ErrorAlert } from './ErrorAlert';
import { useSubmit } from './useSubmit';

/**
 * FieldHelp is a field's helper text: the rule the value must follow, said
 * before anything is typed, or the server's objection to it, translated.
 */
export function FieldHelp({ rule, error, test }: { rule?: string; error?: string; test?: string }) {
  const { t } = useTranslation('common');
  if (!rule && !error) return null;
  return (
    <FormHelperText>
      <HelperText>
        <HelperTextItem variant={error ? 'error' : 'default'} screenReaderText={error ? t('error') : undefined} data-test={test ? `${test}-${error ? 'error' : 'rule'}` : undefined}>
          {error ?? rule}
        </HelperTextItem>
      </HelperText>
    </FormHelperText>
  );
}

/**
 * FormModal is a dialog with a form that submits to the API. When the
 * server refuses some fields, children given as a function get the
 * described error to mark them (with fieldError); shownFields names the
 * fields the form marks, which the alert below then does not repeat.
 */
export function FormModal({
  title,
  test,
  submitLabel,
  canSubmit,
  onSubmit,
  onClose,
  children,
  shownFields = [],
}: {
  title: string;
  test: string;
  submitLabel: string;
  canSubmit: boolean;
  onSubmit: () => Promise<unknown>;
  onClose: () => void;
  children: ReactNode | ((error: DescribedError | undefined) => ReactNode);
  shownFields?: string[];
}) {
  const { t } = useTranslation('common');
  const { busy, error, submit } = useSubmit(onSubmit, onClose);
  const described = error ? describeError(error, t) : undefined;
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
          {typeof children === 'function' ? children(described) : children}
        </Form>
        {error ? <ErrorAlert error={error} hideFields={shownFields} /> : null}
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
