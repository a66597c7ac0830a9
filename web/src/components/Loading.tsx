import { Bullseye, Spinner } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';

/** Loading is the spinner shown while a screen or its data loads. */
export function Loading() {
  const { t } = useTranslation('common');
  return (
    <Bullseye>
      <Spinner aria-label={t('Loading')} />
    </Bullseye>
  );
}
