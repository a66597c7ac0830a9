import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import '../../i18n';
import type { TFunction } from 'i18next';
import { PodSpecView, probeText } from './PodSpecView';
import { rollbackTemplate, rollbackToRevision } from './rollback';
import { relativeTime } from '../../components/Time';

const t = ((s: string, o?: Record<string, unknown>) => s.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => String((o?.[k] as string | number | undefined) ?? ''))) as unknown as TFunction;

describe('PodSpecView', () => {
  it('names the ConfigMap and Secret a variable comes from, and never shows a Secret value', () => {
    const { container } = render(
      <MemoryRouter>
        <PodSpecView
          namespace="dev"
          spec={{
            containers: [
              {
                name: 'web',
                image: 'nginx:1.27',
                ports: [{ containerPort: 80 }],
                env: [
                  { name: 'MODE', value: 'prod' },
                  { name: 'COLOUR', valueFrom: { configMapKeyRef: { name: 'settings', key: 'colour' } } },
                  { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
                ],
                resources: { requests: { cpu: '100m' }, limits: { memory: '128Mi' } },
                readinessProbe: { httpGet: { path: '/healthz', port: 80 }, periodSeconds: 5 },
                volumeMounts: [{ name: 'data', mountPath: '/data' }],
              },
            ],
            volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'web-data' } }],
          }}
        />
      </MemoryRouter>,
    );
    const $ = (sel: string, root: ParentNode = container) => root.querySelector(`[data-test="${sel}"]`)!;
    const card = $('container-web');
    expect($('env-MODE', card).textContent).toContain('prod');
    expect($('link-configmaps-settings', card).getAttribute('href')).toBe('/projects/dev/configmaps/settings');
    const secret = $('env-PASSWORD', card);
    expect($('link-secrets-db', secret).getAttribute('href')).toBe('/projects/dev/secrets/db');
    expect(secret.textContent).toContain('password');
    expect(card.textContent).toContain('cpu 100m');
    expect(card.textContent).toContain('memory 128Mi');
    expect(card.textContent).toContain('GET /healthz on 80');
    expect($('link-persistentvolumeclaims-web-data')).toBeTruthy();
  });
});

describe('probeText', () => {
  it('says what a probe checks and how often', () => {
    expect(probeText({ tcpSocket: { port: 5432 }, initialDelaySeconds: 5 }, t)).toBe('TCP on 5432, after 5 s, every 10 s');
    expect(probeText({ exec: { command: ['cat', '/tmp/ok'] }, periodSeconds: 3, failureThreshold: 5 }, t)).toBe('cat /tmp/ok, every 3 s, 5 failures allowed');
    expect(probeText(undefined, t)).toBe('-');
  });
});

describe('rollbackTemplate', () => {
  it('is the ReplicaSet template without the hash label the controller added', () => {
    const rs = { spec: { template: { metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.26' }] } } } };
    expect(rollbackTemplate(rs)).toEqual({ metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.26' }] } });
    expect(rs.spec.template.metadata.labels['pod-template-hash']).toBe('abc');
  });
});

describe('relativeTime', () => {
  it('says how long ago, in the language given', () => {
    const now = Date.parse('2026-12-03T12:00:00Z');
    expect(relativeTime('2026-12-03T11:55:00Z', 'en', now)).toBe('5 minutes ago');
    expect(relativeTime('2026-12-01T12:00:00Z', 'en', now)).toBe('2 days ago');
    expect(relativeTime('2026-12-03T11:55:00Z', 'ko', now)).toBe('5분 전');
    expect(relativeTime(undefined, 'en', now)).toBe('-');
  });
});

describe('a pod\'s containers', () => {
  it('say what each container is doing', () => {
    const { container } = render(
      <MemoryRouter>
        <PodSpecView
          namespace="dev"
          spec={{ containers: [{ name: 'web', image: 'nginx' }, { name: 'sidecar', image: 'busybox' }] }}
          statuses={{
            main: [
              { name: 'web', ready: true, restartCount: 0, image: 'nginx', state: { running: { startedAt: '2026-12-03T11:00:00Z' } } },
              { name: 'sidecar', ready: false, restartCount: 4, image: 'busybox', state: { waiting: { reason: 'CrashLoopBackOff' } } },
            ],
          }}
        />
      </MemoryRouter>,
    );
    const $ = (sel: string) => container.querySelector(`[data-test="${sel}"]`)!;
    expect($('state-web').textContent).toContain('Running since');
    expect($('state-sidecar').textContent).toBe('Waiting: CrashLoopBackOff');
    expect($('container-sidecar').textContent).toContain('4');
  });
});

describe('rollbackToRevision', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('sends the ControllerRevision\'s data as a strategic merge patch of the workload, as kubectl rollout undo does', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal('fetch', vi.fn((url: string, init: RequestInit) => {
      calls.push({ url, init });
      return Promise.resolve(new Response('{}', { status: 200 }));
    }));
    const data = { spec: { template: { spec: { containers: [{ name: 'db', image: 'postgres:16' }] }, $patch: 'replace' } } };
    await rollbackToRevision('statefulsets', 'dev', 'db', { metadata: { name: 'db-1' }, data } as never);
    expect(calls[0].url).toMatch(/\/apis\/apps\/v1\/namespaces\/dev\/statefulsets\/db$/);
    expect(calls[0].init.method).toBe('PATCH');
    expect((calls[0].init.headers as Record<string, string>)['Content-Type']).toBe('application/strategic-merge-patch+json');
    expect(JSON.parse(calls[0].init.body as string)).toEqual(data);
  });
});
