import { Breadcrumb, BreadcrumbItem, Flex, FlexItem, PageSection, Title } from '@patternfly/react-core';
import type { ReactNode } from 'react';
import { Link } from 'react-router';

export interface Crumb {
  title: string;
  to?: string;
}

/** PageHeader is a page's breadcrumb, title and actions. */
export function PageHeader({ title, crumbs, actions, children }: { title: ReactNode; crumbs?: Crumb[]; actions?: ReactNode; children?: ReactNode }) {
  return (
    <PageSection>
      {crumbs && crumbs.length > 0 && (
        <Breadcrumb>
          {crumbs.map((c, i) => (
            <BreadcrumbItem key={i} isActive={!c.to} render={c.to ? ({ className }) => <Link className={className} to={c.to!}>{c.title}</Link> : undefined}>
              {c.to ? undefined : c.title}
            </BreadcrumbItem>
          ))}
        </Breadcrumb>
      )}
      <Flex justifyContent={{ default: 'justifyContentSpaceBetween' }} alignItems={{ default: 'alignItemsCenter' }}>
        <FlexItem>
          <Title headingLevel="h1" data-test="page-title">
            {title}
          </Title>
        </FlexItem>
        {actions && <FlexItem>{actions}</FlexItem>}
      </Flex>
      {children}
    </PageSection>
  );
}
