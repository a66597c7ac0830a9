import { Content, FormSelect, FormSelectOption, Label, LabelGroup, PageSection, Tab, TabTitleText, Tabs, Toolbar, ToolbarContent, ToolbarItem, Tooltip } from '@patternfly/react-core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useParams, useSearchParams } from 'react-router';
import { useAccess } from '../../api/access';
import {
  alertResource,
  alertingRefreshMs,
  fingerprint,
  silenceMatchers,
  silenceResource,
  useAlertHistory,
  useAlerts,
  type AlertHistory,
  type AlertPlace,
  type AlertRow,
  type Matcher,
} from '../../api/alerting';
import { ErrorAlert } from '../../components/ErrorAlert';
import { formatTime } from '../../components/format';
import { Loading } from '../../components/Loading';
import { PageHeader } from '../../components/PageHeader';
import { NoAccess } from '../../components/PageState';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { Time } from '../../components/Time';
import { AlertStateLabel, SeverityLabel } from './AlertLabels';
import { labelsText } from './RuleEditor';
import { SilenceList, SilenceModal } from './Silences';

/** Labels every alert carries that its row shows elsewhere (name, severity) or that say where it comes from. */
const shownApart = new Set(['alertname', 'severity', 'alertstate', 'rule_level', 'rule_group', 'rule_namespace']);

/** AlertLabelsCell shows an alert's own labels: what it is about (namespace, pod ...). */
export function AlertLabelsCell({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels).filter(([k]) => !shownApart.has(k));
  if (entries.length === 0) return <>-</>;
  return (
    <LabelGroup numLabels={4} data-test="alert-labels">
      {entries.map(([k, v]) => (
        <Label key={k} isCompact variant="outline">
          {k}={v}
        </Label>
      ))}
    </LabelGroup>
  );
}

/**
 * AlertList is a level's pending and firing alerts, read again every 15
 * seconds: what fires, since when, its value, and whether a silence holds
 * it. An alert can be silenced from its row, with its labels as matchers.
 */
export function AlertList({ place }: { place: AlertPlace }) {
  const { t, i18n } = useTranslation('alerting');
  const [canSilence] = useAccess([{ verb: 'create', ...silenceResource(place) }]).allowed;
  const table = useTableState({ defaultSortBy: 'activeAt', defaultAscending: false, statusParam: 'state' });
  const alerts = useAlerts(place, table.params);
  const [silencing, setSilencing] = useState<Matcher[]>();
  return (
    <>
      <ResourceTable<AlertRow>
        id="alerts"
        ariaLabel={t('Alerts')}
        table={table}
        query={alerts}
        toolbar={
          <FormSelect aria-label={t('State')} value={table.status} onChange={(_e, v) => table.setStatus(v)} data-test="filter-state">
            <FormSelectOption value="" label={t('Pending and firing')} />
            <FormSelectOption value="firing" label={t('Firing')} />
            <FormSelectOption value="pending" label={t('Pending')} />
          </FormSelect>
        }
        columns={[
          {
            title: t('Alert'),
            sortKey: 'name',
            render: (a) => (
              <span data-test="alert-name" data-fingerprint={fingerprint(a.labels)}>
                {a.metadata.name}
                {a.annotations?.summary && (
                  <>
                    <br />
                    <small>{a.annotations.summary}</small>
                  </>
                )}
              </span>
            ),
          },
          {
            title: t('State'),
            render: (a) => (
              <>
                <AlertStateLabel state={a.state} />{' '}
                {(a.silencedBy?.length ?? 0) > 0 && (
                  <Label isCompact color="blue" data-test="silenced">
                    {t('Silenced')}
                  </Label>
                )}
              </>
            ),
          },
          { title: t('Severity'), sortKey: 'severity', render: (a) => <SeverityLabel severity={a.labels.severity} /> },
          { title: t('Labels'), render: (a) => <AlertLabelsCell labels={a.labels} />, hideBelow: 'lg' },
          { title: t('Since'), sortKey: 'activeAt', render: (a) => <Time ts={a.activeAt} /> },
          { title: t('Value'), render: (a) => <span data-test="alert-value">{formatNumber(a.value, i18n.language)}</span> },
          { title: t('Rule group'), render: (a) => a.group ?? a.labels.rule_group ?? '-', hideBelow: 'xl' },
        ]}
        actions={canSilence ? (a) => [{ title: t('Silence'), onClick: (x: AlertRow) => setSilencing(silenceMatchers(x)), isDisabled: (a.silencedBy?.length ?? 0) > 0 }] : undefined}
        emptyTitle={t('Nothing fires')}
        emptyText={t('No alert is pending or firing here now.')}
      />
      {silencing && <SilenceModal place={place} matchers={silencing} onClose={() => setSilencing(undefined)} />}
    </>
  );
}

/** formatNumber shows an alert's value as a number in the user's language, at most four significant digits after the point. */
export function formatNumber(v: string | undefined, lang: string): string {
  if (v === undefined || v === '') return '-';
  const n = Number(v);
  if (!Number.isFinite(n)) return v;
  return new Intl.NumberFormat(lang, Math.abs(n) >= 1 ? { maximumFractionDigits: 2 } : { maximumSignificantDigits: 4 }).format(n);
}

const historyRanges: [string, number][] = [
  ['1h', 3600],
  ['6h', 21600],
  ['24h', 86400],
  ['7d', 604800],
];

/**
 * AlertHistoryView is a timeline of each alert's intervals pending or
 * firing over a range, from Prometheus' ALERTS series.
 */
export function AlertHistoryView({ place }: { place: AlertPlace }) {
  const { t, i18n } = useTranslation('alerting');
  const [range, setRange] = useState('6h');
  // The range ends when it was chosen (to the second: a project made a
  // moment ago has a history from its creation on, which a range ending
  // at the last full minute could end before).
  const [now, setNow] = useState(() => Math.ceil(Date.now() / 1000) * 1000);
  // The range moves on to now every 15 s, as the alerts are read again.
  useEffect(() => {
    const id = setInterval(() => setNow(Math.ceil(Date.now() / 1000) * 1000), alertingRefreshMs);
    return () => clearInterval(id);
  }, []);
  const seconds = historyRanges.find(([k]) => k === range)?.[1] ?? 21600;
  const start = now - seconds * 1000;
  const h = useAlertHistory(place, new Date(start).toISOString(), new Date(now).toISOString());
  const span = now - start;
  const pos = (ts: string | undefined, fallback: number) => {
    const v = ts ? Date.parse(ts) : fallback;
    return Math.min(100, Math.max(0, ((v - start) / span) * 100));
  };
  const rows: AlertHistory[] = h.data ?? [];
  return (
    <div data-test="alert-history">
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem>
            <FormSelect
              aria-label={t('Range')}
              value={range}
              onChange={(_e, v) => {
                setRange(v);
                setNow(Math.ceil(Date.now() / 1000) * 1000);
              }}
              data-test="history-range"
            >
              {historyRanges.map(([k]) => (
                <FormSelectOption key={k} value={k} label={rangeTitle(k, t)} />
              ))}
            </FormSelect>
          </ToolbarItem>
          <ToolbarItem>
            <Content component="small">
              {formatTime(new Date(start), i18n.language)} – {formatTime(new Date(now), i18n.language)}
            </Content>
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      {h.error ? <ErrorAlert error={h.error} onRetry={() => void h.refetch()} /> : null}
      {h.isLoading && <Loading />}
      {!h.isLoading && !h.error && rows.length === 0 && <Content component="p" data-test="history-empty">{t('No alert was pending or firing in this range.')}</Content>}
      <div className="ke-alert-timeline">
        {rows.map((r) => (
          <div key={fingerprint(r.labels)} className="ke-alert-timeline-row" data-test="history-row">
            <div className="ke-alert-timeline-name">
              <strong>{r.labels.alertname}</strong>
              <br />
              <small>{labelsText(Object.fromEntries(Object.entries(r.labels).filter(([k]) => !shownApart.has(k))))}</small>
            </div>
            <div className="ke-alert-timeline-track" role="list" aria-label={r.labels.alertname}>
              {r.intervals.map((iv, i) => {
                const right = pos(iv.end, now);
                const width = Math.max(0.5, right - pos(iv.start, start));
                // A short interval keeps a visible width, inside the track.
                const left = Math.min(pos(iv.start, start), 100 - width);
                const label = `${iv.state === 'pending' ? t('Pending') : t('Firing')}: ${formatTime(iv.start, i18n.language)} – ${iv.end ? formatTime(iv.end, i18n.language) : t('now')}`;
                return (
                  <Tooltip key={i} content={label}>
                    <span
                      role="listitem"
                      tabIndex={0}
                      aria-label={label}
                      className={`ke-alert-interval ke-alert-interval-${iv.state ?? 'firing'}`}
                      style={{ left: `${left}%`, width: `${width}%` }}
                      data-test="history-interval"
                    />
                  </Tooltip>
                );
              })}
            </div>
          </div>
        ))}
      </div>
    </div>
  );
}

function rangeTitle(k: string, t: (k: string) => string): string {
  switch (k) {
    case '1h':
      return t('Last hour');
    case '6h':
      return t('Last 6 hours');
    case '24h':
      return t('Last 24 hours');
    default:
      return t('Last 7 days');
  }
}

/** AlertTabs are a level's alerts, their history and (where the level has them) silences, as tabs. */
function AlertTabs({ place, silences }: { place: AlertPlace; silences: boolean }) {
  const { t } = useTranslation('alerting');
  const [search, setSearch] = useSearchParams();
  const tab = search.get('tab') ?? 'alerts';
  return (
    <Tabs activeKey={tab} onSelect={(_e, k) => setSearch(k === 'alerts' ? {} : { tab: String(k) }, { replace: true })} mountOnEnter unmountOnExit aria-label={t('Sections')}>
      <Tab eventKey="alerts" title={<TabTitleText>{t('Alerts')}</TabTitleText>} data-test="tab-alerts">
        <AlertList place={place} />
      </Tab>
      <Tab eventKey="history" title={<TabTitleText>{t('History')}</TabTitleText>} data-test="tab-history">
        <AlertHistoryView place={place} />
      </Tab>
      {silences && (
        <Tab eventKey="silences" title={<TabTitleText>{t('Silences')}</TabTitleText>} data-test="tab-silences">
          <SilenceList place={place} />
        </Tab>
      )}
    </Tabs>
  );
}

/** A project's alerts. */
export function ProjectAlerts() {
  const { t } = useTranslation('alerting');
  const { namespace = '' } = useParams();
  const place: AlertPlace = { level: 'project', namespace };
  const access = useAccess([
    { verb: 'list', ...alertResource(place) },
    { verb: 'list', ...silenceResource(place) },
  ]);
  if (!access.loaded) return <Loading />;
  if (!access.allowed[0]) return <NoAccess />;
  return (
    <>
      <PageHeader title={t('Alerts')} crumbs={[{ title: namespace, to: `/projects/${namespace}/overview` }, { title: t('Alerts') }]} />
      <PageSection>
        <AlertTabs place={place} silences={access.allowed[1]} />
      </PageSection>
    </>
  );
}

/** The platform's alerts: every alert the caller may see, or the cluster's alone. */
export function PlatformAlerts() {
  const { t } = useTranslation('alerting');
  const access = useAccess([
    { verb: 'list', ...alertResource({ level: 'global' }) },
    { verb: 'list', ...alertResource({ level: 'cluster' }) },
    { verb: 'list', ...silenceResource({ level: 'global' }) },
  ]);
  const [all, cluster, silences] = access.allowed;
  const [level, setLevel] = useState<'global' | 'cluster'>();
  if (!access.loaded) return <Loading />;
  if (!all && !cluster) return <NoAccess />;
  const chosen = level ?? (all ? 'global' : 'cluster');
  return (
    <>
      <PageHeader
        title={t('Alerts')}
        actions={
          all &&
          cluster && (
            <FormSelect aria-label={t('Level')} value={chosen} onChange={(_e, v) => setLevel(v as 'global' | 'cluster')} data-test="alerts-level">
              <FormSelectOption value="global" label={t('Every alert I may see')} />
              <FormSelectOption value="cluster" label={t('The cluster’s alerts')} />
            </FormSelect>
          )
        }
      />
      <PageSection>
        <AlertTabs key={chosen} place={{ level: chosen }} silences={silences && chosen === 'global'} />
      </PageSection>
    </>
  );
}
