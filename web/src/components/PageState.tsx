import { Button, EmptyState, EmptyStateActions, EmptyStateBody, EmptyStateFooter, PageSection } from '@patternfly/react-core';
import LockIcon from '@patternfly/react-icons/dist/esm/icons/lock-icon';
import SearchIcon from '@patternfly/react-icons/dist/esm/icons/search-icon';
import type { ComponentType } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { isForbidden, isNotFound } from '../api/errors';
import { ErrorAlert } from './ErrorAlert';

/** StatePage is a page that says why there is nothing to show, with a way back to the start. */
function StatePage({ title, icon, detail, test }: { title: string; icon: ComponentType; detail: string; test: string }) {
  const { t } = useTranslation('common');
  return (
    <PageSection>
      <EmptyState titleText={title} headingLevel="h1" icon={icon} data-test={test}>
        <EmptyStateBody>{detail}</EmptyStateBody>
        <EmptyStateFooter>
          <EmptyStateActions>
            <Button variant="primary" component={(p) => <Link {...p} to="/" />}>
              {t('Go to the start page')}
            </Button>
          </EmptyStateActions>
        </EmptyStateFooter>
      </EmptyState>
    </PageSection>
  );
}

/** NoAccess is the page shown where the user's roles do not reach. */
export function NoAccess({ detail }: { detail?: string }) {
  const { t } = useTranslation('common');
  return (
    <StatePage
      title={t('No access')}
      icon={LockIcon}
      test="no-access"
      detail={detail ?? t('Your roles do not allow you to see this page. Ask an administrator of the workspace or project for a role that does.')}
    />
  );
}

/** NotFound is the page of an address that names nothing. */
export function NotFound({ detail }: { detail?: string }) {
  const { t } = useTranslation('common');
  return <StatePage title={t('Not found')} icon={SearchIcon} test="not-found" detail={detail ?? t('There is no page at this address, or what it showed was deleted.')} />;
}

/**
 * PageError is what a page shows when what it is about could not be read:
 * the no-access page for a refusal, the not-found page for a 404, and
 * otherwise the error with a retry.
 */
export function PageError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (isForbidden(error)) return <NoAccess />;
  if (isNotFound(error)) return <NotFound />;
  return (
    <PageSection>
      <ErrorAlert error={error} onRetry={onRetry} />
    </PageSection>
  );
}
