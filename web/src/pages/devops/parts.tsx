import { Label } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { devopsActions, useCan } from '../../api/access';
import { phaseColor } from './graph';

/** phaseText is a phase in the user's words. */
export function usePhaseText(): (p: string | undefined) => string {
  const { t } = useTranslation('devops');
  const words: Record<string, string> = {
    Pending: t('Pending'),
    Queued: t('Queued'),
    Running: t('Running'),
    Waiting: t('Waiting for input'),
    Succeeded: t('Succeeded'),
    Failed: t('Failed'),
    Cancelled: t('Cancelled'),
    Skipped: t('Skipped'),
  };
  return (p) => words[p ?? 'Pending'] ?? p ?? '-';
}

/** PhaseLabel is a run's, stage's or step's phase, in colour. */
export function PhaseLabel({ phase, test = 'phase' }: { phase: string | undefined; test?: string }) {
  const text = usePhaseText();
  const p = phase ?? 'Pending';
  return (
    <Label isCompact color={phaseColor(p)} data-test={test} data-phase={p}>
      {text(p)}
    </Label>
  );
}

/** useTriggerText names a run's trigger kind. */
export function useTriggerText(): (k: string | undefined) => string {
  const { t } = useTranslation('devops');
  const words: Record<string, string> = { manual: t('Manual'), webhook: t('Webhook'), cron: t('Schedule'), rerun: t('Rerun'), replay: t('Replay') };
  return (k) => words[k ?? ''] ?? k ?? '-';
}

/** useDevOpsCan tells what the user may do in a DevOps project (the API refuses the rest regardless). */
export function useDevOpsCan(namespace: string) {
  const [createPipeline, updatePipeline, deletePipeline, run, updateRun, approve, createCredential, deleteCredential] = useCan(devopsActions(namespace));
  return { createPipeline, updatePipeline, deletePipeline, run, updateRun, approve, createCredential, deleteCredential };
}
