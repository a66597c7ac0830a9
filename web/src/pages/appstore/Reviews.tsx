import { PageSection } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAccess } from '../../api/access';
import { appWorkspace, group, useReviews, type ApplicationVersion, type VersionAction } from '../../api/appstore';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { Time } from '../../components/Time';
import { useToast } from '../../components/Toast';
import { useActionTitles, VersionActionModal } from './parts';
import { appPage } from './paths';

/** submittedBy is the last submission of a version: who sent it for review, and when. */
export function submittedBy(v: ApplicationVersion) {
  return [...(v.spec.reviews ?? [])].reverse().find((r) => r.to === 'submitted');
}

/**
 * Reviews is the app reviewers' queue: the versions submitted for review,
 * oldest first, each approved or rejected (with a reason) from its row or
 * from the app's page, where its README and values can be read first.
 */
export default function Reviews() {
  const { t } = useTranslation('appstore');
  const toast = useToast();
  const client = useQueryClient();
  const titles = useActionTitles();
  const access = useAccess([{ verb: 'review', group, resource: 'applicationversions' }]);
  const table = useTableState({ defaultSortBy: 'createTime', defaultAscending: true });
  const reviews = useReviews(table.params, access.allowed[0]);
  const [acting, setActing] = useState<{ version: ApplicationVersion; action: VersionAction }>();
  if (!access.loaded) return <Loading />;
  if (!access.allowed[0]) return <NoAccess />;
  return (
    <>
      <PageHeader title={t('App reviews')}>
        <p>{t('Versions submitted for review. Read an app’s README and default values on its page, then approve it or say why it is rejected.')}</p>
      </PageHeader>
      <PageSection>
        <ResourceTable<ApplicationVersion>
          id="reviews"
          ariaLabel={t('App reviews')}
          table={table}
          query={reviews}
          link={(v) => appPage(v.spec.application, undefined, v.metadata.name)}
          columns={[
            { title: t('App'), render: (v) => v.spec.application },
            { title: t('Version'), render: (v) => v.spec.version },
            { title: t('Workspace'), render: (v) => appWorkspace(v) ?? t('Platform') },
            { title: t('Submitted by'), render: (v) => submittedBy(v)?.user ?? '' },
            { title: t('Submitted'), sortKey: 'createTime', render: (v) => <Time ts={submittedBy(v)?.time ?? v.metadata.creationTimestamp} /> },
          ]}
          actions={() => [
            { title: titles.pass, onClick: (v: ApplicationVersion) => setActing({ version: v, action: 'pass' }) },
            { title: titles.reject, isDanger: true, onClick: (v: ApplicationVersion) => setActing({ version: v, action: 'reject' }) },
          ]}
          emptyTitle={t('Nothing to review')}
          emptyText={t('Versions that developers submit for review appear here.')}
        />
      </PageSection>
      {acting && (
        <VersionActionModal
          version={acting.version}
          action={acting.action}
          onDone={(v) => {
            void client.invalidateQueries({ queryKey: ['appstore'] });
            toast.success(t('{{app}} {{version}}: {{action}} done.', { app: v.spec.application, version: v.spec.version, action: titles[acting.action] }));
          }}
          onClose={() => setActing(undefined)}
        />
      )}
    </>
  );
}
