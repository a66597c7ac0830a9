import { Button, Flex, FlexItem, Form, FormSelect, FormSelectOption, Label, Stack, TextInput } from '@patternfly/react-core';
import ExclamationTriangleIcon from '@patternfly/react-icons/dist/esm/icons/exclamation-triangle-icon';
import InfoCircleIcon from '@patternfly/react-icons/dist/esm/icons/info-circle-icon';
import { Table, Tbody, Td, Th, Thead, Tr } from '@patternfly/react-table';
import { useMemo, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { eventMessage } from '../../api/errors';
import { useEventHistogram, useEvents, type EventRecord, type EventSearch as Search } from '../../api/events';
import { isStoreUnavailable, parseNames, parseWords, type SortOrder } from '../../api/logging';
import { HistogramCard, loaded, RangeBar, RangeText, RecordTime, ResultsCard, StoreUnavailable, useSearchRange } from '../../components/logging/SearchParts';
import { objectPath } from '../../components/objectPath';

/** The filters as typed, applied when the search is run. */
interface Filters {
  words: string;
  namespace: string;
  kind: string;
  name: string;
  reason: string;
  /** '', Normal or Warning */
  type: string;
}

const noFilters: Filters = { words: '', namespace: '', kind: '', name: '', reason: '', type: '' };

/** EventType is an event's type as a label: a Warning stands out. */
export function EventType({ type }: { type?: string }) {
  const { t } = useTranslation('logging');
  return type === 'Warning' ? (
    <Label color="orange" icon={<ExclamationTriangleIcon />} isCompact data-test="event-type" data-type="Warning">
      {t('Warning')}
    </Label>
  ) : (
    <Label color="blue" variant="outline" icon={<InfoCircleIcon />} isCompact data-test="event-type" data-type={type ?? 'Normal'}>
      {type === 'Normal' || !type ? t('Normal') : type}
    </Label>
  );
}

/** EventObject names the object an event is about, as a link to its page when the console has one. */
export function EventObject({ e, withNamespace }: { e: EventRecord; withNamespace: boolean }) {
  const o = e.involvedObject;
  const ns = o.namespace || e.namespace;
  const text = `${withNamespace && ns ? `${ns} / ` : ''}${o.kind}/${o.name}`;
  const to = objectPath(o.kind, ns, o.name);
  return to ? (
    <Link to={to} data-test="event-object">
      {text}
    </Link>
  ) : (
    <span data-test="event-object">{text}</span>
  );
}

/**
 * EventSearch searches the Kubernetes events kept in the log store (after
 * kube-apiserver forgot them): in one project or every project whose
 * events the user may list, by the object's kind and name, reason, type
 * and words of the message, over a time range with its histogram.
 */
export function EventSearch({ namespace, test = 'event-search' }: { namespace?: string; test?: string }) {
  const { t, i18n } = useTranslation('logging');
  const lang = i18n.language;
  const [draft, setDraft] = useState<Filters>(noFilters);
  const [applied, setApplied] = useState<Filters>(noFilters);
  const range = useSearchRange();
  const { shown } = range;
  const [sort, setSort] = useState<SortOrder>('desc');

  const search = useMemo<Search>(
    () => ({
      namespace,
      objectNamespaces: namespace ? undefined : parseNames(applied.namespace),
      kinds: parseNames(applied.kind),
      names: parseNames(applied.name),
      reasons: parseNames(applied.reason),
      types: applied.type ? [applied.type] : undefined,
      words: parseWords(applied.words),
      start: shown.start,
      end: shown.end,
    }),
    [namespace, applied, shown.start, shown.end],
  );
  const events = useEvents(search, sort);
  const histogram = useEventHistogram(search);
  const { records } = loaded<EventRecord>(events);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setApplied(draft);
    range.touch();
  };
  const field = (key: Exclude<keyof Filters, 'type' | 'words'>, label: string, placeholder: string) => (
    <FlexItem>
      <TextInput type="search" aria-label={label} placeholder={placeholder} value={draft[key]} onChange={(_e, v) => setDraft((d) => ({ ...d, [key]: v }))} data-test={`event-filter-${key}`} />
    </FlexItem>
  );
  const unavailable = isStoreUnavailable(events.error) ? events.error : isStoreUnavailable(histogram.error) ? histogram.error : undefined;

  return (
    <Stack hasGutter data-test={test}>
      <Form onSubmit={submit} role="search" aria-label={t('Search the events')}>
        <Flex spaceItems={{ default: 'spaceItemsSm' }} alignItems={{ default: 'alignItemsCenter' }}>
          <FlexItem grow={{ default: 'grow' }}>
            <TextInput
              type="search"
              aria-label={t('Words in the message')}
              placeholder={t('Words in the message, such as image or "back-off"')}
              value={draft.words}
              onChange={(_e, v) => setDraft((d) => ({ ...d, words: v }))}
              data-test="event-query"
            />
          </FlexItem>
          {!namespace && field('namespace', t('Project (exact name)'), t('Project'))}
          {field('kind', t('Kind of the object, such as Pod'), t('Kind'))}
          {field('name', t('Name of the object (exact)'), t('Name'))}
          {field('reason', t('Reason, such as BackOff'), t('Reason'))}
          <FlexItem>
            <FormSelect aria-label={t('Type')} value={draft.type} onChange={(_e, v) => setDraft((d) => ({ ...d, type: v }))} data-test="event-filter-type">
              <FormSelectOption value="" label={t('All types')} />
              <FormSelectOption value="Normal" label={t('Normal')} />
              <FormSelectOption value="Warning" label={t('Warning')} />
            </FormSelect>
          </FlexItem>
          <FlexItem>
            <Button type="submit" variant="primary" data-test="event-search-run">
              {t('Search')}
            </Button>
          </FlexItem>
        </Flex>
      </Form>
      <RangeBar range={range} prefix="event" sort={sort} setSort={setSort} />
      <RangeText shown={shown} prefix="event" />
      {unavailable ? (
        <StoreUnavailable error={unavailable} test="events-unavailable" />
      ) : (
        <>
          <HistogramCard
            histogram={histogram}
            range={range}
            prefix="event"
            texts={{ title: t('Events over time'), empty: t('No events in this time range'), count: (n) => t('{{count}} events', { count: n }) }}
          />
          <ResultsCard
            q={events}
            prefix="event"
            texts={{
              title: t('Events'),
              total: (n) => t('{{count}} events match', { count: n }),
              emptyTitle: t('No events found'),
              emptyBody: t('No event in this time range matches the search. Widen the time range or change the filters.'),
            }}
          >
            <Table variant="compact" aria-label={t('Events')} data-test="event-table">
              <Thead>
                <Tr>
                  <Th width={15}>{t('Time')}</Th>
                  <Th width={10}>{t('Type')}</Th>
                  <Th width={10}>{t('Reason')}</Th>
                  <Th width={20}>{t('Object')}</Th>
                  <Th>{t('Message')}</Th>
                  <Th width={10} modifier="nowrap">
                    {t('Count')}
                  </Th>
                  <Th width={10}>{t('Source')}</Th>
                </Tr>
              </Thead>
              <Tbody>
                {records.map((r, i) => (
                  <Tr key={`${r.uid ?? ''}/${r.time}/${r.count ?? 1}/${i}`} data-test="event-row" className={r.type === 'Warning' ? 'ke-event-warning' : undefined}>
                    <Td dataLabel={t('Time')} modifier="nowrap">
                      <RecordTime ts={r.time} lang={lang} millis={false} />
                    </Td>
                    <Td dataLabel={t('Type')}>
                      <EventType type={r.type} />
                    </Td>
                    <Td dataLabel={t('Reason')} data-test="event-reason">
                      {r.reason ?? '-'}
                    </Td>
                    <Td dataLabel={t('Object')} modifier="breakWord">
                      <EventObject e={r} withNamespace={!namespace} />
                    </Td>
                    <Td dataLabel={t('Message')} modifier="breakWord" data-test="event-message">
                      {eventMessage(r.message, t)}
                    </Td>
                    <Td dataLabel={t('Count')} data-test="event-count">
                      {r.count ?? 1}
                    </Td>
                    <Td dataLabel={t('Source')} modifier="breakWord" data-test="event-source">
                      {r.source ?? '-'}
                    </Td>
                  </Tr>
                ))}
              </Tbody>
            </Table>
          </ResultsCard>
        </>
      )}
    </Stack>
  );
}
