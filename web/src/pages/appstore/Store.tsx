import {
  Bullseye,
  Card,
  CardBody,
  CardFooter,
  CardHeader,
  CardTitle,
  EmptyState,
  EmptyStateBody,
  Flex,
  FlexItem,
  Gallery,
  PageSection,
  Pagination,
  SearchInput,
  Spinner,
  ToggleGroup,
  ToggleGroupItem,
  Toolbar,
  ToolbarContent,
  ToolbarItem,
} from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { appTitle, categoryTitle, useCategories, useStoreApps, type Application } from '../../api/appstore';
import { ErrorAlert } from '../../components/ErrorAlert';
import { PageHeader } from '../../components/PageHeader';
import { useDebounced } from '../../components/useDebounced';
import { AppIcon } from './parts';
import { appPage } from './paths';

const perPage = 24;

/**
 * Store is the app store: the active apps every logged-in user may
 * install, searched by name and narrowed to a category; the search and
 * category live in the address, so that a search can be linked to.
 */
export default function Store() {
  const { t, i18n } = useTranslation('appstore');
  const [search, setSearch] = useSearchParams();
  const text = search.get('q') ?? '';
  const category = search.get('category') ?? '';
  const page = Number(search.get('page') ?? '1') || 1;
  // A project's "Install from the app store" names the project, for the deploy wizard.
  const namespace = search.get('namespace') ?? '';
  const name = useDebounced(text);
  const categories = useCategories();
  const apps = useStoreApps({ name: name || undefined, category: category || undefined, page, limit: perPage, sortBy: 'name', ascending: true });
  const update = (k: string, v: string) => {
    const next = new URLSearchParams(search);
    if (v) next.set(k, v);
    else next.delete(k);
    if (k !== 'page') next.delete('page');
    setSearch(next, { replace: true });
  };
  const items = apps.data?.items ?? [];
  return (
    <>
      <PageHeader title={t('App store')}>
        <p>{t('Apps packaged as Helm charts, reviewed before they are published. Open one to read about it and install it into a project.')}</p>
      </PageHeader>
      <PageSection>
        <Toolbar>
          <ToolbarContent>
            <ToolbarItem>
              <SearchInput aria-label={t('Search apps')} placeholder={t('Search apps')} value={text} onChange={(_e, v) => update('q', v)} onClear={() => update('q', '')} data-test="store-search" />
            </ToolbarItem>
            {(categories.data?.length ?? 0) > 0 && (
              <ToolbarItem>
                <ToggleGroup aria-label={t('Categories')} data-test="store-categories">
                  <ToggleGroupItem text={t('All')} buttonId="category-all" isSelected={!category} onChange={() => update('category', '')} data-test="category-all" />
                  {categories.data!.map((c) => (
                    <ToggleGroupItem
                      key={c.metadata.name}
                      text={`${categoryTitle(c, i18n.language)}${c.status?.applications !== undefined ? ` (${c.status.applications})` : ''}`}
                      buttonId={`category-${c.metadata.name}`}
                      isSelected={category === c.metadata.name}
                      onChange={() => update('category', c.metadata.name)}
                      data-test={`category-${c.metadata.name}`}
                    />
                  ))}
                </ToggleGroup>
              </ToolbarItem>
            )}
            <ToolbarItem variant="pagination" align={{ default: 'alignEnd' }}>
              {apps.data && (
                <Pagination
                  itemCount={apps.data.totalItems}
                  page={page}
                  perPage={perPage}
                  perPageOptions={[{ title: String(perPage), value: perPage }]}
                  onSetPage={(_e, p) => update('page', p === 1 ? '' : String(p))}
                  isCompact
                  titles={{ paginationAriaLabel: t('Pagination') }}
                  data-test="pagination"
                />
              )}
            </ToolbarItem>
          </ToolbarContent>
        </Toolbar>
        {apps.error ? <ErrorAlert error={apps.error} onRetry={() => void apps.refetch()} /> : null}
        {apps.isLoading && (
          <Bullseye>
            <Spinner size="lg" aria-label={t('Loading')} />
          </Bullseye>
        )}
        {apps.data && items.length === 0 && (
          <EmptyState titleText={name || category ? t('No apps match') : t('The store is empty')} headingLevel="h2" data-test="empty">
            <EmptyStateBody>{name || category ? t('Try another name or category.') : t('Apps appear here once a repository is synced or an uploaded app is released to the store.')}</EmptyStateBody>
          </EmptyState>
        )}
        <Gallery hasGutter minWidths={{ default: '100%', md: '280px' }} data-test="store-apps">
          {items.map((a) => (
            <AppCard key={a.metadata.name} app={a} namespace={namespace} />
          ))}
        </Gallery>
      </PageSection>
    </>
  );
}

function AppCard({ app, namespace }: { app: Application; namespace: string }) {
  const { t } = useTranslation('appstore');
  return (
    <Card isCompact isFullHeight data-test={`app-${app.metadata.name}`}>
      <CardHeader>
        <Flex alignItems={{ default: 'alignItemsCenter' }} flexWrap={{ default: 'nowrap' }}>
          <FlexItem>
            <AppIcon icon={app.spec.icon} size={40} />
          </FlexItem>
          <FlexItem>
            <CardTitle>
              <Link to={appPage(app.metadata.name) + (namespace ? `?namespace=${encodeURIComponent(namespace)}` : '')} data-test="app-link">
                {appTitle(app)}
              </Link>
            </CardTitle>
          </FlexItem>
        </Flex>
      </CardHeader>
      <CardBody className="ke-clamp-3">{app.spec.description}</CardBody>
      <CardFooter>
        <small>{app.status?.latestActiveVersion ? t('Version {{version}}', { version: app.status.latestActiveVersion }) : null}</small>
      </CardFooter>
    </Card>
  );
}
