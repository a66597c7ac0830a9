import type { RuleGroup } from '../../api/alerting';
import { fromRule, groupDraft, isDuration, newDraft, previewFieldError, previewable, ruleFieldError, toGroup, toRule } from './ruleForm';

describe('the rule form', () => {
  it('sends the builder or the expression, as the mode says, with empty fields left out', () => {
    const d = { ...newDraft('project'), alert: ' Restarts ', kind: 'Workload' as const, names: 'deployment/web, statefulset/db', metric: 'workload_unavailable_replicas', threshold: ' 0 ', expr: 'kept aside' };
    expect(toRule(d)).toEqual({
      alert: 'Restarts',
      builder: { kind: 'Workload', names: ['deployment/web', 'statefulset/db'], metric: 'workload_unavailable_replicas', comparison: '>', threshold: '0' },
      for: '5m',
      severity: 'warning',
    });
    expect(toRule({ ...d, mode: 'promql', for: '' })).toEqual({ alert: 'Restarts', expr: 'kept aside', severity: 'warning' });
  });

  it('reads a rule back as it was sent', () => {
    const r = { alert: 'A', builder: { kind: 'Node' as const, metric: 'node_cpu_utilisation', comparison: '>=' as const, threshold: '0.9' }, for: '10m', severity: 'critical' as const, summary: 's', labels: { team: 'ops' }, disabled: true };
    expect(toRule(fromRule(r, 'cluster'))).toEqual(r);
  });

  it('previews a rule only once it can compile, and whatever its threshold', () => {
    const d = newDraft('project');
    expect(previewable(d)).toBeUndefined();
    expect(previewable({ ...d, metric: 'pod_restarts' })).toBeUndefined();
    expect(previewable({ ...d, metric: 'pod_restarts', threshold: 'lots' })?.builder?.threshold).toBe('lots');
    expect(previewable({ ...d, mode: 'promql', expr: 'up == 0' })).toEqual({ alert: 'Preview', expr: 'up == 0', for: '5m', severity: 'warning' });
  });

  it('keeps a built-in group’s labels and version when it saves it', () => {
    const g: RuleGroup = { metadata: { name: 'kube-pods', resourceVersion: '41', labels: { 'alerting.superkube.io/builtin': 'true' } }, spec: { interval: '30s', rules: [{ alert: 'PodCrashLooping', builder: { kind: 'Pod', metric: 'pod_restarts', comparison: '>', threshold: '3' }, for: '5m', severity: 'warning' }] } };
    const d = groupDraft(g, 'global');
    d.rules[0].threshold = '5';
    const out = toGroup(d, g);
    expect(out.metadata).toEqual(g.metadata);
    expect(out.spec).toEqual({ interval: '30s', rules: [{ ...g.spec.rules[0], builder: { ...g.spec.rules[0].builder!, threshold: '5' } }] });
  });

  it('finds the server’s message for a rule’s field, on a save and on a preview', () => {
    const d = { kind: 'invalid' as const, title: '', detail: '', retryable: false, fields: { 'spec.rules[1].builder.threshold': ['Enter a number.'], 'rule.expr': ['Bad PromQL.'] } };
    expect(ruleFieldError(d, 1, 'builder.threshold')).toBe('Enter a number.');
    expect(ruleFieldError(d, 0, 'builder.threshold')).toBeUndefined();
    expect(previewFieldError(d, 'expr')).toBe('Bad PromQL.');
  });

  it('takes Prometheus durations', () => {
    for (const s of ['', '30s', '5m', '1h30m', '2d']) expect(isDuration(s)).toBe(true);
    for (const s of ['5', 'five minutes', '1.5h']) expect(isDuration(s)).toBe(false);
  });
});
