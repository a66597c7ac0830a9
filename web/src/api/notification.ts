import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, query } from './client';
import type { ListParams } from './resources';
import type { Condition, List, ObjectMeta } from './types';

// The notification API of ke-apiserver (notification.superkube.io/v2beta2),
// typed: channels (configs), receivers, routers and silences at platform
// level and of each user ("my notifications"), a test message through a
// channel, and the delivery log. The types mirror api/notification/v2beta2.
// Credentials are only ever sent: the API keeps them in Secrets and answers
// at most whether a channel has them.

export const notification = '/kapis/notification.superkube.io/v2beta2';

const enc = encodeURIComponent;

/** Owner is whose settings: the platform's, or one user's own. */
export type Owner = { level: 'platform' } | { level: 'user'; user: string };

export const channelTypes = ['email', 'webhook', 'slack', 'teams', 'dingtalk', 'feishu', 'wecom'] as const;
export type ChannelType = (typeof channelTypes)[number];

/** The channels whose URL needs a token or signing secret besides (a webhook's bearer token, DingTalk's and Feishu's signing secret). */
export const tokenChannels: ChannelType[] = ['webhook', 'dingtalk', 'feishu'];

/** The channels whose receivers name a chat target (a Slack channel, a mentioned user). */
export const chatTargetChannels: ChannelType[] = ['slack', 'dingtalk', 'feishu', 'wecom'];

export const tlsModes = ['StartTLS', 'TLS', 'None'] as const;
export type TLSMode = (typeof tlsModes)[number];

export interface SecretKeyRef {
  name: string;
  key: string;
}

export interface EmailConfig {
  host: string;
  port: number;
  from: string;
  username?: string;
  passwordSecret?: SecretKeyRef;
  tls?: TLSMode;
}

export interface URLConfig {
  urlSecret?: SecretKeyRef;
  tokenSecret?: SecretKeyRef;
}

export interface ObjectStatus {
  observedGeneration?: number;
  conditions?: Condition[];
}

interface Obj<S> {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  spec: S;
  status?: ObjectStatus & { hasCredentials?: boolean };
  /** whether the channel's credentials are set (the credentials themselves are never answered) */
  hasCredentials?: boolean;
  [key: string]: unknown;
}

export interface ConfigSpec {
  type: ChannelType;
  email?: EmailConfig;
  url?: URLConfig;
}

export type Config = Obj<ConfigSpec>;

/** Credentials are written with a config and never read back. */
export interface Credentials {
  password?: string;
  url?: string;
  token?: string;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface ReceiverSpec {
  type: ChannelType;
  config: string;
  enabled?: boolean;
  emails?: string[];
  users?: string[];
  channel?: string;
  language?: string;
  alertSelector?: LabelSelector;
}

export type Receiver = Obj<ReceiverSpec>;

export interface RouterSpec {
  alertSelector?: LabelSelector;
  receivers?: string[];
}

export type Router = Obj<RouterSpec>;

export interface SilenceSpec {
  alertSelector: LabelSelector;
  startsAt?: string;
  endsAt?: string;
  comment?: string;
}

export type NotificationSilence = Obj<SilenceSpec>;

/**
 * A delivery: one message sent (or given up) to one recipient, as the
 * delivery log keeps it (internal/notification/records.Delivery).
 */
export interface Delivery {
  id?: string;
  /** when it was sent or given up */
  time?: string;
  /** the Receiver (or, for a test, the Config) */
  receiver?: string;
  /** the user who owns the receiver; empty at platform level */
  user?: string;
  config?: string;
  /** the channel type (email, webhook, slack ...) */
  channel?: ChannelType;
  /** the e-mail address or chat target */
  recipient?: string;
  language?: string;
  /** firing or resolved, of the message */
  alertStatus?: string;
  /** the alerts it carried, as alertname/fingerprint */
  alerts?: string[];
  /** sent or failed */
  result: string;
  /** why it failed, and the field at fault */
  reason?: string;
  field?: string;
  attempts?: number;
  /** a test message */
  verification?: boolean;
  latencyMillis?: number;
  metadata?: ObjectMeta;
}

/** DeliveryRow is a delivery as a table shows it, with the metadata a row is known by. */
export interface DeliveryRow extends Delivery {
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** What a test message goes to: an address for an e-mail channel (empty: the caller's own), a chat target for the others; and its language (empty: the caller's). */
export interface VerificationTarget {
  to?: string;
  language?: string;
}

/** The kinds of the notification API (notification.superkube.io), as access reviews name them. */
export type NotificationResource = 'configs' | 'receivers' | 'routers' | 'silences' | 'deliveries';

export function basePath(o: Owner): string {
  return o.level === 'user' ? `${notification}/users/${enc(o.user)}` : notification;
}

export function resourcePath(o: Owner, r: NotificationResource, name?: string): string {
  return `${basePath(o)}/${r}${name ? '/' + enc(name) : ''}`;
}

/** hasCredentials tells whether a config's credentials are set, wherever the API says it. */
export function hasCredentials(c: Config): boolean {
  return !!(c.hasCredentials ?? c.status?.hasCredentials ?? c.spec.email?.passwordSecret ?? c.spec.url?.urlSecret);
}

/** readyOf is an object's Ready condition. */
export function readyOf(o: { status?: ObjectStatus }): Condition | undefined {
  return o.status?.conditions?.find((c) => c.type === 'Ready');
}

/** deliveryRow gives a delivery the metadata a table row is known by: its id. */
export function deliveryRow(d: Delivery, i: number): DeliveryRow {
  const name = d.id || d.metadata?.name || `${d.time ?? ''}-${d.receiver ?? ''}-${i}`;
  return { ...d, metadata: { ...d.metadata, name, uid: name, creationTimestamp: d.metadata?.creationTimestamp ?? d.time } };
}

/** The delivery's moment: its time, or when its record was made. */
export function deliveryTime(d: Pick<Delivery, 'time' | 'metadata'>): string | undefined {
  return d.time ?? d.metadata?.creationTimestamp;
}

function useObjects<T>(o: Owner, r: NotificationResource, params: ListParams, enabled: boolean) {
  const path = resourcePath(o, r);
  return useQuery({
    queryKey: ['notification', r, path, params],
    queryFn: async ({ signal }) => {
      const l = await api.get<List<T>>(path + query(params), signal);
      return { ...l, items: l.items ?? [] };
    },
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useConfigs(o: Owner, params: ListParams, enabled = true) {
  return useObjects<Config>(o, 'configs', params, enabled);
}

export function useReceivers(o: Owner, params: ListParams, enabled = true) {
  return useObjects<Receiver>(o, 'receivers', params, enabled);
}

export function useRouters(o: Owner, params: ListParams, enabled = true) {
  return useObjects<Router>(o, 'routers', params, enabled);
}

export function useNotificationSilences(o: Owner, params: ListParams, enabled = true) {
  return useObjects<NotificationSilence>(o, 'silences', params, enabled);
}

/** useDeliveries reads a page of the delivery log, the newest first (result filters sent or failed, name the receiver). */
export function useDeliveries(o: Owner, params: ListParams, enabled = true) {
  const path = resourcePath(o, 'deliveries');
  return useQuery({
    queryKey: ['notification', 'deliveries', path, params],
    queryFn: async ({ signal }) => {
      const l = await api.get<List<Delivery>>(path + query(params), signal);
      return { ...l, items: (l.items ?? []).map(deliveryRow) };
    },
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** configBody is a config as created or replaced, with its credentials when they are given (left out, they stay as they are). */
function configBody(name: string, spec: ConfigSpec, credentials?: Credentials, resourceVersion?: string) {
  const given = credentials && Object.values(credentials).some((v) => v);
  const creds: Credentials = {};
  if (given) for (const [k, v] of Object.entries(credentials) as [keyof Credentials, string | undefined][]) if (v) creds[k] = v;
  return { metadata: { name, resourceVersion }, spec, ...(given ? { credentials: creds } : {}) };
}

export function createConfig(o: Owner, name: string, spec: ConfigSpec, credentials?: Credentials) {
  return api.post<Config>(resourcePath(o, 'configs'), configBody(name, spec, credentials));
}

export function updateConfig(o: Owner, name: string, spec: ConfigSpec, credentials?: Credentials, resourceVersion?: string) {
  return api.put<Config>(resourcePath(o, 'configs', name), configBody(name, spec, credentials, resourceVersion));
}

/**
 * verifyConfig sends a test message through a channel and answers with the
 * delivery when it was sent; when it was not, the request fails with a
 * Status that says why and names the field at fault (502 when the server
 * does not answer or refuses, 422 when the config or the address is wrong).
 */
export function verifyConfig(o: Owner, name: string, target: VerificationTarget) {
  return api.post<Delivery>(`${resourcePath(o, 'configs', name)}/verification`, target);
}

function objectBody<S>(name: string, spec: S, resourceVersion?: string) {
  return { metadata: { name, resourceVersion }, spec };
}

export function saveObject<S>(o: Owner, r: Exclude<NotificationResource, 'configs' | 'deliveries'>, name: string, spec: S, existing?: { metadata: ObjectMeta }) {
  return existing
    ? api.put<Obj<S>>(resourcePath(o, r, name), objectBody(name, spec, existing.metadata.resourceVersion))
    : api.post<Obj<S>>(resourcePath(o, r), objectBody(name, spec));
}

export function deleteObject(o: Owner, r: Exclude<NotificationResource, 'deliveries'>, name: string) {
  return api.del<unknown>(resourcePath(o, r, name));
}

/** selectorText writes matchLabels one key=value a line, for a form's text area. */
export function selectorText(s: LabelSelector | undefined): string {
  return Object.entries(s?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

/** parseSelector reads key=value lines into matchLabels; the lines that are not one are returned as bad. */
export function parseSelector(text: string): { selector?: LabelSelector; bad: string[] } {
  const matchLabels: Record<string, string> = {};
  const bad: string[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const m = /^([A-Za-z0-9_./-]+)\s*=\s*(\S*)$/.exec(line);
    if (m) matchLabels[m[1]] = m[2];
    else bad.push(line);
  }
  return { selector: Object.keys(matchLabels).length ? { matchLabels } : undefined, bad };
}

/** splitList reads addresses or names separated by commas, spaces or lines. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
