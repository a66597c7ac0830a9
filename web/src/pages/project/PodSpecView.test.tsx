import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router';
import '../../i18n';
import type { TFunction } from 'i18next';
import { PodSpecView, probeText } from './PodSpecView';
import { rollbackTemplate } from './rollback';
import { relativeTime } from '../../components/Time';

const t = ((s: string, o?: Record<string, unknown>) => s.replace(/\{\{(\w+)\}\}/g, (_m, k: string) => String(o?.[k] ?? ''))) as unknown as TFunction;

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
