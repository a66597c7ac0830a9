import { ActionGroup, Alert, Button, Form, FormGroup, FormHelperText, HelperText, HelperTextItem } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { changePassword, useSession } from '../api/auth';
import { describeError, fieldError, type DescribedError } from '../api/errors';
import { PasswordInput } from '../components/PasswordInput';

/** The platform's complexity rule, checked again by ke-apiserver: 8 to 72 bytes, three classes of characters, not the user name. */
export function passwordProblem(p: string, username?: string): string | undefined {
  const bytes = new TextEncoder().encode(p).length;
  if (bytes < 8 || bytes > 72) return 'Use 8 to 72 characters.';
  const classes = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u].filter((r) => r.test(p)).length;
  if (classes < 3) return 'Mix at least three of lower-case letters, upper-case letters, digits and other characters.';
  if (username && p.toLowerCase().includes(username.toLowerCase())) return 'The password must not contain the user name.';
  return undefined;
}

export function PasswordForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation('auth');
  const { t: tc } = useTranslation('common');
  const client = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [error, setError] = useState<DescribedError>();
  const [busy, setBusy] = useState(false);
  const session = useSession();
  const problem = next ? passwordProblem(next, session.data?.username) : undefined;
  const currentWrong = fieldError(error, 'currentPassword');
  const serverProblem = fieldError(error, 'password');
  const mismatch = again !== '' && again !== next;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const s = await changePassword(current, next);
      client.setQueryData(['session'], s);
      setCurrent('');
      setNext('');
      setAgain('');
      onDone();
    } catch (err) {
      setError(describeError(err, tc));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Form onSubmit={(e) => void submit(e)} data-test="password-form" maxWidth="480px">
      {error && (
        <Alert variant={error.kind === 'ratelimited' ? 'warning' : 'danger'} isInline title={error.title} data-test="password-error">
          {error.detail}
        </Alert>
      )}
      <FormGroup label={t('Current password')} isRequired fieldId="current-password">
        <PasswordInput id="current-password" autoComplete="current-password" value={current} onChange={setCurrent} test="current-password" isRequired validated={currentWrong ? 'error' : 'default'} />
        {currentWrong && (
          <FormHelperText>
            <HelperText>
              <HelperTextItem variant="error" screenReaderText={tc('error')} data-test="current-password-error">{currentWrong}</HelperTextItem>
            </HelperText>
          </FormHelperText>
        )}
      </FormGroup>
      <FormGroup label={t('New password')} isRequired fieldId="new-password">
        <PasswordInput id="new-password" autoComplete="new-password" value={next} onChange={setNext} validated={problem || serverProblem ? 'error' : 'default'} test="new-password" isRequired />
        <FormHelperText>
          <HelperText>
            <HelperTextItem variant={problem || serverProblem ? 'error' : 'default'} screenReaderText={problem || serverProblem ? tc('error') : undefined}>
              {problem ? t(problem) : (serverProblem ?? t('8 to 72 characters, mixing at least three of lower-case letters, upper-case letters, digits and other characters, without the user name.'))}
            </HelperTextItem>
          </HelperText>
        </FormHelperText>
      </FormGroup>
      <FormGroup label={t('New password again')} isRequired fieldId="new-password-again">
        <PasswordInput id="new-password-again" autoComplete="new-password" value={again} onChange={setAgain} validated={mismatch ? 'error' : 'default'} test="new-password-again" isRequired />
        {mismatch && (
          <FormHelperText>
            <HelperText>
              <HelperTextItem variant="error" screenReaderText={tc('error')}>{t('The passwords differ.')}</HelperTextItem>
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
