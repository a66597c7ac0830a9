import type { VersionFiles } from '../../api/appstore';
import { isReleaseName, overrides, startDraft } from './DeployWizard';
import { parseValues } from './schemaForm';

const files = (values: string, schema: VersionFiles['schema'] = null): VersionFiles => ({ readme: '', values, schema, chart: { name: 'demo-web', version: '1.1.0' } });
const v110 = files('# Number of web server pods.\nreplicaCount: 1\nimage: nginx:1.28\nservice:\n  port: 80\n');
const old = 'replicaCount: 1\nimage: nginx:1.27\nservice:\n  port: 80\n';

describe('where the deploy wizard’s values start', () => {
  it('starts a new release from the chart’s default values, comments and all', () => {
    const { draft } = startDraft('v110', v110);
    expect(draft.mode).toBe('yaml');
    expect(draft.yaml).toBe(v110.values);
  });

  it('keeps a release’s values when it stays on its version', () => {
    const { draft } = startDraft('v100', v110, { values: 'replicaCount: 3\n', version: 'v100', defaults: old });
    expect(draft.yaml).toBe('replicaCount: 3\n');
  });

  it('upgrades to the new version’s defaults with only the release’s own choices set over them', () => {
    // Nothing chosen: the new defaults as the chart writes them (the old image does not pin the new chart).
    expect(startDraft('v110', v110, { values: old, version: 'v100', defaults: old }).draft.yaml).toBe(v110.values);
    // A choice is kept.
    const { draft } = startDraft('v110', v110, { values: old.replace('port: 80', 'port: 8080'), version: 'v100', defaults: old });
    expect(parseValues(draft.yaml)).toEqual({ replicaCount: 1, image: 'nginx:1.28', service: { port: 8080 } });
  });

  it('uses the schema’s form when the chart has one', () => {
    const { draft, fields } = startDraft('s', files('replicaCount: 2\n', { type: 'object', properties: { replicaCount: { type: 'integer' } } }));
    expect(draft.mode).toBe('form');
    expect(fields.map((f) => f.key)).toEqual(['replicaCount']);
    expect(draft.form).toEqual({ replicaCount: '2' });
  });

  it('finds what a release chose, and checks release names as Helm does', () => {
    expect(overrides({ a: 1, b: { c: 2, d: 3 }, e: [1] }, { a: 1, b: { c: 2, d: 4 }, e: [1] })).toEqual({ b: { d: 3 } });
    expect(isReleaseName('web')).toBe(true);
    expect(isReleaseName('Web')).toBe(false);
    expect(isReleaseName('a'.repeat(54))).toBe(false);
  });
});
