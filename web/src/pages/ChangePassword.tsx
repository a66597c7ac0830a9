import { LoginPage } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate } from 'react-router';
import { useSession } from '../api/auth';
import { Loading } from '../components/Loading';
import { PasswordForm } from './PasswordForm';
import { config } from '../config';
import { logoURL } from '../layout/Logo';

/** ChangePassword is the form a user flagged to change the initial password sees first. */
export default function ChangePassword() {
  const { t } = useTranslation('auth');
  const navigate = useNavigate();
  const session = useSession();
  if (session.isLoading) return <Loading />;
  if (!session.data) return <Navigate to="/login" replace />;
  return (
    <LoginPage loginTitle={t('Change your password')} loginSubtitle={t('Set a password of your own before you go on.')} brandImgSrc={logoURL} brandImgAlt={config.title}>
      <PasswordForm onDone={() => void navigate('/', { replace: true })} />
    </LoginPage>
  );
}
