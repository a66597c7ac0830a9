import { fromYAML, toYAML } from '../../api/yaml';
import type { Workload } from '../../api/types';
import { fieldsOf, newDeployment, withFields } from './deploymentForm';

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
    expect(fieldsOf(edited)).toEqual({ name: 'web', image: 'nginx', replicas: 4, port: undefined });
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
});
