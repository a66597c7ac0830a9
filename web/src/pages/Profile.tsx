import { Card, CardBody, CardTitle, DescriptionList, DescriptionListDescription, DescriptionListGroup, DescriptionListTerm, Alert, PageSection, Stack } from '@patternfly/react-core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../api/auth';
import { PageHeader } from '../components/PageHeader';
import { PasswordForm } from './PasswordForm';

export default function Profile() {
  const { t } = useTranslation('auth');
  const session = useSession();
  const [done, setDone] = useState(false);
  const s = session.data;
  return (
    <>
      <PageHeader title={t('Profile')} />
      <PageSection>
        <Stack hasGutter>
          <Card>
            <CardTitle>{t('Your account')}</CardTitle>
            <CardBody>
              <DescriptionList isHorizontal>
                <DescriptionListGroup>
                  <DescriptionListTerm>{t('User name')}</DescriptionListTerm>
                  <DescriptionListDescription data-test="profile-username">{s?.username}</DescriptionListDescription>
                </DescriptionListGroup>
                <DescriptionListGroup>
                  <DescriptionListTerm>{t('E-mail')}</DescriptionListTerm>
                  <DescriptionListDescription>{s?.email || '-'}</DescriptionListDescription>
                </DescriptionListGroup>
                <DescriptionListGroup>
                  <DescriptionListTerm>{t('Groups')}</DescriptionListTerm>
                  <DescriptionListDescription>{s?.groups?.join(', ') || '-'}</DescriptionListDescription>
                </DescriptionListGroup>
              </DescriptionList>
            </CardBody>
          </Card>
          <Card>
            <CardTitle>{t('Change password')}</CardTitle>
            <CardBody>
              {done && <Alert variant="success" isInline title={t('The password is changed.')} data-test="password-changed" />}
              <PasswordForm onDone={() => setDone(true)} />
            </CardBody>
          </Card>
        </Stack>
      </PageSection>
    </>
  );
}
