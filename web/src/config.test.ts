import { normalizeBase, readConfig } from './config';

describe('the runtime configuration', () => {
  it('reads what ke-console injected', () => {
    const doc = document.implementation.createHTMLDocument();
    doc.body.innerHTML = '<script id="ke-config" type="application/json">{"basePath":"/console","title":"ACME","version":"v1"}</script>';
    expect(readConfig(doc)).toMatchObject({ basePath: '/console/', title: 'ACME', version: 'v1' });
  });
  it('falls back when there is none', () => {
    expect(readConfig(document.implementation.createHTMLDocument()).basePath).toBe('/');
  });
  it('normalizes base paths', () => {
    expect(normalizeBase('console')).toBe('/console/');
    expect(normalizeBase('/')).toBe('/');
  });
});
