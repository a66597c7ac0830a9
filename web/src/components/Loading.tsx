import { Bullseye, Spinner } from '@patternfly/react-core';

/** Loading is the spinner shown while a screen or its data loads. */
export function Loading() {
  return (
    <Bullseye>
      <Spinner aria-label="Loading" />
    </Bullseye>
  );
}
