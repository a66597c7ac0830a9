import { useTranslation } from 'react-i18next';
import { eventMessage } from '../api/errors';
import type { Event } from '../api/types';
import { age } from './format';
import { ResourceTable } from './ResourceTable';
import { Label } from '@patternfly/react-core';
import { Link } from 'react-router';
import { objectPath } from './objectPath';

/** Events lists the events of a namespace, or of one object in it, newest first. */
export function Events({ namespace, kind, name }: { namespace?: string; kind?: string; name?: string }) {
  const { t } = useTranslation('common');
  return (
    <ResourceTable<Event>
      id="events"
      ariaLabel={t('Events')}
      resource="events"
      namespace={namespace}
      params={{ involvedObjectKind: kind, involvedObjectName: name }}
      defaultSortBy="lastTimestamp"
      columns={[
        { title: t('Type'), sortKey: 'type', render: (e) => (e.type === 'Warning' ? <Label color="orange" isCompact>{t('Warning')}</Label> : <Label color="blue" isCompact>{t('Normal')}</Label>) },
        { title: t('Reason'), sortKey: 'reason', render: (e) => e.reason ?? '-' },
        { title: t('Object'), render: (e) => <EventObject e={e} />, hideBelow: 'lg' },
        { title: t('Message'), render: (e) => eventMessage(e.message, t) },
        { title: t('Count'), sortKey: 'count', render: (e) => e.count ?? 1, hideBelow: 'xl' },
        { title: t('Last seen'), sortKey: 'lastTimestamp', render: (e) => age(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp) },
      ]}
      emptyText={t('No events.')}
    />
  );
}

/** EventObject names the object an event is about, as a link to its page when the console has one. */
function EventObject({ e }: { e: Event }) {
  const o = e.involvedObject;
  const text = `${o?.kind ?? ''}/${o?.name ?? ''}`;
  const to = objectPath(o?.kind, o?.namespace ?? e.metadata.namespace, o?.name);
  return to ? (
    <Link to={to} data-test="event-object">
      {text}
    </Link>
  ) : (
    <>{text}</>
  );
}
