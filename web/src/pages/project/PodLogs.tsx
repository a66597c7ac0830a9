import { Button, FormSelect, FormSelectOption, Switch, Toolbar, ToolbarContent, ToolbarItem } from '@patternfly/react-core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCluster } from '../../api/cluster';
import { readPodLog, streamPodLog } from '../../api/pods';
import type { Pod } from '../../api/types';
import { ErrorAlert } from '../../components/ErrorAlert';

const maxChars = 2_000_000;

/**
 * PodLogs shows a container's log, following it as it grows. The stream
 * depends on the pod's namespace and name only: the live pod object
 * changes with every status update, and the log must not start over then.
 */
export function PodLogs({ pod }: { pod: Pod }) {
  const { t } = useTranslation('project');
  const namespace = pod.metadata.namespace ?? '';
  const name = pod.metadata.name;
  const containers = pod.spec.containers.map((c) => c.name);
  const [container, setContainer] = useState(containers[0]);
  const [follow, setFollow] = useState(true);
  // The text and error of one stream: a new stream (another container, or
  // following switched) starts empty.
  const stream = JSON.stringify([namespace, name, container, follow]);
  const [log, setLog] = useState<{ stream: string; text: string; error?: unknown }>({ stream, text: '' });
  const [failedDownload, setFailedDownload] = useState<{ stream: string; error: unknown }>();
  const text = log.stream === stream ? log.text : '';
  const error = (failedDownload?.stream === stream ? failedDownload.error : undefined) ?? (log.stream === stream ? log.error : undefined);
  const box = useRef<HTMLPreElement>(null);
  const cluster = useCluster();

  useEffect(() => {
    const ctl = new AbortController();
    const own = (l: { stream: string; text: string }) => (l.stream === stream ? l.text : '');
    const append = (chunk: string) => setLog((l) => ({ stream, text: (own(l) + chunk).slice(-maxChars) }));
    streamPodLog(namespace, name, container, follow, append, ctl.signal, cluster).catch((e: unknown) => {
      if (!ctl.signal.aborted) setLog((l) => ({ stream, text: own(l), error: e }));
    });
    return () => ctl.abort();
  }, [stream, namespace, name, container, follow, cluster]);

  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [text, follow]);

  const download = async () => {
    setFailedDownload(undefined);
    const all = await readPodLog(namespace, name, container, cluster).catch((e: unknown) => {
      setFailedDownload({ stream, error: e });
      return undefined;
    });
    if (all === undefined) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([all], { type: 'text/plain' }));
    a.download = `${name}-${container}.log`;
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
