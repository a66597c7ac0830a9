import { FormGroup, FormSelect, FormSelectOption, TextInput } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError, fieldError } from '../../api/errors';
import { createUser, updateUser } from '../../api/iam';
import { useInvalidate } from '../../api/mutations';
import { setPlatformRole, useGlobalRoles, usePlatformRoles, useRefreshPlatformRoles } from '../../api/platformRoles';
import { roleTitle } from '../../api/roles';
import type { User } from '../../api/types';
import { emailPattern, isDNSLabel } from '../../components/format';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { PasswordInput } from '../../components/PasswordInput';
import { useToast } from '../../components/Toast';
import { passwordProblem } from '../PasswordForm';

/**
 * UserForm creates a user or edits one: name, e-mail, display name, the
 * initial password, and the platform role, with each field's rule said
 * before typing and the server's objections shown at the field.
 */
export function UserForm({ user, onClose }: { user: User | 'new'; onClose: () => void }) {
  const { t } = useTranslation('platform');
  const invalidate = useInvalidate();
  const refreshRoles = useRefreshPlatformRoles();
  const toast = useToast();
  const isNew = user === 'new';
  const [name, setName] = useState(isNew ? '' : user.metadata.name);
  const [email, setEmail] = useState(isNew ? '' : (user.spec.email ?? ''));
  const [title, setTitle] = useState(isNew ? '' : (user.spec.displayName ?? ''));
  const [password, setPassword] = useState('');
  const platform = usePlatformRoles(isNew ? [] : [name]);
  const current = isNew ? [] : (platform.roles[name] ?? []);
  const [role, setRole] = useState<string>();
  const chosenRole = role ?? (isNew ? 'platform-regular' : (current[0] ?? ''));
  const roles = useGlobalRoles(platform.allowed);
  const pwProblem = isNew && password ? passwordProblem(password, name) : undefined;
  const nameBad = name !== '' && !isDNSLabel(name);
  const emailBad = email !== '' && !emailPattern.test(email);
  return (
    <FormModal
      title={isNew ? t('Create user') : t('Edit user {{name}}', { name })}
      test="user-form"
      submitLabel={isNew ? t('Create') : t('Save')}
      canSubmit={isDNSLabel(name) && !!email && !emailBad && (!isNew || (!!password && !pwProblem))}
      onClose={onClose}
      shownFields={['metadata.name', 'spec.email', 'spec.displayName', 'spec.password']}
      onSubmit={async () => {
        if (isNew) {
          await createUser({ name, email, displayName: title, password });
        } else {
          await updateUser(name, { email, displayName: title });
        }
        invalidate('users');
        let roleFailed: unknown;
        if (platform.allowed && chosenRole !== (current[0] ?? '') ) {
          try {
            await setPlatformRole(name, chosenRole, platform.bindings);
          } catch (e) {
            roleFailed = e;
          }
          refreshRoles();
        }
        if (roleFailed) {
          toast.warning(isNew ? t('User {{name}} is created, but the platform role was not set.', { name }) : t('User {{name}} is saved, but the platform role was not changed.', { name }), describeError(roleFailed, t).detail);
        } else {
          toast.success(isNew ? t('User {{name}} is created.', { name }) : t('User {{name}} is saved.', { name }));
        }
      }}
    >
      {(err) => (
        <>
          <FormGroup label={t('User name')} isRequired fieldId="user-name">
            <TextInput id="user-name" value={name} onChange={(_e, v) => setName(v)} isDisabled={!isNew} data-test="user-name" validated={nameBad || fieldError(err, 'metadata.name') ? 'error' : 'default'} />
            {isNew && (
              <FieldHelp
                rule={t('Lower-case letters, digits and -, starting and ending with a letter or digit, at most 63 characters. It cannot be changed later.')}
                error={fieldError(err, 'metadata.name') ?? (nameBad ? t('Use lower-case letters, digits and -, starting and ending with a letter or digit.') : undefined)}
                test="user-name"
              />
            )}
          </FormGroup>
          <FormGroup label={t('E-mail')} isRequired fieldId="user-email">
            <TextInput id="user-email" type="email" value={email} onChange={(_e, v) => setEmail(v)} data-test="user-email" validated={emailBad || fieldError(err, 'spec.email') ? 'error' : 'default'} />
            <FieldHelp rule={t('Users can also log in with it. Each user has a different one.')} error={fieldError(err, 'spec.email') ?? (emailBad ? t('Enter an e-mail address such as alice@example.com.') : undefined)} test="user-email" />
          </FormGroup>
          <FormGroup label={t('Display name')} fieldId="user-title">
            <TextInput id="user-title" value={title} onChange={(_e, v) => setTitle(v)} data-test="user-title" />
            <FieldHelp error={fieldError(err, 'spec.displayName')} />
          </FormGroup>
          {isNew && (
            <FormGroup label={t('Initial password')} isRequired fieldId="user-password">
              <PasswordInput id="user-password" autoComplete="new-password" value={password} onChange={setPassword} test="user-password" validated={pwProblem || fieldError(err, 'spec.password') ? 'error' : 'default'} />
              <FieldHelp
                rule={t('8 to 72 characters, mixing at least three of lower-case letters, upper-case letters, digits and other characters, without the user name. The user changes it at the first login.')}
                error={fieldError(err, 'spec.password') ?? (pwProblem ? t(pwProblem) : undefined)}
                test="user-password"
              />
            </FormGroup>
          )}
          {platform.allowed && (
            <FormGroup label={t('Platform role')} fieldId="user-role">
              <FormSelect id="user-role" value={chosenRole} onChange={(_e, v) => setRole(v)} data-test="user-role" isDisabled={!platform.loaded}>
                <FormSelectOption value="" label={t('None')} />
                {roles.map((r) => (
                  <FormSelectOption key={r.metadata.name} value={r.metadata.name} label={roleTitle('global', r.metadata.name, t, { role: r })} />
                ))}
              </FormSelect>
              <FieldHelp rule={t('What the user may do on the whole platform. Workspaces and projects give their own roles to their members.')} />
            </FormGroup>
          )}
        </>
      )}
    </FormModal>
  );
}
