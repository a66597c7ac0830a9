import styles from '@patternfly/react-styles/css/components/Label/label';
import { css } from '@patternfly/react-styles';
import { useTranslation } from 'react-i18next';

const colors: Record<string, 'green' | 'blue' | 'orange' | 'red' | 'grey'> = {
  running: 'green', ready: 'green', active: 'green', completed: 'blue', succeeded: 'blue', bound: 'green',
  updating: 'blue', pending: 'orange', stopped: 'grey', terminating: 'orange', notready: 'red', failed: 'red',
  disabled: 'grey', authlimitexceeded: 'red', lost: 'red', true: 'green', false: 'red',
};

/**
 * StatusLabel shows a state (as the list engine's status filter names it)
 * in colour. It draws PatternFly's compact label with the label's own
 * classes rather than its component: the component measures its text on
 * every mount to decide on a tooltip, which forces a layout per row when a
 * table page changes, and a state's word never needs truncating.
 */
export function StatusLabel({ status }: { status: string | undefined }) {
  const { t } = useTranslation('common');
  const s = (status ?? 'unknown').toLowerCase();
  const color = colors[s] ?? 'grey';
  return (
    <span className={css(styles.label, styles.modifiers.filled, styles.modifiers.compact, color !== 'grey' && styles.modifiers[color])} data-test="status">
      <span className={styles.labelContent}>
        <span className={styles.labelText}>{t(s.charAt(0).toUpperCase() + s.slice(1))}</span>
      </span>
    </span>
  );
}
