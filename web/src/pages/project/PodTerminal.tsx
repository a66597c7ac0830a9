import '@xterm/xterm/css/xterm.css';
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import { FormSelect, FormSelectOption, Label, Toolbar, ToolbarContent, ToolbarItem } from '@patternfly/react-core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCluster } from '../../api/cluster';
import { podExecURL } from '../../api/pods';
import type { Pod } from '../../api/types';

// Kubernetes' WebSocket exec protocol: every binary frame starts with its
// channel.
const stdin = 0;
const stdout = 1;
const stderr = 2;
const errorChannel = 3;
const resize = 4;

export function frame(channel: number, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(new ArrayBuffer(data.length + 1));
  out[0] = channel;
  out.set(data, 1);
  return out;
}

/**
 * PodTerminal is a shell in a container, over the Kubernetes exec
 * WebSocket. The session depends on the pod's namespace and name only: the
 * live pod object changes with every status update, and the shell must
 * not be closed then.
 */
export default function PodTerminal({ pod }: { pod: Pod }) {
  const { t } = useTranslation('project');
  const namespace = pod.metadata.namespace ?? '';
  const name = pod.metadata.name;
  const containers = pod.spec.containers.map((c) => c.name);
  const [container, setContainer] = useState(containers[0]);
  const [state, setState] = useState<'connecting' | 'open' | 'closed'>('connecting');
  const host = useRef<HTMLDivElement>(null);
  const cluster = useCluster();

  useEffect(() => {
    if (!host.current) return;
    const term = new Terminal({ cursorBlink: true, fontSize: 13, convertEol: true });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host.current);
    fit.fit();
    const enc = new TextEncoder();
    const dec = new TextDecoder();
    const ws = new WebSocket(podExecURL(namespace, name, container, ['sh'], window.location, cluster), ['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    ws.binaryType = 'arraybuffer';
    setState('connecting');
    const sendSize = () => {
      if (ws.readyState === WebSocket.OPEN) ws.send(frame(resize, enc.encode(JSON.stringify({ Width: term.cols, Height: term.rows }))));
    };
    ws.onopen = () => {
      setState('open');
      sendSize();
      term.focus();
    };
    ws.onmessage = (ev) => {
      const data = new Uint8Array(ev.data as ArrayBuffer);
      if (data.length === 0) return;
      const ch = data[0];
      const body = data.subarray(1);
      if (ch === stdout || ch === stderr) term.write(body);
      else if (ch === errorChannel && body.length > 0) {
        const msg = dec.decode(body);
        if (!msg.includes('"Success"')) term.write(`\r\n${msg}\r\n`);
      }
    };
    ws.onclose = () => {
      setState('closed');
      term.write(`\r\n[${t('connection closed')}]\r\n`);
    };
    const input = term.onData((d) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(frame(stdin, enc.encode(d)));
    });
    const onResize = () => {
      fit.fit();
      sendSize();
    };
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      input.dispose();
      ws.close();
      term.dispose();
    };
  }, [namespace, name, container, cluster, t]);

  return (
    <>
      <Toolbar>
        <ToolbarContent>
          <ToolbarItem>
            <FormSelect aria-label={t('Container')} value={container} onChange={(_e, v) => setContainer(v)} data-test="terminal-container">
              {containers.map((c) => (
                <FormSelectOption key={c} value={c} label={c} />
              ))}
            </FormSelect>
          </ToolbarItem>
          <ToolbarItem>
            <Label color={state === 'open' ? 'green' : state === 'closed' ? 'grey' : 'orange'} data-test="terminal-state" data-state={state}>
              {t(state === 'open' ? 'Connected' : state === 'closed' ? 'Disconnected' : 'Connecting')}
            </Label>
          </ToolbarItem>
        </ToolbarContent>
      </Toolbar>
      <div ref={host} className="ke-terminal" data-test="terminal" />
    </>
  );
}
