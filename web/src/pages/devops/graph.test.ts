import { describe, expect, it } from 'vitest';
import type { Definition, PipelineRun } from '../../api/devops';
import { duration, phaseColor, runGraph, size, stageColumns, stagePhase, waitingInputs } from './graph';

const def: Definition = {
  stages: [
    { name: 'build', steps: [{ name: 'compile', shell: { script: 'make' } }, { shell: { script: 'echo' } }] },
    { name: 'test', parallel: [{ name: 'unit', steps: [{ name: 'go', shell: { script: 'go test' } }] }, { name: 'lint', steps: [{ name: 'vet', shell: { script: 'go vet' } }] }] },
    { name: 'approve', steps: [{ name: 'ok', input: { message: 'Ship it?' } }] },
  ],
};

describe('the stage graph', () => {
  it('lays a definition out as columns, parallel branches as lanes side by side, all Pending before a run', () => {
    const cols = stageColumns(def);
    expect(cols.map((c) => [c.stage, c.parallel, c.lanes.length, c.phase])).toEqual([
      ['build', false, 1, 'Pending'],
      ['test', true, 2, 'Pending'],
      ['approve', false, 1, 'Pending'],
    ]);
    expect(cols[0].lanes[0].steps.map((s) => [s.name, s.kind, s.id])).toEqual([
      ['compile', 'shell', 'build/compile'],
      ['shell-2', 'shell', 'build/shell-2'],
    ]);
    expect(cols[1].lanes.map((l) => l.branch)).toEqual(['unit', 'lint']);
    expect(cols[1].lanes[1].steps[0]).toMatchObject({ logStage: 'test/lint', id: 'test/lint/vet' });
  });

  it('gives each step the phase of the status, matched by name (and by place when the definition names none)', () => {
    const cols = stageColumns(def, [
      { name: 'build', phase: 'Succeeded', steps: [{ name: 'compile', kind: 'shell', phase: 'Succeeded' }, { name: 'shell-1', kind: 'shell', phase: 'Succeeded' }] },
      { name: 'test', phase: 'Running' },
      { name: 'test/unit', phase: 'Succeeded', parallel: true, steps: [{ name: 'go', kind: 'shell', phase: 'Succeeded' }] },
      { name: 'test/lint', phase: 'Running', parallel: true, steps: [{ name: 'vet', kind: 'shell', phase: 'Running' }] },
    ]);
    expect(cols[0].phase).toBe('Succeeded');
    expect(cols[0].lanes[0].steps.map((s) => [s.name, s.phase])).toEqual([
      ['compile', 'Succeeded'],
      ['shell-1', 'Succeeded'],
    ]);
    expect(cols[1].lanes.map((l) => l.phase)).toEqual(['Succeeded', 'Running']);
    expect(cols[2].lanes[0].steps[0].phase).toBe('Pending');
  });

  it('draws a run from its status alone when it carries no definition', () => {
    const run: PipelineRun = {
      metadata: { name: 'r' },
      spec: { pipeline: 'p', trigger: { kind: 'manual' } },
      status: {
        phase: 'Waiting',
        stages: [
          { name: 'a', phase: 'Succeeded', steps: [{ name: 's', kind: 'shell', phase: 'Succeeded' }] },
          { name: 'b/x', phase: 'Succeeded', parallel: true, steps: [{ name: 'x1', kind: 'shell', phase: 'Succeeded' }] },
          { name: 'b/y', phase: 'Waiting', parallel: true, steps: [{ name: 'ok', kind: 'input', phase: 'Waiting' }] },
        ],
      },
    };
    const cols = runGraph(run);
    expect(cols.map((c) => [c.stage, c.parallel, c.lanes.map((l) => l.branch), c.phase])).toEqual([
      ['a', false, [''], 'Succeeded'],
      ['b', true, ['x', 'y'], 'Waiting'],
    ]);
    expect(waitingInputs(cols).map((s) => s.id)).toEqual(['b/y/ok']);
  });

  it('finds the waiting input steps by their approval name', () => {
    const cols = stageColumns(def, [{ name: 'approve', phase: 'Waiting', steps: [{ name: 'ok', kind: 'input', phase: 'Waiting' }] }]);
    expect(waitingInputs(cols).map((s) => [s.id, s.step?.input?.message])).toEqual([['approve/ok', 'Ship it?']]);
  });
});

describe('the run status', () => {
  it('colours phases', () => {
    expect(phaseColor('Succeeded')).toBe('green');
    expect(phaseColor('Failed')).toBe('red');
    expect(phaseColor('Running')).toBe('blue');
    expect(phaseColor('Waiting')).toBe('purple');
    expect(phaseColor(undefined)).toBe('grey');
  });

  it('makes a stage phase from its lanes', () => {
    const lane = (phase: 'Succeeded' | 'Failed' | 'Running' | 'Pending' | 'Skipped') => ({ branch: 'b', phase, steps: [] });
    expect(stagePhase([lane('Succeeded'), lane('Failed')])).toBe('Failed');
    expect(stagePhase([lane('Succeeded'), lane('Pending')])).toBe('Running');
    expect(stagePhase([lane('Succeeded'), lane('Skipped')])).toBe('Succeeded');
    expect(stagePhase([lane('Pending')])).toBe('Pending');
  });

  it('says durations and sizes', () => {
    expect(duration('2026-01-01T00:00:00Z', '2026-01-01T00:00:45Z')).toBe('45s');
    expect(duration('2026-01-01T00:00:00Z', '2026-01-01T00:03:05Z')).toBe('3m 5s');
    expect(duration('2026-01-01T00:00:00Z', undefined, Date.parse('2026-01-01T02:04:00Z'))).toBe('2h 4m');
    expect(duration(undefined, undefined)).toBe('-');
    expect(size(512)).toBe('512 B');
    expect(size(2048)).toBe('2.0 KiB');
  });
});
