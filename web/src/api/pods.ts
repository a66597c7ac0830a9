import { url } from '../config';
import { ApiError, clusterPath, request, type Status } from './client';

// A pod's log and shell, through ke-apiserver's Kubernetes API.

const enc = encodeURIComponent;

function podPath(namespace: string, name: string): string {
  return `/api/v1/namespaces/${enc(namespace)}/pods/${enc(name)}`;
}

/** podLogPath is the path of a container's log: its last lines (all with tailLines unset), followed or not. */
export function podLogPath(namespace: string, name: string, container: string, opts: { follow?: boolean; tailLines?: number } = {}): string {
  const q = new URLSearchParams({ container });
  if (opts.tailLines !== undefined) q.set('tailLines', String(opts.tailLines));
  q.set('timestamps', 'false');
  if (opts.follow) q.set('follow', 'true');
  return `${podPath(namespace, name)}/log?${q}`;
}

/**
 * streamPodLog reads a container's last lines, and with follow the lines
 * it writes after, giving each chunk to onText as it comes, until the log
 * ends or signal aborts.
 */
export async function streamPodLog(namespace: string, name: string, container: string, follow: boolean, onText: (chunk: string) => void, signal: AbortSignal, cluster?: string): Promise<void> {
  const resp = await fetch(url(clusterPath(cluster, podLogPath(namespace, name, container, { follow, tailLines: 1000 }))), { signal, credentials: 'same-origin' });
  if (!resp.ok || !resp.body) {
    const status = (await resp.json().catch(() => ({ code: resp.status }))) as Status;
    throw new ApiError(resp.status, status);
  }
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onText(value);
  }
}

/** readPodLog is a container's whole log, for download. */
export function readPodLog(namespace: string, name: string, container: string, cluster?: string): Promise<string> {
  return request<string>(podLogPath(namespace, name, container), { raw: true, cluster });
}

/** podExecURL is the WebSocket URL of a command in a container, with a terminal. */
export function podExecURL(namespace: string, name: string, container: string, command: string[], loc: Location = window.location, cluster?: string): string {
  const q = new URLSearchParams({ container, stdin: 'true', stdout: 'true', stderr: 'true', tty: 'true' });
  for (const c of command) q.append('command', c);
  const path = url(clusterPath(cluster, `${podPath(namespace, name)}/exec?${q}`));
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}${path}`;
}
