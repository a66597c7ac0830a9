import { ActionGroup, Button, Card, CardBody, CardTitle, Form, FormGroup, FormSelect, FormSelectOption, Grid, GridItem, PageSection, TextInput } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../api/auth';
import { fieldError, type DescribedError, describeError } from '../api/errors';
import { updateUser, userKey, useUser } from '../api/iam';
import type { Session, User } from '../api/types';
import { ErrorAlert } from '../components/ErrorAlert';
import { FieldHelp } from '../components/FormModal';
import { Loading } from '../components/Loading';
import { LoginHistory } from '../components/LoginHistory';
import { PageHeader } from '../components/PageHeader';
import { useToast } from '../components/Toast';
import { languages, setLanguage, type Language } from '../i18n';
import { emailPattern } from '../components/format';
import { PasswordForm } from './PasswordForm';

/** ProfileForm edits the user's own display name, e-mail and language. */
function ProfileForm({ user }: { user: User }) {
  const { t } = useTranslation('auth');
  const { t: tc, i18n } = useTranslation('common');
  const client = useQueryClient();
  const toast = useToast();
  const [title, setTitle] = useState(user.spec.displayName ?? '');
  const [email, setEmail] = useState(user.spec.email ?? '');
  const [lang, setLang] = useState(user.spec.lang || i18n.language);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<DescribedError>();
  const [failure, setFailure] = useState<unknown>();
  const emailBad = email !== '' && !emailPattern.test(email);
  const changed = title !== (user.spec.displayName ?? '') || email !== (user.spec.email ?? '') || lang !== (user.spec.lang || i18n.language);
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setFailure(undefined);
    try {
      await updateUser(user.metadata.name, { displayName: title, email, lang });
      if (lang !== i18n.language && languages.some((l) => l.code === lang)) await setLanguage(lang as Language);
      await client.invalidateQueries({ queryKey: userKey(user.metadata.name) });
      // The masthead names the user from the session; say the new name at
      // once (ke-apiserver's answer may lag the change by a moment).
      client.setQueryData<Session>(['session'], (s) => (s ? { ...s, displayName: title, email } : s));
      toast.success(t('Your profile is saved.'));
    } catch (err) {
      setError(describeError(err, tc));
      setFailure(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Form onSubmit={(e) => void save(e)} data-test="profile-form" maxWidth="480px">
      <FormGroup label={t('User name')} fieldId="profile-username">
        <TextInput id="profile-username" value={user.metadata.name} isDisabled data-test="profile-username" />
      </FormGroup>
      <FormGroup label={t('Display name')} fieldId="profile-title">
        <TextInput id="profile-title" value={title} onChange={(_e, v) => setTitle(v)} data-test="profile-title" />
        <FieldHelp rule={t('How the console names you to others.')} error={fieldError(error, 'spec.displayName')} />
      </FormGroup>
      <FormGroup label={t('E-mail')} fieldId="profile-email">
        <TextInput id="profile-email" type="email" value={email} onChange={(_e, v) => setEmail(v)} validated={emailBad || fieldError(error, 'spec.email') ? 'error' : 'default'} data-test="profile-email" />
        <FieldHelp rule={t('You can also log in with it.')} error={fieldError(error, 'spec.email') ?? (emailBad ? tc('Enter an e-mail address such as alice@example.com.') : undefined)} test="profile-email" />
      </FormGroup>
      <FormGroup label={t('Language')} fieldId="profile-lang">
        <FormSelect id="profile-lang" value={lang} onChange={(_e, v) => setLang(v)} data-test="profile-lang">
          {languages.map((l) => (
            <FormSelectOption key={l.code} value={l.code} label={l.label} />
          ))}
        </FormSelect>
      </FormGroup>
      {failure ? <ErrorAlert error={failure} hideFields={['spec.displayName', 'spec.email']} /> : null}
      <ActionGroup>
        <Button type="submit" isLoading={busy} isDisabled={busy || !changed || emailBad} data-test="profile-save">
          {t('Save')}
        </Button>
      </ActionGroup>
    </Form>
  );
}

/** Profile is the user's own page: profile, password and login history. */
export default function Profile() {
  const { t } = useTranslation('auth');
  const toast = useToast();
  const session = useSession();
  const username = session.data?.username;
  const user = useUser(username);
  return (
    <>
      <PageHeader title={t('Profile')} />
      <PageSection>
        <Grid hasGutter>
          <GridItem lg={6}>
            <Card isFullHeight>
              <CardTitle>{t('Your account')}</CardTitle>
              <CardBody>{user.error ? <ErrorAlert error={user.error} onRetry={() => void user.refetch()} /> : user.data ? <ProfileForm key={user.data.metadata.resourceVersion} user={user.data} /> : <Loading />}</CardBody>
            </Card>
          </GridItem>
          <GridItem lg={6}>
            <Card isFullHeight>
              <CardTitle>{t('Change password')}</CardTitle>
              <CardBody>
                <PasswordForm onDone={() => toast.success(t('The password is changed.'), t('Other sessions of yours have ended.'))} />
              </CardBody>
            </Card>
          </GridItem>
          {username && (
            <GridItem span={12}>
              <Card data-test="profile-logins">
                <CardTitle>{t('Your logins')}</CardTitle>
                <CardBody>
                  <LoginHistory username={username} />
                </CardBody>
              </Card>
            </GridItem>
          )}
        </Grid>
      </PageSection>
    </>
  );
}
