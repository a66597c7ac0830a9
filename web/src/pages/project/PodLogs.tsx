import { Button, FormSelect, FormSelectOption, Switch, Toolbar, ToolbarContent, ToolbarItem } from '@patternfly/react-core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, request, type Status } from '../../api/client';
import type { Pod } from '../../api/types';
import { url } from '../../config';
import { ErrorAlert } from '../../components/ErrorAlert';

const maxChars = 2_000_000;

function logPath(pod: Pod, container: string, follow: boolean): string {
  const q = new URLSearchParams({ container, tailLines: '1000', timestamps: 'false' });
  if (follow) q.set('follow', 'true');
  return `/api/v1/namespaces/${encodeURIComponent(pod.metadata.namespace!)}/pods/${encodeURIComponent(pod.metadata.name)}/log?${q}`;
}

/** PodLogs shows a container's log, following it as it grows. */
export function PodLogs({ pod }: { pod: Pod }) {
  const { t } = useTranslation('project');
  const containers = pod.spec.containers.map((c) => c.name);
  const [container, setContainer] = useState(containers[0]);
  const [follow, setFollow] = useState(true);
  const [text, setText] = useState('');
  const [error, setError] = useState<unknown>();
  const box = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const ctl = new AbortController();
    setText('');
    setError(undefined);
    (async () => {
      const resp = await fetch(url(logPath(pod, container, follow)), { signal: ctl.signal, credentials: 'same-origin' });
      if (!resp.ok || !resp.body) {
        const status = (await resp.json().catch(() => ({ code: resp.status }))) as Status;
        setError(new ApiError(resp.status, status));
        return;
      }
      const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        setText((prev) => (prev + value).slice(-maxChars));
      }
    })().catch((e: unknown) => {
      if (!ctl.signal.aborted) setError(e);
    });
    return () => ctl.abort();
  }, [pod, container, follow]);

  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [text, follow]);

  const download = async () => {
    setError(undefined);
    const all = await request<string>(logPath(pod, container, false).replace('tailLines=1000&', ''), { raw: true }).catch((e: unknown) => {
      setError(e);
      return undefined;
    });
    if (all === undefined) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([all], { type: 'text/plain' }));
    a.download = `${pod.metadata.name}-${container}.log`;
    a.click();
    URL.revokeObjectURL(a.href);
  };

  return (
    <>
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem>
            <FormSelect aria-label={t('Container')} value={container} onChange={(_e, v) => setContainer(v)} data-test="log-container">
              {containers.map((c) => (
                <FormSelectOption key={c} value={c} label={c} />
              ))}
            </FormSelect>
          </ToolbarItem>
          <ToolbarItem>
            <Switch id="follow" label={t('Follow')} isChecked={follow} onChange={(_e, v) => setFollow(v)} data-test="log-follow" />
          </ToolbarItem>
          <ToolbarItem>
            <Button variant="secondary" onClick={() => void download()} data-test="log-download">
              {t('Download')}
            </Button>
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      {error ? <ErrorAlert error={error} /> : null}
      <pre ref={box} className="ke-logs" data-test="logs" tabIndex={0} aria-label={t('Log of {{container}}', { container })}>
        {text}
      </pre>
    </>
  );
}
