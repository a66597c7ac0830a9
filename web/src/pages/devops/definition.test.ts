import { describe, expect, it } from 'vitest';
import type { Definition } from '../../api/devops';
import { addBranch, addStage, addStep, clean, fromYaml, makeParallel, makeSequential, moveStage, moveStep, removeStage, removeStep, stepKind, toYaml, updateStep, withKind } from './definition';

const two: Definition = {
  stages: [
    { name: 'build', steps: [{ name: 'checkout', checkout: {} }, { name: 'compile', shell: { script: 'go build ./...' } }] },
    { name: 'test', steps: [{ name: 'unit', shell: { script: 'go test ./...' } }] },
  ],
};

describe('YAML and the definition', () => {
  it('writes a definition and reads it back the same', () => {
    const text = toYaml(two);
    expect(text).toContain('stages:');
    expect(text).toContain('script: go build ./...');
    const back = fromYaml(text);
    expect(back).toEqual({ definition: two });
  });

  it('keeps a multi-line script across the round trip', () => {
    const d: Definition = { stages: [{ name: 's', steps: [{ shell: { script: 'echo one\necho two\n' } }] }] };
    expect(fromYaml(toYaml(d))).toEqual({ definition: d });
  });

  it('names the line of a YAML syntax error', () => {
    const r = fromYaml('stages:\n  - name: a\n    steps: [\n');
    expect('problem' in r && r.problem.line).toBeGreaterThanOrEqual(3);
  });

  it('names the line of a step without a kind', () => {
    const r = fromYaml('stages:\n  - name: a\n    steps:\n      - name: x\n        shell: {script: ok}\n      - name: y\n');
    expect(r).toEqual({ problem: { line: 6, message: expect.stringContaining('needs a kind') as string } });
  });

  it('names the line of a step with two kinds', () => {
    const r = fromYaml('stages:\n  - name: a\n    steps:\n      - shell: {script: ok}\n        checkout: {}\n');
    expect('problem' in r && r.problem).toEqual({ line: 4, message: 'a step has one kind, not shell and checkout' });
  });

  it('refuses a stage with both steps and parallel, and a text without stages', () => {
    const both = fromYaml('stages:\n  - name: a\n    steps: []\n    parallel: []\n');
    expect('problem' in both && both.problem.line).toBe(2);
    expect('problem' in fromYaml('foo: 1\n')).toBe(true);
    expect('problem' in fromYaml('- a\n')).toBe(true);
  });
});

describe('editing the definition', () => {
  it('adds, moves and removes stages with unique names', () => {
    let d = addStage(two);
    expect(d.stages.map((s) => s.name)).toEqual(['build', 'test', 'stage-3']);
    d = addStage(d, 'test');
    expect(d.stages[3].name).toBe('test-2');
    d = moveStage(d, 3, 0);
    expect(d.stages[0].name).toBe('test-2');
    expect(moveStage(d, 0, -1)).toEqual(d);
    d = removeStage(d, 0);
    expect(d.stages.map((s) => s.name)).toEqual(['build', 'test', 'stage-3']);
    expect(two.stages).toHaveLength(2);
  });

  it('adds steps of each kind with their required fields, moves and removes them', () => {
    let d = addStep(two, { stage: 1 }, 'buildImage');
    expect(d.stages[1].steps?.[1]).toEqual({ name: 'buildimage', buildImage: { image: '' } });
    d = addStep(d, { stage: 1 }, 'shell');
    d = addStep(d, { stage: 1 }, 'shell');
    expect(d.stages[1].steps?.map((s) => s.name)).toEqual(['unit', 'buildimage', 'shell', 'shell-2']);
    d = moveStep(d, { stage: 1 }, 3, 0);
    expect(d.stages[1].steps?.[0].name).toBe('shell-2');
    d = removeStep(d, { stage: 1 }, 0);
    expect(d.stages[1].steps?.map((s) => s.name)).toEqual(['unit', 'buildimage', 'shell']);
  });

  it('changes a step kind, keeping its name and common fields', () => {
    const s = withKind({ name: 'x', retry: 2, shell: { script: 'a' } }, 'deploy');
    expect(s).toEqual({ name: 'x', retry: 2, deploy: { project: '', manifests: [] } });
    expect(stepKind(s)).toBe('deploy');
  });

  it('updates a step and leaves out empty optional values', () => {
    const d = updateStep(two, { stage: 0 }, 1, { name: 'compile', timeout: '', retry: 0, shell: { script: 'make' } });
    expect(d.stages[0].steps?.[1]).toEqual({ name: 'compile', shell: { script: 'make' } });
    expect(clean({ when: { branch: '' }, name: 's' })).toEqual({ name: 's' });
  });

  it('turns a stage into parallel branches and back', () => {
    let d = makeParallel(two, 0);
    expect(d.stages[0].steps).toBeUndefined();
    expect(d.stages[0].parallel?.[0]).toEqual({ name: 'branch-1', steps: two.stages[0].steps });
    d = addBranch(d, 0);
    d = addStep(d, { stage: 0, branch: 1 }, 'shell');
    expect(d.stages[0].parallel?.[1]).toEqual({ name: 'branch-2', steps: [{ name: 'shell', shell: { script: '' } }] });
    const yaml = toYaml(d);
    expect(yaml).toContain('parallel:');
    expect(fromYaml(yaml)).toEqual({ definition: d });
    d = makeSequential(d, 0);
    expect(d.stages[0].parallel).toBeUndefined();
    expect(d.stages[0].steps?.map((s) => s.name)).toEqual(['checkout', 'compile', 'shell']);
  });
});
