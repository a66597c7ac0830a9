import { Label } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { severityTitle } from './RuleEditor';

/** AlertStateLabel shows a rule's or an alert's state: firing in red, pending in orange, inactive in grey. */
export function AlertStateLabel({ state, test = 'alert-state' }: { state: string | undefined; test?: string }) {
  const { t } = useTranslation('alerting');
  switch (state) {
    case 'firing':
      return (
        <Label isCompact color="red" data-test={test} data-state="firing">
          {t('Firing')}
        </Label>
      );
    case 'pending':
      return (
        <Label isCompact color="orange" data-test={test} data-state="pending">
          {t('Pending')}
        </Label>
      );
    default:
      return (
        <Label isCompact data-test={test} data-state="inactive">
          {t('Inactive')}
        </Label>
      );
  }
}

const severityColors: Record<string, 'red' | 'orange' | 'yellow' | 'blue'> = { critical: 'red', error: 'orange', warning: 'yellow', info: 'blue' };

export function SeverityLabel({ severity }: { severity: string | undefined }) {
  const { t } = useTranslation('alerting');
  if (!severity) return <>-</>;
  return (
    <Label isCompact color={severityColors[severity] ?? 'grey'} data-test="severity">
      {severityTitle(severity, t)}
    </Label>
  );
}
