import { ActionGroup, Alert, Button, Form, FormGroup, LoginPage, TextInput } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate, useSearchParams } from 'react-router';
import { login, providerLoginURL, useIdentityProviders, useSession } from '../api/auth';
import { ApiError } from '../api/client';
import { config } from '../config';
import { Loading } from '../components/Loading';
import { PasswordInput } from '../components/PasswordInput';
import { LanguageSwitch } from './LanguageSwitch';
import { logoURL } from '../layout/Logo';

/** afterLogin is where a login goes on: the page that sent the user here, or the start page. */
function afterLogin(state: unknown): string {
  const from = (state as { from?: string } | null)?.from;
  return from && !from.startsWith('/login') && !from.startsWith('/password') ? from : '/';
}

export default function Login() {
  const { t } = useTranslation('auth');
  const navigate = useNavigate();
  const loc = useLocation();
  const [params] = useSearchParams();
  const client = useQueryClient();
  const session = useSession();
  const providers = useIdentityProviders();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(params.get('error') ? t('Logging in with the identity provider failed.') : '');
  const [busy, setBusy] = useState(false);

  // Someone already logged in has nothing to do here.
  if (session.isLoading) return <Loading />;
  if (session.data && !busy) return <Navigate to={session.data.passwordChangeRequired ? '/password' : afterLogin(loc.state)} replace />;

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const s = await login(username, password);
      client.setQueryData(['session'], s);
      void navigate(s.passwordChangeRequired ? '/password' : afterLogin(loc.state), { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.code === 429)
        setError(err.retryAfter ? t('Too many attempts. Wait {{seconds}} seconds and try again.', { seconds: err.retryAfter }) : t('Too many attempts. Wait a moment and try again.'));
      else if (err instanceof ApiError && err.code === 401) setError(t('The user name or password is wrong.'));
      else if (err instanceof ApiError && err.code === 503) setError(t('The platform cannot be reached right now. Try again in a moment.'));
      else if (err instanceof ApiError) setError(t('Logging in failed. Try again.'));
      else setError(t('The console cannot reach the server. Check your network connection.'));
    } finally {
      setBusy(false);
      setPassword('');
    }
  };

  return (
    <LoginPage loginTitle={t('Log in to {{title}}', { title: config.title })} brandImgSrc={logoURL} brandImgAlt={config.title} textContent={t('A multi-tenant container platform for Kubernetes.')}>
      <Form onSubmit={(e) => void submit(e)} data-test="login-form">
        {error && <Alert variant="danger" isInline title={error} data-test="login-error" />}
        <FormGroup label={t('User name or e-mail')} isRequired fieldId="username">
          <TextInput id="username" name="username" autoComplete="username" value={username} onChange={(_e, v) => setUsername(v)} isRequired data-test="username" autoFocus />
        </FormGroup>
        <FormGroup label={t('Password')} isRequired fieldId="password">
          <PasswordInput id="password" autoComplete="current-password" value={password} onChange={setPassword} isRequired test="password" />
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
