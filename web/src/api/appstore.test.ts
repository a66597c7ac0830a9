import { actionsFor, appPath, categoryTitle, isBusy, latestComment, releasePath, safeIcon, versionPath, type ApplicationVersion, type Release, type ReleasePhase } from './appstore';

describe('the app store API helpers', () => {
  it('offers each role the workflow’s steps admission allows from a state', () => {
    const dev = { developer: true, reviewer: false };
    const rev = { developer: false, reviewer: true };
    const both = { developer: true, reviewer: true };
    expect(actionsFor('draft', dev)).toEqual(['submit']);
    expect(actionsFor('draft', rev)).toEqual([]);
    expect(actionsFor('submitted', dev)).toEqual(['withdraw']);
    expect(actionsFor('submitted', rev)).toEqual(['pass', 'reject']);
    expect(actionsFor('submitted', both)).toEqual(['pass', 'reject', 'withdraw']);
    expect(actionsFor('passed', dev)).toEqual(['release']);
    expect(actionsFor('passed', rev)).toEqual(['release']);
    expect(actionsFor('rejected', dev)).toEqual(['draft']);
    expect(actionsFor('active', dev)).toEqual([]);
    expect(actionsFor('active', rev)).toEqual(['suspend']);
    expect(actionsFor('suspended', rev)).toEqual(['recover']);
  });

  it('shows only https and data: image icons', () => {
    expect(safeIcon('https://example.com/i.png')).toBe('https://example.com/i.png');
    expect(safeIcon('data:image/svg+xml;base64,PHN2Zz4=')).toBe('data:image/svg+xml;base64,PHN2Zz4=');
    expect(safeIcon('http://example.com/i.png')).toBeUndefined();
    expect(safeIcon('javascript:alert(1)')).toBeUndefined();
    expect(safeIcon('data:text/html,<script>')).toBeUndefined();
  });

  it('tells a release under way from one at rest', () => {
    const r = (phase: ReleasePhase, generation = 1, observed = 1): Release => ({
      metadata: { name: 'r', generation },
      spec: { application: 'a', version: 'v' },
      status: { phase, observedGeneration: observed },
    });
    expect(isBusy(r('Deployed'))).toBe(false);
    expect(isBusy(r('Failed'))).toBe(false);
    expect(isBusy(r('Installing'))).toBe(true);
    expect(isBusy(r('Deployed', 2, 1))).toBe(true);
    expect(isBusy({ metadata: { name: 'r' }, spec: { application: 'a', version: 'v' } })).toBe(true);
  });

  it('builds the contract’s paths, escaping names', () => {
    expect(appPath('a b')).toBe('/kapis/application.superkube.io/v2/apps/a%20b');
    expect(versionPath('app', 'app-1.0.0')).toBe('/kapis/application.superkube.io/v2/apps/app/versions/app-1.0.0');
    expect(releasePath('dev', 'web')).toBe('/kapis/application.superkube.io/v2/namespaces/dev/releases/web');
  });

  it('finds the last comment of a version and a category’s name in a language', () => {
    const v = {
      metadata: { name: 'v' },
      spec: { application: 'a', version: '1', source: {}, state: 'draft', reviews: [{ to: 'rejected', user: 'r', time: '', message: 'no' }, { to: 'draft', user: 'd', time: '' }] },
    } as ApplicationVersion;
    expect(latestComment(v)?.message).toBe('no');
    const c = { metadata: { name: 'web' }, spec: { displayName: { en: 'Web', ko: '웹' } } };
    expect(categoryTitle(c, 'ko-KR')).toBe('웹');
    expect(categoryTitle(c, 'zh')).toBe('Web');
    expect(categoryTitle({ metadata: { name: 'db' } }, 'en')).toBe('db');
  });
});
