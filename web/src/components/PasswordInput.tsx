import { Button, InputGroup, InputGroupItem, TextInput } from '@patternfly/react-core';
import EyeIcon from '@patternfly/react-icons/dist/esm/icons/eye-icon';
import EyeSlashIcon from '@patternfly/react-icons/dist/esm/icons/eye-slash-icon';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';

/** PasswordInput is a password field with a button that shows or hides what was typed. */
export function PasswordInput({
  id,
  value,
  onChange,
  autoComplete,
  test,
  validated,
  isRequired,
  autoFocus,
  ariaDescribedBy,
}: {
  id: string;
  value: string;
  onChange: (v: string) => void;
  autoComplete: 'current-password' | 'new-password';
  test: string;
  validated?: 'default' | 'error' | 'success';
  isRequired?: boolean;
  autoFocus?: boolean;
  ariaDescribedBy?: string;
}) {
  const { t } = useTranslation('common');
  const [shown, setShown] = useState(false);
  return (
    <InputGroup>
      <InputGroupItem isFill>
        <TextInput
          id={id}
          name={id}
          type={shown ? 'text' : 'password'}
          autoComplete={autoComplete}
          value={value}
          onChange={(_e, v) => onChange(v)}
          validated={validated}
          isRequired={isRequired}
          autoFocus={autoFocus}
          aria-describedby={ariaDescribedBy}
          data-test={test}
        />
      </InputGroupItem>
      <InputGroupItem>
        <Button
          variant="control"
          onClick={() => setShown(!shown)}
          aria-label={shown ? t('Hide the password') : t('Show the password')}
          aria-pressed={shown}
          data-test={`${test}-toggle`}
          icon={shown ? <EyeSlashIcon /> : <EyeIcon />}
        />
      </InputGroupItem>
    </InputGroup>
  );
}
