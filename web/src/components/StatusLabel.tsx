import { Label } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';

const colors: Record<string, 'green' | 'blue' | 'orange' | 'red' | 'grey'> = {
  running: 'green', ready: 'green', active: 'green', completed: 'blue', succeeded: 'blue', bound: 'green',
  updating: 'blue', pending: 'orange', stopped: 'grey', terminating: 'orange', notready: 'red', failed: 'red',
  disabled: 'grey', authlimitexceeded: 'red', lost: 'red', true: 'green', false: 'red',
};

/** StatusLabel shows a state (as the list engine's status filter names it) in colour. */
export function StatusLabel({ status }: { status: string | undefined }) {
  const { t } = useTranslation('common');
  const s = (status ?? 'unknown').toLowerCase();
  return (
    <Label color={colors[s] ?? 'grey'} data-test="status" isCompact>
      {t(s.charAt(0).toUpperCase() + s.slice(1))}
    </Label>
  );
}
