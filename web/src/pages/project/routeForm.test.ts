import { describe, expect, it } from 'vitest';
import type { Backend, Route } from '../../api/gateway';
import {
  draftFromHTTPRoute,
  draftFromRoute,
  emptyDraft,
  emptyHTTPRouteDraft,
  gatewayChoices,
  httpRouteProblems,
  narrowable,
  readiness,
  routeProblems,
  stateColor,
  toggleClass,
  toHTTPRouteForm,
  toIngressForm,
  type HTTPRouteDraft,
  type RouteDraft,
} from './routeForm';

const services = [{ name: 'web', ports: [{ name: 'http', port: 80 }] }];

function draft(edit: (d: RouteDraft) => void = () => {}): RouteDraft {
  const d: RouteDraft = { name: 'shop', ingressClassName: 'internal', rules: [{ host: 'shop.example.com', paths: [{ path: '/', pathType: 'Prefix', service: 'web', port: '80' }] }], tls: [] };
  edit(d);
  return d;
}

describe('routeProblems', () => {
  it('finds nothing wrong with a complete route', () => {
    expect(routeProblems(draft(), services)).toEqual({});
  });
  it('names the Ingress fields the server would name', () => {
    const p = routeProblems(
      draft((d) => {
        d.name = 'Bad_Name';
        d.rules[0].host = 'bad_host';
        d.rules[0].paths[0].path = 'api';
        d.rules[0].paths[0].port = '70000';
        d.tls = [{ hosts: '', secretName: '' }];
      }),
      services,
    );
    expect(p).toEqual({
      'metadata.name': 'name',
      'spec.rules[0].host': 'host',
      'spec.rules[0].http.paths[0].path': 'path',
      'spec.rules[0].http.paths[0].backend.service.port': 'port',
      'spec.tls[0].secretName': 'required',
    });
  });
  it('says a Service or port the project does not have, by number or by name', () => {
    expect(routeProblems(draft((d) => (d.rules[0].paths[0].service = 'api')), services)).toEqual({ 'spec.rules[0].http.paths[0].backend.service.name': 'serviceMissing' });
    expect(routeProblems(draft((d) => (d.rules[0].paths[0].port = '8080')), services)).toEqual({ 'spec.rules[0].http.paths[0].backend.service.port': 'portMissing' });
    expect(routeProblems(draft((d) => (d.rules[0].paths[0].port = 'http')), services)).toEqual({});
    expect(routeProblems(draft((d) => (d.rules[0].paths[0].port = 'grpc')), services)).toEqual({ 'spec.rules[0].http.paths[0].backend.service.port': 'portMissing' });
  });
  it('accepts a wildcard host and leaves the Services unchecked when unknown', () => {
    expect(routeProblems(draft((d) => (d.rules[0].host = '*.example.com')))).toEqual({});
  });
  it('wants a name, a service and a port', () => {
    expect(Object.values(routeProblems(emptyDraft()))).toEqual(['required', 'required', 'required']);
  });
});

describe('toIngressForm', () => {
  it('trims, leaves out an empty host, class and TLS, and splits the TLS hosts', () => {
    const d = draft((d) => {
      d.ingressClassName = '';
      d.rules[0].host = ' ';
      d.tls = [{ hosts: 'a.example.com, b.example.com', secretName: ' shop-tls ' }];
    });
    expect(toIngressForm(d)).toEqual({
      name: 'shop',
      rules: [{ paths: [{ path: '/', pathType: 'Prefix', service: 'web', port: '80' }] }],
      tls: [{ secretName: 'shop-tls', hosts: ['a.example.com', 'b.example.com'] }],
    });
  });
});

describe('draftFromRoute', () => {
  it('groups the paths by host and keeps the class and TLS', () => {
    const r = {
      metadata: { name: 'shop' },
      type: 'Ingress',
      ingressClassName: 'internal',
      hosts: ['a.example.com'],
      paths: [
        { host: 'a.example.com', path: '/', pathType: 'Prefix', backends: [{ service: 'web', port: '80' }] },
        { host: 'a.example.com', path: '/api', pathType: 'Exact', backends: [{ service: 'api', port: 'http' }] },
      ],
      tls: [{ hosts: ['a.example.com'], secretName: 'a-tls' }],
      backends: [],
    } as Route;
    expect(draftFromRoute(r)).toEqual({
      name: 'shop',
      ingressClassName: 'internal',
      rules: [
        {
          host: 'a.example.com',
          paths: [
            { path: '/', pathType: 'Prefix', service: 'web', port: '80' },
            { path: '/api', pathType: 'Exact', service: 'api', port: 'http' },
          ],
        },
      ],
      tls: [{ hosts: 'a.example.com', secretName: 'a-tls' }],
    });
  });
});

describe('readiness', () => {
  const b = (state: Backend['state'], ready: number, total: number): Backend => ({ service: 's', port: '80', state, ready, total });
  it('sums the endpoints and shows the worst backend', () => {
    expect(readiness([b('Ready', 2, 2), b('Degraded', 1, 3)])).toEqual({ state: 'Degraded', ready: 3, total: 5 });
    expect(readiness([b('Ready', 1, 1), b('ServiceMissing', 0, 0)])).toEqual({ state: 'ServiceMissing', ready: 1, total: 1 });
    expect(readiness([])).toEqual({ state: undefined, ready: 0, total: 0 });
  });
  it('colours a state', () => {
    expect([stateColor('Ready'), stateColor('Degraded'), stateColor('PortMissing'), stateColor('External'), stateColor(undefined)]).toEqual(['green', 'orange', 'red', 'grey', 'grey']);
  });
});

describe('the allowed lists', () => {
  const all = ['internal', 'partner', 'public'];
  it('turns an unrestricted list into every class but the one unticked', () => {
    expect(toggleClass(undefined, 'public', false, all)).toEqual(['internal', 'partner']);
  });
  it('adds and removes a class, sorted', () => {
    expect(toggleClass(['public'], 'internal', true, all)).toEqual(['internal', 'public']);
    expect(toggleClass(['internal', 'public'], 'public', false, all)).toEqual(['internal']);
  });
  it('offers a project only what its workspace allows', () => {
    expect(narrowable(all, ['partner', 'other'])).toEqual(['partner']);
    expect(narrowable(all, undefined)).toEqual(all);
  });
});

function httpDraft(edit: (d: HTTPRouteDraft) => void = () => {}): HTTPRouteDraft {
  const d: HTTPRouteDraft = {
    name: 'api',
    parentRefs: ['gw'],
    hostnames: 'api.example.com, *.api.example.com',
    rules: [{ path: '/v1', pathType: 'PathPrefix', backends: [{ service: 'web', port: '80', weight: '90' }] }],
  };
  edit(d);
  return d;
}

describe('the HTTPRoute form', () => {
  it('finds nothing wrong with a complete route', () => {
    expect(httpRouteProblems(httpDraft(), services)).toEqual({});
  });
  it('names the HTTPRoute fields the server would name', () => {
    const p = httpRouteProblems(
      httpDraft((d) => {
        d.name = '';
        d.parentRefs = [''];
        d.hostnames = 'ok.example.com, 10.0.0.1';
        d.rules[0].path = 'v1';
        d.rules[0].backends = [
          { service: 'web', port: 'http', weight: '' },
          { service: 'web', port: '81', weight: '-1' },
          { service: 'gone', port: '80', weight: '' },
          { service: '', port: '', weight: '2000000' },
        ];
      }),
      services,
    );
    expect(p).toEqual({
      'metadata.name': 'required',
      'spec.parentRefs[0].name': 'required',
      'spec.hostnames[1]': 'host',
      'spec.rules[0].matches[0].path.value': 'path',
      'spec.rules[0].backendRefs[0].port': 'portNumber',
      'spec.rules[0].backendRefs[1].port': 'portMissing',
      'spec.rules[0].backendRefs[1].weight': 'weight',
      'spec.rules[0].backendRefs[2].name': 'serviceMissing',
      'spec.rules[0].backendRefs[3].name': 'required',
      'spec.rules[0].backendRefs[3].port': 'required',
      'spec.rules[0].backendRefs[3].weight': 'weight',
    });
  });
  it('sends the form the gateway API takes, without empty weights or host names', () => {
    expect(toHTTPRouteForm(httpDraft())).toEqual({
      name: 'api',
      parentRefs: ['gw'],
      hostnames: ['api.example.com', '*.api.example.com'],
      rules: [{ path: '/v1', pathType: 'PathPrefix', backends: [{ service: 'web', port: '80', weight: 90 }] }],
    });
    const d = emptyHTTPRouteDraft('gw');
    d.name = 'x';
    d.rules[0].backends[0] = { service: 'web', port: ' 80 ', weight: ' ' };
    expect(toHTTPRouteForm(d)).toEqual({ name: 'x', parentRefs: ['gw'], rules: [{ path: '/', pathType: 'PathPrefix', backends: [{ service: 'web', port: '80' }] }] });
  });
  it('edits an HTTPRoute as the list answers it: its own namespace’s Gateways by name, one rule per path', () => {
    const r: Route = {
      metadata: { name: 'api', namespace: 'dev' },
      type: 'HTTPRoute',
      parentRefs: ['dev/gw', 'infra/shared'],
      hosts: ['a.example.com', 'b.example.com'],
      paths: [
        { path: '/v1', pathType: 'PathPrefix', backends: [{ kind: 'Service', service: 'v1', port: '80', weight: 90 }, { kind: 'Service', service: 'v2', port: '80' }] },
        { path: '/exact', pathType: 'Exact', backends: [{ kind: 'Service', service: 'v1', port: '80' }] },
      ],
      tls: [],
      backends: [],
    };
    expect(draftFromHTTPRoute(r)).toEqual({
      name: 'api',
      parentRefs: ['gw', 'infra/shared'],
      hostnames: 'a.example.com, b.example.com',
      rules: [
        { path: '/v1', pathType: 'PathPrefix', backends: [{ service: 'v1', port: '80', weight: '90' }, { service: 'v2', port: '80', weight: '' }] },
        { path: '/exact', pathType: 'Exact', backends: [{ service: 'v1', port: '80', weight: '' }] },
      ],
    });
  });
  it('offers the project’s own Gateways and those its lists allow elsewhere', () => {
    expect(gatewayChoices('dev', ['gw'], ['infra/shared', 'dev/gw'])).toEqual(['gw', 'infra/shared']);
    // Unrestricted: the project's own; a parent the route has stays offered.
    expect(gatewayChoices('dev', ['gw'], undefined, ['infra/old'])).toEqual(['gw', 'infra/old']);
    expect(gatewayChoices('dev', [], [])).toEqual([]);
  });
});
