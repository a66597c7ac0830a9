import type { AlertPlace } from '../../api/alerting';

/** rulesBase is the console's address of a level's rule groups (a group's page is below it). */
export function rulesBase(p: AlertPlace): string {
  return p.level === 'project' ? `/projects/${p.namespace}/alert-rules` : `/platform/alert-rules/${p.level}`;
}

/** rulesList is the page that lists a level's rule groups. */
export function rulesList(p: AlertPlace): string {
  if (p.level === 'project') return rulesBase(p);
  return p.level === 'cluster' ? '/platform/alert-rules?level=cluster' : '/platform/alert-rules';
}

/** alertsPage is the page of a level's alerts. */
export function alertsPage(p: AlertPlace): string {
  return p.level === 'project' ? `/projects/${p.namespace}/alerts` : '/platform/alerts';
}
