import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stackFile, type Stack } from './stack';

const root = resolve(import.meta.dirname, '..', '..');

const given = new Set<number>();

/** The first port of the kernel's ephemeral range, which it also gives to outgoing connections. */
function ephemeralStart(): number {
  try {
    const n = Number.parseInt(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0] ?? '', 10);
    return Number.isFinite(n) ? n : 32768;
  } catch {
    return 32768;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });
}

/**
 * freePort picks a free loopback port below the kernel's ephemeral range,
 * as internal/dev/freeport does for the Go tests: a port from the ephemeral
 * range may be given to one of the cluster's client connections before the
 * program meant to listen on it binds it.
 */
async function freePort(): Promise<number> {
  const low = 10000;
  const high = ephemeralStart() - 1;
  for (let i = 0; i < 200; i++) {
    const p = low + Math.floor(Math.random() * (high - low + 1));
    if (!given.has(p) && (await bindable(p))) {
      given.add(p);
      return p;
    }
  }
  throw new Error('no free loopback port below the ephemeral range');
}

/**
 * Starts bin/ke-dev (etcd, kube-apiserver, controllers, KWOK nodes,
 * ke-controller-manager, ke-apiserver and ke-console) with its own data
 * folder and free ports, and waits until it prints the console's address
 * and the initial administrator's password.
 */
export default async function globalSetup() {
  const dataDir = mkdtempSync(join(tmpdir(), 'ke-console-e2e-'));
  const flags = ['--etcd-port', '--etcd-peer-port', '--apiserver-port', '--controller-manager-port', '--scheduler-port', '--kubelet-port', '--ke-controller-manager-health-port', '--ke-controller-manager-metrics-port', '--redis-port', '--ke-apiserver-port', '--ke-console-port', '--metrics-server-port', '--prometheus-port', '--logs-port', '--ke-controller-manager-state-metrics-port', '--ke-controller-manager-quota-webhook-port', '--alertmanager-port', '--mailpit-port', '--mailpit-smtp-port', '--webhook-sink-port', '--chart-repo-port', '--kwok-server-port', '--gitea-port', '--meshsim-port', '--jaeger-port', '--jaeger-otlp-grpc-port', '--jaeger-otlp-http-port'];
  const ports: string[] = [];
  for (const f of flags) ports.push(`${f}=${await freePort()}`);
  const logFile = join(dataDir, 'ke-dev.out');
  const out = openSync(logFile, 'a');
  const child = spawn(join(root, 'bin', 'ke-dev'), ['up', '--data-dir', dataDir, '--platform-bin-dir', join(root, 'bin'), '--manifest-dir', join(root, 'config'), '--nodes', '2', '--clusters', '2', ...ports], {
    cwd: root,
    stdio: ['ignore', out, out],
    detached: false,
  });
  const deadline = Date.now() + 180_000;
  for (;;) {
    const text = readFileSync(logFile, 'utf8');
    const consoleURL = text.match(/Console: (https:\/\/\S+)/)?.[1];
    const password = text.match(/Initial administrator: user admin, password (\S+)/)?.[1];
    if (consoleURL && password) {
      const s: Stack = { consoleURL: consoleURL.replace(/\/$/, ''), adminPassword: password, kubeconfig: join(dataDir, 'kubeconfig'), dataDir, pid: child.pid! };
      writeFileSync(stackFile, JSON.stringify(s));
      return;
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`ke-dev did not get ready (exit ${child.exitCode}):\n${text}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
