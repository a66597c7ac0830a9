import type { TFunction } from 'i18next';
import { formatBytes, formatCount, type ResourceUnit } from '../../api/quantity';
import { formatValue } from '../../components/monitoring/units';
import type { QuantityProblem } from './quotaForm';

// The words of a quota, shared by the project's and the workspace's Quotas
// pages: a resource's name, a value in its unit, a field's rule and what is
// wrong with it.

const titles: Record<string, (t: TFunction) => string> = {
  cpu: (t) => t('CPU requests'),
  'requests.cpu': (t) => t('CPU requests'),
  'limits.cpu': (t) => t('CPU limits'),
  memory: (t) => t('Memory requests'),
  'requests.memory': (t) => t('Memory requests'),
  'limits.memory': (t) => t('Memory limits'),
  'requests.storage': (t) => t('Storage requests'),
  'ephemeral-storage': (t) => t('Ephemeral storage requests'),
  'requests.ephemeral-storage': (t) => t('Ephemeral storage requests'),
  'limits.ephemeral-storage': (t) => t('Ephemeral storage limits'),
  persistentvolumeclaims: (t) => t('Persistent volume claims'),
  'count/persistentvolumeclaims': (t) => t('Persistent volume claims'),
  pods: (t) => t('Pods'),
  'count/pods': (t) => t('Pods'),
  services: (t) => t('Services'),
  'count/services': (t) => t('Services'),
  configmaps: (t) => t('ConfigMaps'),
  'count/configmaps': (t) => t('ConfigMaps'),
  secrets: (t) => t('Secrets'),
  'count/secrets': (t) => t('Secrets'),
  'count/deployments.apps': (t) => t('Deployments'),
  'count/statefulsets.apps': (t) => t('StatefulSets'),
  'count/daemonsets.apps': (t) => t('DaemonSets'),
  'count/replicasets.apps': (t) => t('ReplicaSets'),
  'count/jobs.batch': (t) => t('Jobs'),
  'count/cronjobs.batch': (t) => t('CronJobs'),
  'count/ingresses.networking.k8s.io': (t) => t('Ingresses'),
};

/** resourceTitle names a quota's resource in the user's words (cpu, as Kubernetes counts it, is the CPU requests); one the console does not know by its name. */
export function resourceTitle(resource: string, t: TFunction): string {
  return titles[resource]?.(t) ?? resource;
}

/** show formats a value of a unit: cores as cores or millicores, bytes with the suffixes typed (Mi, Gi), counts as numbers. */
export function show(v: number | null, unit: ResourceUnit, t: TFunction, lang: string, decimal = false): string {
  if (v === null || !Number.isFinite(v)) return '–';
  if (unit === 'cores') return formatValue(v, 'cores', t, lang);
  if (unit === 'bytes') return formatBytes(v, lang, decimal ? 'DecimalSI' : 'BinarySI');
  return formatCount(v, lang);
}

/** The rule of a quota or limit field, said before anything is typed. */
export function unitRule(unit: ResourceUnit, t: TFunction): string {
  if (unit === 'cores') return t('Cores, such as 2 or 500m (millicores). Empty: no limit.');
  if (unit === 'bytes') return t('An amount with a suffix, such as 512Mi or 100Gi. Empty: no limit.');
  return t('A whole number. Empty: no limit.');
}

export function quantityMessage(p: QuantityProblem, unit: ResourceUnit, t: TFunction): string {
  if (p === 'negative') return t('Must not be negative.');
  if (p === 'integer' || unit === 'count') return t('Enter a whole number, such as 10.');
  return unit === 'cores' ? t('Enter cores, such as 2 or 500m.') : t('Enter an amount such as 512Mi or 4Gi.');
}
