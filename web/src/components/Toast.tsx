import { Alert, AlertActionCloseButton, AlertGroup } from '@patternfly/react-core';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export interface ToastMessage {
  id: number;
  variant: 'success' | 'info' | 'warning' | 'danger';
  title: string;
  detail?: string;
}

export interface Toasts {
  /** success says that an action was done: created, scaled, restarted, deleted, saved ... */
  success: (title: string, detail?: string) => void;
  info: (title: string, detail?: string) => void;
  warning: (title: string, detail?: string) => void;
}

const noop = () => undefined;
const ToastContext = createContext<Toasts>({ success: noop, info: noop, warning: noop });

/** useToast gives the functions that show a short message in the page's corner after an action. */
export function useToast(): Toasts {
  return useContext(ToastContext);
}

let next = 1;

/**
 * ToastProvider shows the messages of useToast for eight seconds each (or
 * until closed), announced to screen readers.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation('common');
  const [messages, setMessages] = useState<ToastMessage[]>([]);
  const remove = useCallback((id: number) => setMessages((m) => m.filter((x) => x.id !== id)), []);
  const add = useCallback((variant: ToastMessage['variant'], title: string, detail?: string) => {
    setMessages((m) => [...m.slice(-3), { id: next++, variant, title, detail }]);
  }, []);
  const api = useMemo<Toasts>(
    () => ({
      success: (title, detail) => add('success', title, detail),
      info: (title, detail) => add('info', title, detail),
      warning: (title, detail) => add('warning', title, detail),
    }),
    [add],
  );
  return (
    <ToastContext.Provider value={api}>
      {children}
      <AlertGroup isToast isLiveRegion data-test="toasts">
        {messages.map((m) => (
          <Alert
            key={m.id}
            variant={m.variant}
            title={m.title}
            timeout={8000}
            onTimeout={() => remove(m.id)}
            actionClose={<AlertActionCloseButton title={m.title} aria-label={t('Close')} onClose={() => remove(m.id)} />}
            data-test="toast"
          >
            {m.detail}
          </Alert>
        ))}
      </AlertGroup>
    </ToastContext.Provider>
  );
}
