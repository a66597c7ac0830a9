import { fromYAML, toYAML } from '../../api/yaml';
import type { Workload } from '../../api/types';
import { fieldsOf, newDeployment, serviceFor, withFields, type DeploymentFields } from './deploymentForm';

describe('the Deployment form and its YAML', () => {
  it('writes the form fields into the object, labels and selector included', () => {
    const d = withFields(newDeployment('dev'), { name: 'web', image: 'nginx:1.27', replicas: 3, port: 80 });
    expect(d.metadata.name).toBe('web');
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.selector?.matchLabels).toEqual({ app: 'web' });
    expect(d.spec.template.metadata?.labels).toEqual({ app: 'web' });
    expect(d.spec.template.spec.containers[0]).toMatchObject({ image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }] });
  });

  it('reads back what the YAML says, and keeps YAML-only fields when the form changes', () => {
    const d = withFields(newDeployment('dev'), { name: 'web', image: 'nginx', replicas: 1, port: undefined });
    const text = toYAML(d).replace('replicas: 1', 'replicas: 4').replace('image: nginx', 'image: nginx\n          imagePullPolicy: Always');
    const edited = fromYAML(text) as Workload;
    expect(fieldsOf(edited)).toEqual({
      name: 'web',
      image: 'nginx',
      replicas: 4,
      port: undefined,
      env: [],
      resources: { requestCPU: '', requestMemory: '', limitCPU: '', limitMemory: '' },
      readiness: { type: 'none', path: '', port: undefined },
      liveness: { type: 'none', path: '', port: undefined },
      volumes: [],
      labels: [],
    });
    const again = withFields(edited, { ...fieldsOf(edited), image: 'nginx:2' });
    expect(again.spec.template.spec.containers[0]).toMatchObject({ image: 'nginx:2', imagePullPolicy: 'Always' });
    expect(again.spec.replicas).toBe(4);
  });

  it('renaming keeps a custom app label', () => {
    const d = newDeployment('dev');
    d.spec.template.metadata = { labels: { app: 'custom' } };
    const out = withFields(d, { name: 'web', image: 'x', replicas: 1, port: undefined });
    expect(out.spec.template.metadata?.labels?.app).toBe('custom');
  });

  it('refuses YAML that is not one object', () => {
    expect(() => fromYAML('- a\n- b')).toThrow();
    expect(() => fromYAML('kind: Deployment')).toThrow(/metadata/);
  });

  it('writes env, resources, probes, volumes and labels, and reads them back from the YAML', () => {
    const f: DeploymentFields = {
      name: 'web',
      image: 'nginx:1.27',
      replicas: 2,
      port: 8080,
      env: [
        { name: 'MODE', source: 'value', value: 'prod', ref: '', key: '' },
        { name: 'COLOUR', source: 'configMap', value: '', ref: 'settings', key: 'colour' },
        { name: 'PASSWORD', source: 'secret', value: '', ref: 'db', key: 'password' },
      ],
      resources: { requestCPU: '100m', requestMemory: '64Mi', limitCPU: '', limitMemory: '128Mi' },
      readiness: { type: 'http', path: '/healthz', port: 8080 },
      liveness: { type: 'tcp', path: '', port: 8080 },
      volumes: [
        { name: 'config', source: 'configMap', ref: 'settings', mountPath: '/etc/web' },
        { name: 'data', source: 'pvc', ref: 'web-data', mountPath: '/data' },
      ],
      labels: [['tier', 'front']],
    };
    const d = withFields(newDeployment('dev'), f);
    const c = d.spec.template.spec.containers[0] as unknown as Record<string, unknown>;
    expect(c.env).toEqual([
      { name: 'MODE', value: 'prod' },
      { name: 'COLOUR', valueFrom: { configMapKeyRef: { name: 'settings', key: 'colour' } } },
      { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
    ]);
    expect(c.resources).toEqual({ requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } });
    expect(c.readinessProbe).toEqual({ httpGet: { path: '/healthz', port: 8080 } });
    expect(c.livenessProbe).toEqual({ tcpSocket: { port: 8080 } });
    expect(d.spec.template.spec.volumes).toEqual([
      { name: 'config', configMap: { name: 'settings' } },
      { name: 'data', persistentVolumeClaim: { claimName: 'web-data' } },
    ]);
    expect(c.volumeMounts).toEqual([
      { name: 'config', mountPath: '/etc/web', readOnly: true },
      { name: 'data', mountPath: '/data' },
    ]);
    expect(d.metadata.labels).toEqual({ app: 'web', tier: 'front' });
    expect(d.spec.template.metadata?.labels).toEqual({ app: 'web', tier: 'front' });
    expect(d.spec.selector?.matchLabels).toEqual({ app: 'web' });
    expect(fieldsOf(fromYAML(toYAML(d)) as Workload)).toEqual(f);
  });

  it('keeps what the form does not edit: other env sources, probe timings, other volumes and mounts', () => {
    const d = withFields(newDeployment('dev'), { name: 'web', image: 'nginx', replicas: 1, port: undefined });
    const c = d.spec.template.spec.containers[0] as unknown as Record<string, unknown>;
    c.env = [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }];
    c.readinessProbe = { httpGet: { path: '/', port: 80 }, periodSeconds: 3 };
    c.livenessProbe = { exec: { command: ['true'] } };
    c.volumeMounts = [{ name: 'tmp', mountPath: '/tmp' }];
    d.spec.template.spec.volumes = [{ name: 'tmp', emptyDir: {} }];
    const f = fieldsOf(d);
    expect(f.env[0]).toMatchObject({ name: 'POD', source: 'other' });
    expect(f.liveness.type).toBe('other');
    const out = withFields(d, {
      ...f,
      readiness: { type: 'tcp', path: '', port: 81 },
      volumes: [{ name: 'cfg', source: 'secret', ref: 'tls', mountPath: '/tls' }],
      resources: { requestCPU: '1', requestMemory: '', limitCPU: '', limitMemory: '' },
    });
    const oc = out.spec.template.spec.containers[0] as unknown as Record<string, unknown>;
    expect(oc.env).toEqual([{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }]);
    expect(oc.readinessProbe).toEqual({ tcpSocket: { port: 81 }, periodSeconds: 3 });
    expect(oc.livenessProbe).toEqual({ exec: { command: ['true'] } });
    expect(out.spec.template.spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }, { name: 'cfg', secret: { secretName: 'tls' } }]);
    expect(oc.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'cfg', mountPath: '/tls', readOnly: true }]);
    expect(oc.resources).toEqual({ requests: { cpu: '1' } });
    // Taking a field away takes it out of the YAML.
    const cleared = withFields(out, { ...fieldsOf(out), readiness: { type: 'none', path: '', port: undefined }, volumes: [], env: [], labels: [] });
    const cc = cleared.spec.template.spec.containers[0] as unknown as Record<string, unknown>;
    expect(cc.readinessProbe).toBeUndefined();
    expect(cc.env).toBeUndefined();
    expect(cleared.spec.template.spec.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);
    expect(cc.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  it('changing the labels replaces the old ones on the Deployment and its pods', () => {
    const d = withFields(newDeployment('dev'), { name: 'web', image: 'nginx', replicas: 1, port: undefined, labels: [['tier', 'front']] });
    const out = withFields(d, { ...fieldsOf(d), labels: [['team', 'blue']] });
    expect(out.metadata.labels).toEqual({ app: 'web', team: 'blue' });
    expect(out.spec.template.metadata?.labels).toEqual({ app: 'web', team: 'blue' });
  });

  it('also makes a Service that selects the pods and reaches the container port', () => {
    const d = withFields(newDeployment('dev'), { name: 'web', image: 'nginx', replicas: 1, port: 8080 });
    expect(serviceFor(d, { create: true, type: 'NodePort', port: 80 })).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'dev', labels: { app: 'web' } },
      spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
    });
  });
});
