import type { TFunction } from 'i18next';
import { ApiError, NetworkError, type Status } from './client';

// describeError turns what a request failed with into words for the user,
// in the user's language: a title that says what happened, a sentence that
// says what to do, and for invalid input a message per field. The server's
// own text (English, technical) is kept apart as a detail, never as the
// message.

export type ErrorKind = 'network' | 'unauthorized' | 'forbidden' | 'notfound' | 'conflict' | 'invalid' | 'ratelimited' | 'unavailable' | 'server' | 'client';

export interface DescribedError {
  kind: ErrorKind;
  title: string;
  /** what happened and what to do, translated */
  detail: string;
  /** translated messages by the field path the server named (spec.email, metadata.name ...) */
  fields: Record<string, string[]>;
  /** the server's own message, for a "details" disclosure */
  serverMessage?: string;
  /** seconds to wait before trying again */
  retryAfter?: number;
  /** whether trying the same request again may work */
  retryable: boolean;
}

type Cause = NonNullable<NonNullable<Status['details']>['causes']>[number];

/** causeMessage translates one cause of an invalid request. */
export function causeMessage(c: Cause, t: TFunction): string {
  const field = c.field ?? '';
  const msg = c.message ?? '';
  const last = field.split('.').pop() ?? field;
  const prefix = /must start with "([^"]+)"/.exec(msg)?.[1];
  if (prefix) return t('The name must start with {{prefix}}.', { prefix });
  if (/8 to 72 bytes/.test(msg)) return t('Use 8 to 72 characters.');
  if (/at least three of/.test(msg)) return t('Mix at least three of lower-case letters, upper-case letters, digits and other characters.');
  if (/must not contain the user name/.test(msg)) return t('The password must not contain the user name.');
  if (/is not the current password/.test(msg)) return t('This is not your current password.');
  if (/must differ from the current password/.test(msg)) return t('The new password must differ from the current one.');
  // A workspace quota's limits (the CRD's rule on spec.hard of quota.superkube.io ResourceQuota).
  if (/ephemeral-storage and the counts of .* can be limited/.test(msg))
    return t('Only CPU, memory, storage, ephemeral storage and the counts of pods, claims, services, ConfigMaps, Secrets, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs and Ingresses can be limited.');
  // The storage API (docs/storage.md): a snapshot of a claim whose class cannot snapshot, expansion, restore.
  const noSnapshot = /cannot snapshot: no VolumeSnapshotClass has its provisioner "([^"]*)"/.exec(msg)?.[1];
  if (noSnapshot !== undefined) return t('The claim’s storage class cannot take snapshots: no snapshot class has its provisioner {{provisioner}} as driver.', { provisioner: noSnapshot });
  if (/does not exist, so it cannot (snapshot|be expanded)/.test(msg)) return t('The claim’s storage class does not exist.');
  if (/does not allow volume expansion/.test(msg)) return t('The claim’s storage class does not allow expansion.');
  if (/volumes cannot shrink/.test(msg)) return t('Must not be smaller than the current size: volumes cannot shrink.');
  if (/less than the snapshot's restore size/.test(msg)) return t('Must not be smaller than the snapshot.');
  if (/provisioner is the snapshot's driver/.test(msg)) return t('Choose a class of the snapshot’s driver.');
  // A NetworkIsolation's allowed sources (the CRD's rules, docs/network.md).
  if (/must be a CIDR/.test(msg)) return t('Enter a CIDR such as 10.0.0.0/8 or fd00::/8.');
  if (/every except entry must lie inside cidr/.test(msg)) return t('Every except entry must lie inside the CIDR.');
  if (/must be a port number between 1 and 65535/.test(msg)) return t('Enter a port number from 1 to 65535.');
  if (/an allowed source names at least one of/.test(msg)) return t('Name at least one namespace, workspace, CIDR or port.');
  // The allowed lists of gateways (docs/gateway.md): kube-apiserver's ValidatingAdmissionPolicy refuses a class or a parent Gateway.
  const klass = /^(IngressClass|GatewayClass) (.+?) is not allowed in (?:workspace|project) \S+?(?: \(.*\))?; allowed: (.*)$/.exec(msg);
  if (klass) return t('{{kind}} {{name}} is not allowed in this project; allowed: {{allowed}}.', { kind: klass[1], name: klass[2], allowed: klass[3] });
  const parents = /may attach only to Gateways of its own namespace(?: and to (.+?))? in (?:workspace|project) .*; it names (.+)$/.exec(msg);
  if (parents?.[1]) return t('A route may attach only to this project’s own Gateways and to {{allowed}}; this one names {{named}}.', { allowed: parents[1], named: parents[2] });
  if (parents) return t('A route may attach only to this project’s own Gateways; this one names {{named}}.', { named: parents[2] });
  // Quantities of quotas and limit ranges (k8s.io/kubernetes validation).
  if (/quantities must match the regular expression/.test(msg)) return t('Enter a quantity such as 500m, 2, 512Mi or 4Gi.');
  if (/must be greater than or equal to 0/.test(msg)) return t('Must not be negative.');
  if (/must be an integer/.test(msg)) return t('Enter a whole number, such as 10.');
  const minAboveMax = /min value \S+ is greater than max value (\S+)/.exec(msg)?.[1];
  if (minAboveMax) return t('Must not be above the maximum ({{value}}).', { value: minAboveMax });
  const min = /min value (\S+) is greater than/.exec(msg)?.[1];
  if (min) return t('Must not be below the minimum ({{value}}).', { value: min });
  const max = /is greater than max value (\S+)/.exec(msg)?.[1];
  if (max) return t('Must not be above the maximum ({{value}}).', { value: max });
  const limit = /is greater than default (?:limit )?value (\S+)/.exec(msg)?.[1];
  if (limit) return t('Must not be above the default limit ({{value}}).', { value: limit });
  switch (c.reason) {
    case 'FieldValueRequired':
      return t('Required.');
    case 'FieldValueDuplicate':
      if (last === 'email') return t('Another user has this e-mail address.');
      if (field === 'metadata.name' || last === 'username') return t('This name is taken.');
      return t('This value is taken.');
    case 'FieldValueNotFound':
      if (last === 'username') return t('There is no user of this name.');
      if (last === 'role') return t('There is no role of this name here.');
      return t('Nothing of this name exists.');
    case 'FieldValueTooLong':
      return t('Too long.');
    case 'FieldValueForbidden':
      return t('This field may not be set here.');
    case 'FieldValueNotSupported':
      return t('This value is not one of those allowed.');
  }
  // Alert rules (api/alerting/v2beta1): a builder's threshold is a string so that the server can name it when it is not a number.
  if (last === 'threshold') return t('Enter a number, such as 80 or 0.5.');
  if (last === 'for' || last === 'interval') return t('Use a duration such as 30s, 5m or 1h.');
  if (last === 'expr') return t('The expression is not valid PromQL.');
  if (field === 'metadata.name' || last === 'name') return t('Use lower-case letters, digits and hyphens (-), starting and ending with a letter or digit, at most 63 characters.');
  if (last === 'email') return t('Enter an e-mail address such as alice@example.com.');
  return t('This value is not valid.');
}

/** permissionIn finds the permission a 403 names ("... who may get nodes, which ..."). */
function permissionIn(msg: string): string | undefined {
  return /(?:who may|allows|the group may) (.+?)(?:,| which| in | on )/.exec(msg)?.[1];
}

function forbiddenDetail(msg: string, t: TFunction): string {
  const permission = permissionIn(msg) ?? '';
  const user = /may not act on user (\S+),/.exec(msg)?.[1];
  if (user) return t('{{user}} holds permissions that you do not hold ({{permission}}), so you may not change this user.', { user, permission });
  const role = /may not take role (\S+) away/.exec(msg)?.[1];
  if (role) return t('Role {{role}} allows what you may not do yourself ({{permission}}), so you may not take it away.', { role, permission });
  if (/may not grant a role/.test(msg)) return t('This role allows what you may not do yourself ({{permission}}), so you may not grant it.', { permission });
  if (/may not create or change a role/.test(msg)) return t('The role would allow what you may not do yourself ({{permission}}).', { permission });
  if (/may not change group/.test(msg)) return t('The group holds permissions that you do not hold ({{permission}}).', { permission });
  if (/CSRF/.test(msg)) return t('The page is out of date. Reload it and try again.');
  if (/PasswordChangeRequired|must change/.test(msg)) return t('Change your password first.');
  return t('Your roles do not allow this. Ask an administrator of the workspace or project for a role that does.');
}

/** The name of the workspace quota's validating webhook (ke-controller-manager serves it; its failure policy is Fail). */
export const quotaWebhook = 'quota.admission.superkube.io';

/** What a create refused because of a workspace quota says: why, in words, and the webhook's reason. */
export interface QuotaRefusal {
  /** exceeded: the quota has no room for the request; unreachable: the webhook did not answer, so kube-apiserver refused every create */
  kind: 'exceeded' | 'unreachable';
  title: string;
  detail: string;
}

/**
 * quotaRefusal recognises the workspace quota webhook in a message from
 * kube-apiserver: its refusal (`admission webhook "quota.admission.superkube.io"
 * denied the request: exceeded workspace quota …`) becomes "Workspace quota
 * exceeded: …" with the webhook's reason (the quota, the resource, the request
 * and what is left), and a webhook that cannot be reached (`failed calling
 * webhook "quota.admission.superkube.io"`) says that creates are refused until
 * it is back. Other messages give undefined. The same text comes in a 403 of a
 * create and in a controller's FailedCreate event ("Error creating: …").
 */
export function quotaRefusal(message: string | undefined, t: TFunction): QuotaRefusal | undefined {
  if (!message || !message.includes(`"${quotaWebhook}"`)) return undefined;
  if (message.includes(`failed calling webhook "${quotaWebhook}"`)) {
    return {
      kind: 'unreachable',
      title: t('The workspace quota service is not answering'),
      detail: t('The workspace quota service is not answering; creates in this workspace are refused until it is back (failure policy Fail). Try again later, or tell your platform administrator.'),
    };
  }
  const denied = `admission webhook "${quotaWebhook}" denied the request:`;
  const at = message.indexOf(denied);
  if (at < 0) return undefined;
  const reason = message.slice(at + denied.length).trim();
  return {
    kind: 'exceeded',
    title: t('Workspace quota exceeded'),
    detail: t('Workspace quota exceeded: {{reason}}', { reason }),
  };
}

/** eventMessage is an event's message for display: a workspace quota's refusal (FailedCreate) in words, any other message as it is. */
export function eventMessage(message: string | undefined, t: TFunction): string {
  return quotaRefusal(message, t)?.detail ?? message ?? '';
}

export function describeError(err: unknown, t: TFunction): DescribedError {
  if (err instanceof NetworkError || (err instanceof TypeError && /fetch|network/i.test(err.message))) {
    return { kind: 'network', title: t('The console cannot reach the server'), detail: t('Check your network connection, then try again.'), fields: {}, retryable: true };
  }
  if (!(err instanceof ApiError)) {
    const message = err instanceof Error ? err.message : String(err);
    return { kind: 'client', title: t('This did not work'), detail: message, fields: {}, retryable: false };
  }
  const msg = err.status.message ?? '';
  const fields: Record<string, string[]> = {};
  for (const c of err.status.details?.causes ?? []) {
    if (!c.field) continue;
    const m = causeMessage(c, t);
    if (!(fields[c.field] ??= []).includes(m)) fields[c.field].push(m);
  }
  const base = { fields, serverMessage: msg || undefined, retryAfter: err.retryAfter };
  const code = err.code;
  // The workspace quota's webhook: its refusal (403) or its absence (500 from kube-apiserver).
  const quota = quotaRefusal(msg, t);
  if (quota?.kind === 'exceeded') return { ...base, kind: 'forbidden', title: quota.title, detail: quota.detail, retryable: false };
  if (quota) return { ...base, kind: 'unavailable', title: quota.title, detail: quota.detail, retryable: true };
  if (code === 401) return { ...base, kind: 'unauthorized', title: t('Your session has ended'), detail: t('Log in again to go on.'), retryable: false };
  // A refusal that names fields (an admission policy's, such as the allowed gateways') is about the values, not the user's roles.
  if (code === 403 && Object.keys(fields).length > 0) return { ...base, kind: 'forbidden', title: t('Not allowed'), detail: t('A policy of the cluster refused the marked fields.'), retryable: false };
  if (code === 403) return { ...base, kind: 'forbidden', title: t('Not allowed'), detail: forbiddenDetail(msg, t), retryable: false };
  if (code === 404) return { ...base, kind: 'notfound', title: t('Not found'), detail: t('It does not exist, or no longer does.'), retryable: false };
  if (code === 409) {
    const detail = Object.keys(fields).length
      ? t('Correct the marked fields.')
      : /last|manager|creator/.test(msg)
        ? t('The workspace or project must keep an administrator: this change would remove the last one, its manager or its creator.')
        : /[Bb]uilt-?in|BuiltinRole/.test(msg) || err.status.details?.causes?.some((c) => c.reason === 'BuiltinRole')
          ? t('Built-in roles cannot be changed or deleted.')
          : /granted|in use/.test(msg)
            ? t('The role is still granted to members. Change their roles first.')
            : /already|exists/.test(msg)
              ? t('It exists already.')
              : t('Someone else changed it meanwhile. Reload and try again.');
    return { ...base, kind: 'conflict', title: t('Conflict'), detail, retryable: false };
  }
  if (code === 422 || code === 400) {
    return { ...base, kind: 'invalid', title: t('Some values are not valid'), detail: Object.keys(fields).length ? t('Correct the marked fields.') : t('The server did not accept the values.'), retryable: false };
  }
  if (code === 429) {
    const detail = err.retryAfter ? t('Wait {{seconds}} seconds, then try again.', { seconds: err.retryAfter }) : t('Wait a moment, then try again.');
    return { ...base, kind: 'ratelimited', title: t('Too many attempts'), detail, retryable: true };
  }
  if (code === 502 || code === 503 || code === 504) {
    return { ...base, kind: 'unavailable', title: t('The server is not available right now'), detail: err.retryAfter ? t('Wait {{seconds}} seconds, then try again.', { seconds: err.retryAfter }) : t('Try again in a moment.'), retryable: true };
  }
  if (code >= 500) return { ...base, kind: 'server', title: t('The server failed'), detail: t('Try again; if it keeps failing, tell your administrator.'), retryable: true };
  return { ...base, kind: 'client', title: t('This did not work'), detail: t('The server did not accept the request.'), retryable: false };
}

/** fieldError is the first translated message for a field (or any field below it), for form helper text. */
export function fieldError(d: DescribedError | undefined, ...paths: string[]): string | undefined {
  if (!d) return undefined;
  for (const [f, msgs] of Object.entries(d.fields)) {
    if (paths.some((p) => f === p || f.startsWith(p + '.') || f.startsWith(p + '['))) return msgs.join(' ');
  }
  return undefined;
}

/** isForbidden and isNotFound tell the errors that become whole-page states. */
export function isForbidden(err: unknown): boolean {
  return err instanceof ApiError && err.code === 403;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}
