import { FormGroup, FormSelect, FormSelectOption } from '@patternfly/react-core';
import { useTranslation } from 'react-i18next';
import { languages, setLanguage, type Language } from '../i18n';

export function LanguageSwitch() {
  const { t, i18n } = useTranslation('common');
  return (
    <FormGroup label={t('Language')} fieldId="language">
      <FormSelect id="language" value={i18n.language} onChange={(_e, v) => void setLanguage(v as Language)} data-test="language">
        {languages.map((l) => (
          <FormSelectOption key={l.code} value={l.code} label={l.label} />
        ))}
      </FormSelect>
    </FormGroup>
  );
}
