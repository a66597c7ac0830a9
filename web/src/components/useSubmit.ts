import { useState } from 'react';

/**
 * useSubmit runs a dialog's action: busy while it runs, the dialog closed
 * when it succeeds, and the error kept to show when it fails.
 */
export function useSubmit(action: () => Promise<unknown>, onDone: () => void) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}
