import { PageSection, Tab, TabTitleText, Tabs } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { useAccess, type Action } from '../../api/access';
import { useSession } from '../../api/auth';
import type { Owner } from '../../api/notification';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { Channels } from './Channels';
import { Deliveries, NotificationSilences, Receivers, Routers } from './Objects';

const group = 'notification.superkube.io';

/** What the platform's notification settings ask (internal/iam/builtin's notification templates). */
export const notificationActions: Action[] = [
  { verb: 'list', group, resource: 'configs' },
  { verb: 'list', group, resource: 'receivers' },
  { verb: 'list', group, resource: 'routers' },
  { verb: 'list', group, resource: 'silences' },
  { verb: 'list', group, resource: 'deliveries' },
  { verb: 'create', group, resource: 'configs' },
];

type Section = 'channels' | 'receivers' | 'routers' | 'silences' | 'deliveries';

/** SettingsTabs are the sections of someone's notification settings, those that may be read. */
function SettingsTabs({ owner, sections, canEdit }: { owner: Owner; sections: Section[]; canEdit: boolean }) {
  const { t } = useTranslation('notification');
  const [search, setSearch] = useSearchParams();
  const wanted = search.get('tab') as Section | null;
  const tab = wanted && sections.includes(wanted) ? wanted : sections[0];
  const titles: Record<Section, string> = {
    channels: t('Channels'),
    receivers: t('Receivers'),
    routers: t('Routers'),
    silences: t('Silences'),
    deliveries: t('Delivery log'),
  };
  const body = (s: Section) => {
    switch (s) {
      case 'channels':
        return <Channels owner={owner} canEdit={canEdit} />;
      case 'receivers':
        return <Receivers owner={owner} canEdit={canEdit} />;
      case 'routers':
        return <Routers owner={owner} canEdit={canEdit} />;
      case 'silences':
        return <NotificationSilences owner={owner} canEdit={canEdit} />;
      case 'deliveries':
        return <Deliveries owner={owner} />;
    }
  };
  return (
    <Tabs activeKey={tab} onSelect={(_e, k) => setSearch(k === sections[0] ? {} : { tab: String(k) }, { replace: true })} mountOnEnter unmountOnExit aria-label={t('Sections')}>
      {sections.map((s) => (
        <Tab key={s} eventKey={s} title={<TabTitleText>{titles[s]}</TabTitleText>} data-test={`tab-${s}`}>
          {body(s)}
        </Tab>
      ))}
    </Tabs>
  );
}

/**
 * PlatformNotification is the platform's notification settings: channels,
 * receivers, routers, silences and the delivery log, each as the caller's
 * roles allow.
 */
export function PlatformNotification() {
  const { t } = useTranslation('notification');
  const access = useAccess(notificationActions);
  const all: Section[] = ['channels', 'receivers', 'routers', 'silences', 'deliveries'];
  const sections = all.filter((_s, i) => access.allowed[i]);
  if (!access.loaded) return <Loading />;
  if (sections.length === 0) return <NoAccess />;
  return (
    <>
      <PageHeader title={t('Notification')} />
      <PageSection>
        <SettingsTabs owner={{ level: 'platform' }} sections={sections} canEdit={access.allowed[5]} />
      </PageSection>
    </>
  );
}

/** MyNotifications is a user's own channels, receivers and silences, and what was sent to them. */
export function MyNotifications() {
  const { t } = useTranslation('notification');
  const session = useSession();
  if (!session.data) return <Loading />;
  return (
    <>
      <PageHeader title={t('My notifications')} crumbs={[{ title: t('Profile'), to: '/profile' }, { title: t('My notifications') }]}>
        <p>{t('Alerts of the projects you may see reach your own receivers; these settings are yours alone.')}</p>
      </PageHeader>
      <PageSection>
        <SettingsTabs owner={{ level: 'user', user: session.data.username }} sections={['channels', 'receivers', 'silences', 'deliveries']} canEdit />
      </PageSection>
    </>
  );
}
