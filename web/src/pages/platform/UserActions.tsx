import { FormGroup } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { fieldError } from '../../api/errors';
import { deleteUser, disableUser, enableUser, resetPassword, unlockUser } from '../../api/iam';
import { useInvalidate } from '../../api/mutations';
import type { User } from '../../api/types';
import { ConfirmAction } from '../../components/ConfirmAction';
import { ConfirmDelete } from '../../components/ConfirmDelete';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { PasswordInput } from '../../components/PasswordInput';
import { useToast } from '../../components/Toast';
import { passwordProblem } from '../PasswordForm';

export type UserAction = 'password' | 'disable' | 'enable' | 'unlock' | 'delete';

/**
 * UserActions asks for what an action on a user needs (a new password, a
 * confirmation) and does it. Acting on a user who holds permissions the
 * caller does not is refused by the server; the dialog says so and why.
 */
export function UserActions({ user, action, onClose, onDeleted }: { user: User; action: UserAction; onClose: () => void; onDeleted?: () => void }) {
  const { t } = useTranslation('platform');
  const invalidate = useInvalidate();
  const toast = useToast();
  const [password, setPassword] = useState('');
  const name = user.metadata.name;
  const done = (message: string, detail?: string) => {
    invalidate('users');
    toast.success(message, detail);
  };
  switch (action) {
    case 'password': {
      const problem = password ? passwordProblem(password, name) : undefined;
      return (
        <FormModal
          title={t('Reset the password of {{name}}', { name })}
          test="reset-password-dialog"
          submitLabel={t('Reset password')}
          canSubmit={!!password && !problem}
          onClose={onClose}
          shownFields={['password']}
          onSubmit={async () => {
            await resetPassword(name, password);
            done(t('The password of {{name}} is reset.', { name }), t('They must change it at their next login. Their sessions have ended.'));
          }}
        >
          {(err) => (
            <>
              <p>{t('{{name}} is logged out everywhere and must choose a new password at the next login.', { name })}</p>
              <FormGroup label={t('New password')} isRequired fieldId="reset-password-value">
                <PasswordInput id="reset-password-value" autoComplete="new-password" value={password} onChange={setPassword} test="reset-password-value" validated={problem || fieldError(err, 'password') ? 'error' : 'default'} />
                <FieldHelp
                  rule={t('8 to 72 characters, mixing at least three of lower-case letters, upper-case letters, digits and other characters, without the user name.')}
                  error={fieldError(err, 'password') ?? (problem ? t(problem) : undefined)}
                  test="reset-password-value"
                />
              </FormGroup>
            </>
          )}
        </FormModal>
      );
    }
    case 'disable':
      return (
        <ConfirmAction
          title={t('Disable {{name}}?', { name })}
          confirmLabel={t('Disable')}
          danger
          test="disable-dialog"
          onClose={onClose}
          onConfirm={async () => {
            await disableUser(name);
            done(t('{{name}} is disabled.', { name }), t('They are logged out and cannot log in until enabled again.'));
          }}
        >
          <p>{t('{{name}} is logged out at once, everywhere (kubectl too), and cannot log in until the user is enabled again.', { name })}</p>
        </ConfirmAction>
      );
    case 'enable':
      return (
        <ConfirmAction
          title={t('Enable {{name}}?', { name })}
          confirmLabel={t('Enable')}
          test="enable-dialog"
          onClose={onClose}
          onConfirm={async () => {
            await enableUser(name);
            done(t('{{name}} is enabled.', { name }));
          }}
        >
          <p>{t('{{name}} can log in again.', { name })}</p>
        </ConfirmAction>
      );
    case 'unlock':
      return (
        <ConfirmAction
          title={t('Unlock {{name}}?', { name })}
          confirmLabel={t('Unlock')}
          test="unlock-dialog"
          onClose={onClose}
          onConfirm={async () => {
            await unlockUser(name);
            done(t('{{name}} is unlocked.', { name }));
          }}
        >
          <p>{t('{{name}} was locked after too many failed logins. Unlocked, they can try again at once.', { name })}</p>
        </ConfirmAction>
      );
    case 'delete':
      return (
        <ConfirmDelete
          kind={t('user')}
          name={name}
          extra={<p>{t('Their memberships, login records and password go with them.')}</p>}
          onConfirm={async () => {
            await deleteUser(name);
            done(t('{{name}} is deleted.', { name }));
            onDeleted?.();
          }}
          onClose={onClose}
        />
      );
  }
}
