import {
  Divider,
  Dropdown,
  DropdownGroup,
  DropdownItem,
  DropdownList,
  Masthead,
  MastheadBrand,
  MastheadContent,
  MastheadLogo,
  MastheadMain,
  MastheadToggle,
  MenuToggle,
  Nav,
  NavItem,
  NavList,
  Page,
  PageSidebar,
  PageSidebarBody,
  PageToggleButton,
  SkipToContent,
  Toolbar,
  ToolbarContent,
  ToolbarGroup,
  ToolbarItem,
} from '@patternfly/react-core';
import BarsIcon from '@patternfly/react-icons/dist/esm/icons/bars-icon';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, NavLink, useMatch, useNavigation } from 'react-router';
import { useLogout } from '../api/auth';
import { hostCluster, useCluster } from '../api/cluster';
import { platformActions, useCan, useDevOpsAccess, useProjectAccess, useWorkspaceAccess } from '../api/access';
import { useDevOpsProject, workspaceLabel as devopsWorkspaceLabel } from '../api/devops';
import { projectKinds } from '../api/kinds';
import { ToastProvider } from '../components/Toast';
import { KubeconfigItem } from './KubeconfigItem';
import { Logo } from './Logo';
import type { Session } from '../api/types';
import { config } from '../config';
import { languages, setLanguage } from '../i18n';
import { applyTheme, initialTheme, type Theme } from '../theme';
import { ProjectPicker } from './ProjectPicker';
import { useProjectWorkspace } from './useProjectWorkspace';
import { kindTitle } from '../pages/project/kindTitles';

function Item({ to, children, test }: { to: string; children: ReactNode; test: string }) {
  const active = !!useMatch({ path: to, end: false });
  return (
    <NavItem isActive={active}>
      <NavLink to={to} data-test={`nav-${test}`}>
        {children}
      </NavLink>
    </NavItem>
  );
}

/**
 * Sidebar is the navigation of the context: the platform, a workspace or a
 * project. It offers only what the user may open, from one access review
 * per context that the pages share.
 */
function Sidebar() {
  const { t } = useTranslation('common');
  const ws = useMatch('/workspaces/:workspace/*')?.params.workspace;
  const ns = useMatch('/projects/:namespace/*')?.params.namespace;
  const dp = useMatch('/devops/:namespace/*')?.params.namespace;
  const cluster = useCluster();
  const projectWs = useProjectWorkspace(ns);
  const project = useProjectAccess(ns);
  const devopsProject = useDevOpsProject(dp);
  const devopsWs = devopsProject.data?.metadata.labels?.[devopsWorkspaceLabel];
  const devopsAccess = useDevOpsAccess(dp);
  const workspace = useWorkspaceAccess(ws ?? projectWs ?? devopsWs);
  const [canNodes, canUsers, canRoles, canQuery, canAudit, canGlobalRules, canClusterRules, canAlerts, canClusterAlerts, canNotification, canReviewApps, canAppRepos, canClusters, canStorage] = useCan(ns || ws || dp ? [] : platformActions);
  if (ns) {
    const base = `/projects/${ns}`;
    return (
      <Nav aria-label={t('Project')}>
        {cluster !== hostCluster && (
          <p className="pf-v6-u-px-lg pf-v6-u-py-sm" data-test="project-cluster">
            {t('On cluster {{name}}', { name: cluster })}
          </p>
        )}
        <NavList>
          {projectWs && workspace.may('projects') ? (
            <Item to={`/workspaces/${projectWs}/projects`} test="back">← {t('Workspace {{name}}', { name: projectWs })}</Item>
          ) : (
            <Item to="/home" test="back">← {t('My workspaces and projects')}</Item>
          )}
          <Item to={`${base}/overview`} test="overview">{t('Overview')}</Item>
          {projectKinds
            .filter((k) => project.may(k))
            .map((k) => (
              <Item key={k} to={`${base}/${k}`} test={k}>
                {t(kindTitle(k))}
              </Item>
            ))}
          {project.may('logs') && <Item to={`${base}/logs`} test="logs">{t('Log search')}</Item>}
          {project.may('event-search') && <Item to={`${base}/events`} test="events">{t('Event search')}</Item>}
          {project.may('alerts') && <Item to={`${base}/alerts`} test="alerts">{t('Alerts')}</Item>}
          {project.may('alert-rules') && <Item to={`${base}/alert-rules`} test="alert-rules">{t('Alert rules')}</Item>}
          {project.may('releases') && <Item to={`${base}/releases`} test="releases">{t('Apps')}</Item>}
          {project.may('volumesnapshots') && <Item to={`${base}/volumesnapshots`} test="volumesnapshots">{t('Volume snapshots')}</Item>}
          {project.may('network-isolation') && <Item to={`${base}/network-isolation`} test="network-isolation">{t('Network isolation')}</Item>}
          {project.may('ingresses') && <Item to={`${base}/routes`} test="routes">{t('Routes')}</Item>}
          {project.may('strategies') && <Item to={`${base}/grayscale`} test="grayscale">{t('Grayscale release')}</Item>}
          {project.may('servicepolicies') && <Item to={`${base}/service-policies`} test="service-policies">{t('Service policies')}</Item>}
          {project.may('topology') && <Item to={`${base}/topology`} test="topology">{t('Traffic topology')}</Item>}
          {project.may('tracing') && <Item to={`${base}/tracing`} test="tracing">{t('Tracing')}</Item>}
          {project.may('quotas') && <Item to={`${base}/quotas`} test="quotas">{t('Quotas')}</Item>}
          {project.may('members') && <Item to={`${base}/members`} test="members">{t('Members')}</Item>}
          {project.may('roles') && <Item to={`${base}/roles`} test="roles">{t('Roles')}</Item>}
        </NavList>
      </Nav>
    );
  }
  if (dp) {
    const base = `/devops/${dp}`;
    return (
      <Nav aria-label={t('DevOps project')}>
        <NavList>
          {devopsWs && workspace.may('devops') ? (
            <Item to={`/workspaces/${devopsWs}/devops`} test="back">← {t('Workspace {{name}}', { name: devopsWs })}</Item>
          ) : (
            <Item to="/home" test="back">← {t('My workspaces and projects')}</Item>
          )}
          {devopsAccess.may('pipelines') && <Item to={`${base}/pipelines`} test="pipelines">{t('Pipelines')}</Item>}
          {devopsAccess.may('credentials') && <Item to={`${base}/credentials`} test="credentials">{t('Credentials')}</Item>}
          {devopsAccess.may('members') && <Item to={`${base}/members`} test="members">{t('Members')}</Item>}
          {devopsAccess.may('roles') && <Item to={`${base}/roles`} test="roles">{t('Roles')}</Item>}
        </NavList>
      </Nav>
    );
  }
  if (ws) {
    const base = `/workspaces/${ws}`;
    return (
      <Nav aria-label={t('Workspace')}>
        <NavList>
          <Item to="/home" test="back">← {t('My workspaces and projects')}</Item>
          <Item to={`${base}/overview`} test="overview">{t('Overview')}</Item>
          {workspace.may('projects') && <Item to={`${base}/projects`} test="projects">{t('Projects')}</Item>}
          {workspace.may('apps') && <Item to={`${base}/apps`} test="app-templates">{t('App templates')}</Item>}
          {workspace.may('app-repositories') && <Item to={`${base}/app-repositories`} test="app-repositories">{t('App repositories')}</Item>}
          {workspace.may('devops') && <Item to={`${base}/devops`} test="devops">{t('DevOps projects')}</Item>}
          {workspace.may('members') && <Item to={`${base}/members`} test="members">{t('Members')}</Item>}
          {workspace.may('quotas') && <Item to={`${base}/quotas`} test="quotas">{t('Quotas')}</Item>}
          {workspace.may('projects') && <Item to={`${base}/gateways`} test="gateways">{t('Gateways')}</Item>}
          {workspace.may('roles') && <Item to={`${base}/roles`} test="roles">{t('Roles')}</Item>}
          {workspace.may('auditing') && <Item to={`${base}/auditing`} test="auditing">{t('Audit search')}</Item>}
        </NavList>
      </Nav>
    );
  }
  return (
    <Nav aria-label={t('Platform')}>
      <NavList>
        {canNodes && <Item to="/platform/overview" test="cluster">{t('Cluster overview')}</Item>}
        {canClusters && <Item to="/platform/clusters" test="clusters">{t('Clusters')}</Item>}
        {canNodes && <Item to="/platform/nodes" test="nodes">{t('Nodes')}</Item>}
        {canNodes && <Item to="/platform/components" test="components">{t('Components')}</Item>}
        {canStorage && <Item to="/platform/storage-classes" test="storage-classes">{t('Storage classes')}</Item>}
        {canQuery && <Item to="/platform/query" test="query">{t('PromQL query')}</Item>}
        <Item to="/home" test="home">{t('My workspaces and projects')}</Item>
        <Item to="/apps" test="app-store">{t('App store')}</Item>
        {canReviewApps && <Item to="/platform/app-reviews" test="app-reviews">{t('App reviews')}</Item>}
        {canAppRepos && <Item to="/platform/app-repositories" test="app-repositories">{t('App repositories')}</Item>}
        <Item to="/platform/logs" test="logs">{t('Log search')}</Item>
        <Item to="/platform/events" test="events">{t('Event search')}</Item>
        {canAudit && <Item to="/platform/auditing" test="auditing">{t('Audit search')}</Item>}
        {(canAlerts || canClusterAlerts) && <Item to="/platform/alerts" test="alerts">{t('Alerts')}</Item>}
        {(canGlobalRules || canClusterRules) && <Item to="/platform/alert-rules" test="alert-rules">{t('Alert rules')}</Item>}
        {canNotification && <Item to="/platform/notification" test="notification">{t('Notification')}</Item>}
        <Item to="/platform/workspaces" test="workspaces">{t('Workspaces')}</Item>
        {canUsers && <Item to="/platform/users" test="users">{t('Users')}</Item>}
        {canRoles && <Item to="/platform/roles" test="platform-roles">{t('Platform roles')}</Item>}
      </NavList>
    </Nav>
  );
}

function UserMenu({ session }: { session: Session }) {
  const { t, i18n } = useTranslation('common');
  const [open, setOpen] = useState(false);
  const [theme, setTheme] = useState<Theme>(initialTheme());
  const logout = useLogout();
  return (
    <Dropdown
      isOpen={open}
      onOpenChange={setOpen}
      onSelect={() => setOpen(false)}
      popperProps={{ position: 'right' }}
      toggle={(ref) => (
        <MenuToggle ref={ref} onClick={() => setOpen(!open)} isExpanded={open} variant="plainText" data-test="user-menu">
          {session.displayName || session.username}
        </MenuToggle>
      )}
    >
      <DropdownList>
        <DropdownItem component={(p) => <Link {...p} to="/profile" />} data-test="menu-profile">
          {t('Profile and password')}
        </DropdownItem>
        <DropdownItem component={(p) => <Link {...p} to="/profile/notifications" />} data-test="menu-notifications">
          {t('My notifications')}
        </DropdownItem>
        <KubeconfigItem username={session.username} />
      </DropdownList>
      <Divider />
      <DropdownGroup label={t('Language')}>
        <DropdownList>
          {languages.map((l) => (
            <DropdownItem key={l.code} onClick={() => void setLanguage(l.code)} isSelected={i18n.language === l.code} data-test={`lang-${l.code}`} lang={l.code}>
              {l.label}
            </DropdownItem>
          ))}
        </DropdownList>
      </DropdownGroup>
      <Divider />
      <DropdownList>
        <DropdownItem
          onClick={() => {
            const next = theme === 'dark' ? 'light' : 'dark';
            applyTheme(next);
            setTheme(next);
          }}
          data-test="menu-theme"
        >
          {theme === 'dark' ? t('Light theme') : t('Dark theme')}
        </DropdownItem>
        <DropdownItem onClick={() => void logout()} data-test="menu-logout">
          {t('Log out')}
        </DropdownItem>
      </DropdownList>
    </Dropdown>
  );
}

export function AppLayout({ session, children }: { session: Session; children: ReactNode }) {
  const { t } = useTranslation('common');
  const masthead = (
    <Masthead>
      <MastheadMain>
        <MastheadToggle>
          <PageToggleButton isHamburgerButton aria-label={t('Navigation')}>
            <BarsIcon />
          </PageToggleButton>
        </MastheadToggle>
        <MastheadBrand>
          <MastheadLogo component={(p) => <Link {...p} to="/" className="ke-brand" data-test="brand" aria-label={config.title} />}>
            <Logo />
            <span className="ke-brand-name">{config.title}</span>
          </MastheadLogo>
        </MastheadBrand>
      </MastheadMain>
      <MastheadContent>
        <Toolbar isFullHeight>
          <ToolbarContent>
            <ToolbarGroup>
              <ToolbarItem>
                <ProjectPicker />
              </ToolbarItem>
            </ToolbarGroup>
            <ToolbarGroup align={{ default: 'alignEnd' }}>
              <ToolbarItem>
                <UserMenu session={session} />
              </ToolbarItem>
            </ToolbarGroup>
          </ToolbarContent>
        </Toolbar>
      </MastheadContent>
    </Masthead>
  );
  const sidebar = (
    <PageSidebar>
      <PageSidebarBody>
        <Sidebar />
      </PageSidebarBody>
    </PageSidebar>
  );
  return (
    <Page
      masthead={masthead}
      sidebar={sidebar}
      isManagedSidebar
      mainContainerId="main"
      skipToContent={<SkipToContent href="#main">{t('Skip to content')}</SkipToContent>}
    >
      <ToastProvider>
        <NavigationProgress />
        {children}
      </ToastProvider>
    </Page>
  );
}

/** NavigationProgress is a thin bar at the top while the next screen's code loads (the current screen stays until then). */
function NavigationProgress() {
  const { t } = useTranslation('common');
  const loading = useNavigation().state !== 'idle';
  return loading ? <div className="ke-nav-progress" role="progressbar" aria-label={t('Loading')} data-test="navigation-progress" /> : null;
}
