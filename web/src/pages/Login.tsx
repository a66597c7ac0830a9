import { ActionGroup, Alert, Button, Form, FormGroup, LoginPage, TextInput } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation, useNavigate, useSearchParams } from 'react-router';
import { login, providerLoginURL, useIdentityProviders } from '../api/auth';
import { ApiError } from '../api/client';
import { config } from '../config';
import { LanguageSwitch } from './LanguageSwitch';

export default function Login() {
  const { t } = useTranslation('auth');
  const navigate = useNavigate();
  const loc = useLocation();
  const [params] = useSearchParams();
  const client = useQueryClient();
  const providers = useIdentityProviders();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(params.get('error') ? t('Logging in with the identity provider failed.') : '');
  const [busy, setBusy] = useState(false);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const s = await login(username, password);
      client.setQueryData(['session'], s);
      const from = (loc.state as { from?: string } | null)?.from;
      navigate(s.passwordChangeRequired ? '/password' : from && from !== '/login' ? from : '/', { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 429) setError(t('Too many attempts. Wait a moment and try again.'));
      else if (err instanceof ApiError && err.code === 401) setError(t('The user name or password is wrong.'));
      else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
      setPassword('');
    }
  };

  return (
    <LoginPage loginTitle={t('Log in to {{title}}', { title: config.title })} brandImgSrc="./favicon.svg" brandImgAlt="" textContent={t('A multi-tenant container platform for Kubernetes.')}>
      <Form onSubmit={submit} data-test="login-form">
        {error && <Alert variant="danger" isInline title={error} data-test="login-error" />}
        <FormGroup label={t('User name or e-mail')} isRequired fieldId="username">
          <TextInput id="username" name="username" autoComplete="username" value={username} onChange={(_e, v) => setUsername(v)} isRequired data-test="username" autoFocus />
        </FormGroup>
        <FormGroup label={t('Password')} isRequired fieldId="password">
          <TextInput id="password" name="password" type="password" autoComplete="current-password" value={password} onChange={(_e, v) => setPassword(v)} isRequired data-test="password" />
        </FormGroup>
        <ActionGroup>
          <Button type="submit" variant="primary" isBlock isLoading={busy} isDisabled={busy || !username || !password} data-test="login">
            {t('Log in')}
          </Button>
        </ActionGroup>
        {(providers.data?.items ?? []).map((p) => (
          <Button key={p.name} component="a" href={providerLoginURL(p.name)} variant="secondary" isBlock data-test={`idp-${p.name}`}>
            {t('Log in with {{name}}', { name: p.name })}
          </Button>
        ))}
        <LanguageSwitch />
      </Form>
    </LoginPage>
  );
}
