import i18n from '../../i18n';
import type { JSONSchema } from '../../api/appstore';
import { errorsOf, fieldsOf, initialState, parseValues, toValues, validate } from './schemaForm';

const t = i18n.getFixedT('en', 'appstore');

// The schema of testdata/charts/schema-app, with a nested object, an enum, a switch and a list added.
const schema: JSONSchema = {
  type: 'object',
  required: ['replicaCount', 'image'],
  properties: {
    replicaCount: { type: 'integer', title: 'Replicas', minimum: 1, maximum: 10, default: 1 },
    image: { type: 'string', minLength: 1, default: 'nginx:1.27' },
    service: { type: 'object', properties: { type: { type: 'string', enum: ['ClusterIP', 'NodePort'] }, port: { type: 'integer' } } },
    debug: { type: 'boolean' },
    args: { type: 'array', items: { type: 'string' } },
  },
};

describe('the values form made from a schema', () => {
  it('has a field per leaf of the schema, nested keys joined with dots', () => {
    const f = fieldsOf(schema);
    expect(f.map((x) => [x.key, x.kind, x.required])).toEqual([
      ['replicaCount', 'integer', true],
      ['image', 'string', true],
      ['service.type', 'enum', false],
      ['service.port', 'integer', false],
      ['debug', 'boolean', false],
      ['args', 'yaml', false],
    ]);
    expect(fieldsOf({ type: 'object' })).toEqual([]);
  });

  it('starts from the chart’s default values, else the schema’s defaults', () => {
    const f = fieldsOf(schema);
    const s = initialState(f, parseValues('image: nginx:1.28\nservice:\n  port: 80\nargs: [a, b]\n'));
    expect(s).toEqual({ replicaCount: '1', image: 'nginx:1.28', 'service.type': '', 'service.port': '80', debug: false, args: '- a\n- b' });
  });

  it('says what is wrong with a value, as the schema rules it', () => {
    const [replicas, image, type, port, , args] = fieldsOf(schema);
    expect(validate(replicas, '11', t)).toBe('At most 10.');
    expect(validate(replicas, '0', t)).toBe('At least 1.');
    expect(validate(replicas, '2.5', t)).toBe('Enter a whole number.');
    expect(validate(replicas, 'x', t)).toBe('Enter a number.');
    expect(validate(replicas, '', t)).toBe('Required.');
    expect(validate(replicas, '3', t)).toBeUndefined();
    expect(validate(image, '', t)).toBe('Required.');
    expect(validate(type, 'LoadBalancer', t)).toBe('Choose one of the values offered.');
    expect(validate(port, '', t)).toBeUndefined();
    expect(validate(args, '[a, b', t)).toMatch(/^Not YAML: /);
    expect(Object.keys(errorsOf(fieldsOf(schema), { replicaCount: '20', image: '' }, t))).toEqual(['replicaCount', 'image']);
  });

  it('sets the fields’ values, typed, in the chart’s defaults', () => {
    const f = fieldsOf(schema);
    const defaults = parseValues('replicaCount: 1\nimage: nginx:1.27\nextra: kept\nservice:\n  port: 80\n');
    const out = parseValues(toValues(f, { replicaCount: '3', image: 'nginx:1.28', 'service.type': 'NodePort', 'service.port': '', debug: true, args: '- x' }, defaults));
    expect(out).toEqual({ replicaCount: 3, image: 'nginx:1.28', extra: 'kept', service: { type: 'NodePort' }, debug: true, args: ['x'] });
    // The defaults are not changed.
    expect(defaults.service).toEqual({ port: 80 });
  });

  it('refuses values that are not a mapping', () => {
    expect(() => parseValues('- a')).toThrow(/mapping/);
    expect(parseValues('')).toEqual({});
    expect(parseValues('# only a comment')).toEqual({});
  });
});
