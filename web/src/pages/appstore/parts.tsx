import { Button, Form, FormGroup, Label, Modal, ModalBody, ModalFooter, ModalHeader, TextArea } from '@patternfly/react-core';
import CubesIcon from '@patternfly/react-icons/dist/esm/icons/cubes-icon';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { safeIcon, versionAction, type ApplicationVersion, type ReleasePhase, type ReviewEvent, type ReviewState, type VersionAction } from '../../api/appstore';
import { ErrorAlert } from '../../components/ErrorAlert';
import { FieldHelp } from '../../components/FormModal';
import { Time } from '../../components/Time';
import { useSubmit } from '../../components/useSubmit';

/** AppIcon is an app's icon (https or a data: image only), or a generic one. */
export function AppIcon({ icon, size = 48 }: { icon?: string; size?: number }) {
  const src = safeIcon(icon);
  if (!src) return <CubesIcon style={{ width: size, height: size }} aria-hidden data-test="app-icon-none" />;
  return <img src={src} alt="" width={size} height={size} style={{ objectFit: 'contain' }} referrerPolicy="no-referrer" data-test="app-icon" />;
}

const stateColors: Record<ReviewState, 'grey' | 'blue' | 'green' | 'red' | 'orange' | 'purple'> = {
  draft: 'grey',
  submitted: 'blue',
  passed: 'purple',
  rejected: 'red',
  active: 'green',
  suspended: 'orange',
};

/** ReviewStateLabel is a version's (or an app's) state in the review workflow. */
export function ReviewStateLabel({ state, test = 'review-state' }: { state?: ReviewState; test?: string }) {
  const { t } = useTranslation('appstore');
  const s = state ?? 'draft';
  const text: Record<ReviewState, string> = {
    draft: t('Draft'),
    submitted: t('In review'),
    passed: t('Approved'),
    rejected: t('Rejected'),
    active: t('In the store'),
    suspended: t('Suspended'),
  };
  return (
    <Label isCompact color={stateColors[s]} data-test={test} data-state={s}>
      {text[s] ?? s}
    </Label>
  );
}

const phaseColors: Record<ReleasePhase, 'grey' | 'blue' | 'green' | 'red' | 'orange'> = {
  Pending: 'grey',
  Installing: 'blue',
  Upgrading: 'blue',
  RollingBack: 'blue',
  Deployed: 'green',
  Failed: 'red',
  Uninstalling: 'orange',
};

/** ReleasePhaseLabel is a release's phase. */
export function ReleasePhaseLabel({ phase }: { phase?: ReleasePhase }) {
  const { t } = useTranslation('appstore');
  const p = phase ?? 'Pending';
  const text: Record<ReleasePhase, string> = {
    Pending: t('Pending'),
    Installing: t('Installing'),
    Upgrading: t('Upgrading'),
    RollingBack: t('Rolling back'),
    Deployed: t('Deployed'),
    Failed: t('Failed'),
    Uninstalling: t('Uninstalling'),
  };
  return (
    <Label isCompact color={phaseColors[p] ?? 'grey'} data-test="release-phase" data-phase={p}>
      {text[p] ?? p}
    </Label>
  );
}

/** useActionTitles names the workflow's actions on buttons and dialogs. */
export function useActionTitles(): Record<VersionAction, string> {
  const { t } = useTranslation('appstore');
  return {
    submit: t('Submit for review'),
    withdraw: t('Withdraw'),
    pass: t('Approve'),
    reject: t('Reject'),
    release: t('Release to the store'),
    suspend: t('Suspend'),
    recover: t('Put back in the store'),
    draft: t('Back to draft'),
  };
}

/**
 * VersionActionModal carries out one step of the review workflow with an
 * optional comment (a rejection needs one: it tells the developer what to
 * fix), and shows the server's refusal when there is one.
 */
export function VersionActionModal({
  version,
  action,
  onDone,
  onClose,
}: {
  version: ApplicationVersion;
  action: VersionAction;
  onDone: (v: ApplicationVersion) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation('appstore');
  const titles = useActionTitles();
  const [message, setMessage] = useState('');
  const needsMessage = action === 'reject';
  const { busy, error, submit } = useSubmit(async () => onDone(await versionAction(version.spec.application, version.metadata.name, action, message.trim() || undefined)), onClose);
  const canSubmit = !busy && (!needsMessage || message.trim() !== '');
  return (
    <Modal isOpen onClose={onClose} variant="small" aria-labelledby="version-action-title" data-test="version-action">
      <ModalHeader title={`${titles[action]}: ${version.spec.application} ${version.spec.version}`} labelId="version-action-title" titleIconVariant={action === 'reject' || action === 'suspend' ? 'warning' : undefined} />
      <ModalBody>
        <Form
          onSubmit={(e) => {
            e.preventDefault();
            if (canSubmit) void submit();
          }}
        >
          <FormGroup label={needsMessage ? t('Reason') : t('Comment')} fieldId="review-message" isRequired={needsMessage}>
            <TextArea id="review-message" value={message} onChange={(_e, v) => setMessage(v)} rows={3} data-test="review-message" autoFocus />
            <FieldHelp rule={needsMessage ? t('Say what must change: the developer reads it with the version.') : t('Optional; kept in the version’s review history.')} />
          </FormGroup>
        </Form>
        {error ? <ErrorAlert error={error} /> : null}
      </ModalBody>
      <ModalFooter>
        <Button variant={action === 'reject' || action === 'suspend' ? 'danger' : 'primary'} onClick={() => void submit()} isDisabled={!canSubmit} isLoading={busy} data-test="version-action-confirm">
          {titles[action]}
        </Button>
        <Button variant="link" onClick={onClose}>
          {t('Cancel')}
        </Button>
      </ModalFooter>
    </Modal>
  );
}

/** ReviewHistory is a version's review events, oldest first: who moved it, when, and what they said. */
export function ReviewHistory({ reviews }: { reviews: ReviewEvent[] | undefined }) {
  const { t } = useTranslation('appstore');
  if (!reviews || reviews.length === 0) return <p data-test="review-history-empty">{t('No review steps yet.')}</p>;
  return (
    <ol className="ke-review-history" data-test="review-history">
      {reviews.map((r, i) => (
        <li key={i} data-test="review-event" data-to={r.to}>
          <ReviewStateLabel state={r.to} test="review-event-state" /> <strong>{r.user}</strong> <Time ts={r.time} />
          {r.message && (
            <blockquote className="ke-review-message" data-test="review-event-message">
              {r.message}
            </blockquote>
          )}
        </li>
      ))}
    </ol>
  );
}
