import { ActionGroup, Alert, Button, Form, FormGroup, FormHelperText, HelperText, HelperTextItem, TextInput } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { changePassword } from '../api/auth';
import { ApiError } from '../api/client';

/** The platform's complexity rule, checked again by ke-apiserver. */
export function passwordProblem(p: string): string | undefined {
  const bytes = new TextEncoder().encode(p).length;
  if (bytes < 8 || bytes > 72) return 'Use 8 to 72 characters.';
  const classes = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u].filter((r) => r.test(p)).length;
  if (classes < 3) return 'Mix at least three of lower-case letters, upper-case letters, digits and other characters.';
  return undefined;
}

export function PasswordForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation('auth');
  const client = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const problem = next ? passwordProblem(next) : undefined;
  const mismatch = again !== '' && again !== next;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const s = await changePassword(current, next);
      client.setQueryData(['session'], s);
      onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Form onSubmit={submit} data-test="password-form" maxWidth="480px">
      {error && <Alert variant="danger" isInline title={error} data-test="password-error" />}
      <FormGroup label={t('Current password')} isRequired fieldId="current-password">
        <TextInput id="current-password" type="password" autoComplete="current-password" value={current} onChange={(_e, v) => setCurrent(v)} data-test="current-password" isRequired />
      </FormGroup>
      <FormGroup label={t('New password')} isRequired fieldId="new-password">
        <TextInput id="new-password" type="password" autoComplete="new-password" value={next} onChange={(_e, v) => setNext(v)} validated={problem ? 'error' : 'default'} data-test="new-password" isRequired />
        <FormHelperText>
          <HelperText>
            <HelperTextItem variant={problem ? 'error' : 'default'}>{t(problem ?? '8 to 72 characters, mixing at least three of lower-case letters, upper-case letters, digits and other characters.')}</HelperTextItem>
          </HelperText>
        </FormHelperText>
      </FormGroup>
      <FormGroup label={t('New password again')} isRequired fieldId="new-password-again">
        <TextInput id="new-password-again" type="password" autoComplete="new-password" value={again} onChange={(_e, v) => setAgain(v)} validated={mismatch ? 'error' : 'default'} data-test="new-password-again" isRequired />
        {mismatch && (
          <FormHelperText>
            <HelperText>
              <HelperTextItem variant="error">{t('The passwords differ.')}</HelperTextItem>
            </HelperText>
          </FormHelperText>
        )}
      </FormGroup>
      <ActionGroup>
        <Button type="submit" isLoading={busy} isDisabled={busy || !current || !!problem || !next || next !== again} data-test="change-password">
          {t('Change password')}
        </Button>
      </ActionGroup>
    </Form>
  );
}
