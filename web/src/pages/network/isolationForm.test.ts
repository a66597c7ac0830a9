import { containsCIDR, isCIDR, isolationState, sourceProblems, toDraft, toSources, words, type SourceDraft } from './isolationForm';

const src = (over: Partial<SourceDraft>): SourceDraft => ({ namespaces: '', workspaces: '', cidrs: [], ports: [], ...over });

describe('CIDRs', () => {
  it.each([
    ['an IPv4 range', '10.0.0.0/8', true],
    ['an IPv4 host range', '203.0.113.7/32', true],
    ['a prefix above 32 for IPv4', '10.0.0.0/33', false],
    ['an address without a prefix', '10.1.0.0', false],
    ['words', 'not-a-cidr', false],
    ['an octet above 255', '10.0.0.256/8', false],
    ['leading zeros', '010.0.0.0/8', false],
    ['an IPv6 range', 'fd00::/8', true],
    ['a full IPv6 address', '2001:db8:0:0:0:0:0:1/128', true],
    ['IPv6 with an IPv4 tail', '::ffff:10.0.0.0/104', true],
    ['a prefix above 128 for IPv6', 'fd00::/129', false],
    ['two :: in IPv6', 'fd00::1::/64', false],
  ])('%s: %s', (_name, text, want) => {
    expect(isCIDR(text)).toBe(want);
  });

  it.each([
    ['a smaller range inside', '203.0.113.0/24', '203.0.113.128/25', true],
    ['the same range', '10.0.0.0/8', '10.0.0.0/8', true],
    ['a range outside', '203.0.113.0/24', '198.51.100.0/25', false],
    ['a larger range', '10.1.0.0/16', '10.0.0.0/8', false],
    ['another family', '10.0.0.0/8', 'fd00::/8', false],
    ['IPv6 is left to the server', 'fd00::/8', 'fe00::/16', true],
  ])('%s', (_name, outer, inner, want) => {
    expect(containsCIDR(outer, inner)).toBe(want);
  });
});

describe('the allowed sources draft', () => {
  it('splits lists typed with commas or spaces', () => {
    expect(words(' a, b  c,,d ')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('round-trips the spec, with the protocol defaulted to TCP', () => {
    const spec = [
      { workspaces: ['payments'] },
      { namespaces: ['partner-gateway'], ports: [{ protocol: 'TCP' as const, port: 8080 }] },
      { cidrs: [{ cidr: '203.0.113.0/24', except: ['203.0.113.128/25'] }], ports: [{ port: 443 }] },
    ];
    const draft = toDraft(spec);
    expect(draft[2].ports[0]).toEqual({ protocol: 'TCP', port: '443' });
    expect(toSources(draft)).toEqual([spec[0], spec[1], { ...spec[2], ports: [{ protocol: 'TCP', port: 443 }] }]);
  });

  it('leaves out empty rows and repeated names', () => {
    expect(toSources([src({ namespaces: 'a, a', cidrs: [{ cidr: '', except: '' }], ports: [{ protocol: 'UDP', port: '' }] })])).toEqual([{ namespaces: ['a'] }]);
  });
});

describe('problems, named by the server’s field paths', () => {
  it.each([
    ['an empty source names nothing', [src({})], { 'spec.allowedSources[0]': 'empty' }],
    ['a bad namespace name', [src({ namespaces: 'ok, Bad_NS' })], { 'spec.allowedSources[0].namespaces': 'name' }],
    ['a bad workspace name', [src({ workspaces: 'WS' })], { 'spec.allowedSources[0].workspaces': 'name' }],
    ['a malformed CIDR', [src({ cidrs: [{ cidr: '10.0.0.0/33', except: '' }] })], { 'spec.allowedSources[0].cidrs[0].cidr': 'cidr' }],
    ['an except that is no CIDR', [src({ cidrs: [{ cidr: '10.0.0.0/8', except: '10.1.0.0' }] })], { 'spec.allowedSources[0].cidrs[0].except': 'except' }],
    ['an except outside its CIDR', [src({ cidrs: [{ cidr: '10.0.0.0/8', except: '192.168.0.0/16' }] })], { 'spec.allowedSources[0].cidrs[0].except': 'outside' }],
    ['port 0', [src({ ports: [{ protocol: 'TCP', port: '0' }] })], { 'spec.allowedSources[0].ports[0].port': 'port' }],
    ['port 70000', [src({ ports: [{ protocol: 'TCP', port: '70000' }] })], { 'spec.allowedSources[0].ports[0].port': 'port' }],
    ['a port that is not a number', [src({ ports: [{ protocol: 'TCP', port: 'http' }] })], { 'spec.allowedSources[0].ports[0].port': 'port' }],
    ['the second source’s problem has its index', [src({ namespaces: 'a' }), src({ ports: [{ protocol: 'UDP', port: '1.5' }] })], { 'spec.allowedSources[1].ports[0].port': 'port' }],
    ['valid sources have none', [src({ namespaces: 'a', cidrs: [{ cidr: '203.0.113.0/24', except: '203.0.113.128/25' }], ports: [{ protocol: 'SCTP', port: '65535' }] })], {}],
    ['ports alone are a source', [src({ ports: [{ protocol: 'TCP', port: '443' }] })], {}],
  ])('%s', (_name, draft, want) => {
    expect(sourceProblems(draft)).toEqual(want);
  });
});

describe('the isolation state', () => {
  it.each([
    ['a project without an object is not isolated', null, false, 'none'],
    ['an enabled object isolates the project', { metadata: { name: 'default' }, spec: { enabled: true } }, false, 'project'],
    ['the status names the workspace', { metadata: { name: 'default' }, spec: { enabled: false }, status: { isolation: 'Workspace' as const } }, false, 'workspace'],
    ['an isolated workspace isolates a project without an object', null, true, 'workspace'],
  ])('%s', (_name, obj, ws, want) => {
    expect(isolationState(obj, ws)).toBe(want);
  });
});
