import i18n from 'i18next';
import { loadLanguage } from '../i18n';
import { builtinRoleTitle, roleTitle, rulesSummary, templateTitle } from './roles';
import type { K8sObject, RoleTemplate } from './types';

const en = i18n.getFixedT('en', 'common');

function role(name: string, builtin: boolean, displayName?: string): K8sObject {
  return {
    metadata: {
      name,
      labels: builtin ? { 'iam.superkube.io/builtin': 'true' } : {},
      annotations: displayName ? { 'superkube.io/display-name': displayName } : {},
    },
  };
}

describe('role names', () => {
  it.each([
    ['global', 'platform-admin', undefined, 'Platform administrator'],
    ['global', 'platform-self-provisioner', undefined, 'Workspace creator'],
    ['workspace', 'acme-viewer', 'acme', 'Workspace viewer'],
    ['workspace', 'acme-self-provisioner', 'acme', 'Project creator'],
    ['namespace', 'operator', undefined, 'Project operator'],
    ['cluster', 'cluster-viewer', undefined, 'Cluster viewer'],
  ] as const)('names the built-in %s role %s', (level, name, ws, want) => {
    expect(builtinRoleTitle(level, name, en, ws)).toBe(want);
    expect(roleTitle(level, name, en, { workspace: ws })).toBe(want);
  });

  it("does not take another workspace's role, or a custom role, for a built-in one", () => {
    expect(builtinRoleTitle('workspace', 'other-viewer', en, 'acme')).toBeUndefined();
    expect(roleTitle('namespace', 'viewer', en, { role: role('viewer', false, 'Read only') })).toBe('Read only');
    expect(roleTitle('global', 'user-manager', en, { role: role('user-manager', false) })).toBe('user-manager');
  });

  it('translates built-in role names', async () => {
    await loadLanguage('ko');
    await loadLanguage('zh');
    expect(roleTitle('global', 'platform-admin', i18n.getFixedT('ko', 'workspace'))).toBe('플랫폼 관리자');
    expect(roleTitle('namespace', 'viewer', i18n.getFixedT('zh', 'platform'))).toBe('项目观察者');
  });

  it("names templates in the user's language, falling back to English and then to the name", () => {
    const tm: RoleTemplate = { metadata: { name: 'project-view-workloads' }, spec: { displayName: { en: 'View workloads', ko: '워크로드 보기' } } };
    expect(templateTitle('project-view-workloads', [tm], 'ko')).toBe('워크로드 보기');
    expect(templateTitle('project-view-workloads', [tm], 'zh')).toBe('View workloads');
    expect(templateTitle('project-manage-workloads', [tm], 'ko')).toBe('project-manage-workloads');
  });

  it('says what a role made of rules allows (the platform administrator shows more than nothing)', () => {
    expect(rulesSummary([{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }], en)).toBe('All permissions, everywhere');
    expect(rulesSummary([], en)).toBe('Nothing beyond their own account');
    expect(rulesSummary([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }], en)).toBe('Rules: 1');
  });
});
