import { Button, FormGroup, FormSelect, FormSelectOption, Label, TextArea, TextInput } from '@patternfly/react-core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useAccess } from '../../api/access';
import { useSession } from '../../api/auth';
import { createSilence, expireSilence, matcherText, parseMatcher, silenceResource, silenceState, useSilences, type AlertPlace, type Matcher, type SilenceRow } from '../../api/alerting';
import { ConfirmAction } from '../../components/ConfirmAction';
import { FieldHelp, FormModal } from '../../components/FormModal';
import { ResourceTable, useTableState } from '../../components/ResourceTable';
import { Time } from '../../components/Time';
import { useToast } from '../../components/Toast';

/** How long a new silence lasts, the choices. */
const durations: [string, number][] = [
  ['1h', 3600],
  ['2h', 7200],
  ['4h', 14400],
  ['1d', 86400],
  ['1w', 604800],
];

/** parseMatchers reads one matcher a line; the lines that are not one are returned as bad. */
export function parseMatchers(text: string): { matchers: Matcher[]; bad: string[] } {
  const matchers: Matcher[] = [];
  const bad: string[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const m = parseMatcher(line);
    if (m) matchers.push(m);
    else bad.push(line);
  }
  return { matchers, bad };
}

/**
 * SilenceModal makes a silence in Alertmanager: matchers (prefilled from an
 * alert), how long, and why. In a project the API adds namespace=<project>
 * itself, so a project's silence never reaches another's alerts.
 */
export function SilenceModal({ place, matchers, onClose }: { place: AlertPlace; matchers?: Matcher[]; onClose: () => void }) {
  const { t } = useTranslation('alerting');
  const toast = useToast();
  const client = useQueryClient();
  const [text, setText] = useState((matchers ?? []).map(matcherText).join('\n'));
  const [duration, setDuration] = useState('2h');
  const [comment, setComment] = useState('');
  const parsed = parseMatchers(text);
  const bad = parsed.bad.length > 0;
  return (
    <FormModal
      title={t('Silence alerts')}
      test="silence-create"
      submitLabel={t('Silence')}
      canSubmit={!bad && parsed.matchers.length > 0 && comment.trim() !== ''}
      shownFields={['matchers', 'comment', 'endsAt']}
      onClose={onClose}
      onSubmit={async () => {
        const now = Date.now();
        const seconds = durations.find(([k]) => k === duration)?.[1] ?? 7200;
        await createSilence(place, { matchers: parsed.matchers, startsAt: new Date(now).toISOString(), endsAt: new Date(now + seconds * 1000).toISOString(), comment: comment.trim() });
        void client.invalidateQueries({ queryKey: ['alerting'] });
        toast.success(t('The alerts are silenced.'), t('Alertmanager sends no notification of them until the silence ends.'));
      }}
    >
      {(err) => (
        <>
          <FormGroup label={t('Matchers')} isRequired fieldId="silence-matchers">
            <TextArea id="silence-matchers" value={text} onChange={(_e, v) => setText(v)} rows={Math.max(3, parsed.matchers.length + 1)} resizeOrientation="vertical" spellCheck={false} validated={bad || err?.fields.matchers ? 'error' : 'default'} data-test="silence-matchers" />
            <FieldHelp
              rule={t('One a line: name="value", name=~"regex", name!="value". The silence stops the alerts that match every one.')}
              error={bad ? t('Not a matcher: {{line}}', { line: parsed.bad[0] }) : err?.fields.matchers?.join(' ')}
              test="silence-matchers"
            />
          </FormGroup>
          <FormGroup label={t('For')} fieldId="silence-duration">
            <FormSelect id="silence-duration" value={duration} onChange={(_e, v) => setDuration(v)} data-test="silence-duration">
              {durations.map(([k]) => (
                <FormSelectOption key={k} value={k} label={durationTitle(k, t)} />
              ))}
            </FormSelect>
          </FormGroup>
          <FormGroup label={t('Comment')} isRequired fieldId="silence-comment">
            <TextInput id="silence-comment" value={comment} onChange={(_e, v) => setComment(v)} validated={err?.fields.comment ? 'error' : 'default'} data-test="silence-comment" />
            <FieldHelp rule={t('Why: others see it with your name.')} error={err?.fields.comment?.join(' ')} test="silence-comment" />
          </FormGroup>
        </>
      )}
    </FormModal>
  );
}

function durationTitle(k: string, t: (k: string) => string): string {
  switch (k) {
    case '1h':
      return t('1 hour');
    case '2h':
      return t('2 hours');
    case '4h':
      return t('4 hours');
    case '1d':
      return t('1 day');
    default:
      return t('1 week');
  }
}

function SilenceState({ state }: { state: string | undefined }) {
  const { t } = useTranslation('alerting');
  if (state === 'active')
    return (
      <Label isCompact color="blue" data-test="silence-state" data-state={state}>
        {t('Active')}
      </Label>
    );
  if (state === 'pending')
    return (
      <Label isCompact color="orange" data-test="silence-state" data-state={state}>
        {t('Starts later')}
      </Label>
    );
  return (
    <Label isCompact data-test="silence-state" data-state={state ?? 'expired'}>
      {t('Expired')}
    </Label>
  );
}

/** SilenceList is the silences of a project or of the platform, with who made them; an active one can be expired. */
export function SilenceList({ place }: { place: AlertPlace }) {
  const { t } = useTranslation('alerting');
  const toast = useToast();
  const client = useQueryClient();
  const res = silenceResource(place);
  const [canCreate, canDelete] = useAccess([
    { verb: 'create', ...res },
    { verb: 'delete', ...res },
  ]).allowed;
  const me = useSession().data?.username;
  const table = useTableState({ defaultSortBy: 'startsAt', defaultAscending: false, statusParam: 'state' });
  const silences = useSilences(place, table.params);
  const [creating, setCreating] = useState(false);
  const [expiring, setExpiring] = useState<SilenceRow>();
  const create = (
    <Button variant="secondary" onClick={() => setCreating(true)} data-test="create-silence">
      {t('Create silence')}
    </Button>
  );
  return (
    <>
      <ResourceTable<SilenceRow>
        id="silences"
        ariaLabel={t('Silences')}
        table={table}
        query={silences}
        nameFilter={false}
        toolbar={canCreate ? create : undefined}
        columns={[
          {
            title: t('Matchers'),
            render: (s) => (
              <code data-test="silence-matchers-text">
                {s.matchers.map(matcherText).join(', ')}
              </code>
            ),
          },
          { title: t('State'), render: (s) => <SilenceState state={silenceState(s)} /> },
          { title: t('Starts'), sortKey: 'startsAt', render: (s) => <Time ts={s.startsAt} />, hideBelow: 'xl' },
          { title: t('Ends'), sortKey: 'endsAt', render: (s) => <Time ts={s.endsAt} /> },
          { title: t('Made by'), render: (s) => s.createdBy ?? '-' },
          { title: t('Comment'), render: (s) => s.comment || '-', hideBelow: 'lg' },
        ]}
        // One's own silence may be expired by whoever may create silences; someone else's takes the right to delete them (as the API decides).
        actions={
          canDelete || canCreate
            ? (s) => (silenceState(s) === 'expired' || !(canDelete || s.createdBy === me) ? [] : [{ title: t('Expire'), isDanger: true, onClick: (x: SilenceRow) => setExpiring(x) }])
            : undefined
        }
        emptyTitle={t('No silences')}
        emptyText={t('A silence stops notifications of the alerts it matches for a while. Silence an alert from its row, or create one here.')}
      />
      {creating && <SilenceModal place={place} onClose={() => setCreating(false)} />}
      {expiring && (
        <ConfirmAction
          title={t('Expire this silence?')}
          confirmLabel={t('Expire')}
          danger
          test="expire-silence"
          onConfirm={async () => {
            await expireSilence(place, expiring.id);
            void client.invalidateQueries({ queryKey: ['alerting'] });
            toast.success(t('The silence has ended.'), t('The alerts it matched are notified again.'));
          }}
          onClose={() => setExpiring(undefined)}
        >
          <code>{expiring.matchers.map(matcherText).join(', ')}</code>
        </ConfirmAction>
      )}
    </>
  );
}
