import { isMap, isSeq, LineCounter, parseDocument, stringify, type Node } from 'yaml';
import { stepKinds, type Branch, type Definition, type Stage, type Step, type StepKind } from '../../api/devops';

// The pipeline definition as the graphical editor changes it and as YAML
// text, kept in step: every change of the graph gives the new definition
// and its YAML; every edit of the YAML that reads as a definition gives the
// graph its definition, and one that does not, the line of the problem.

/** Where a list of steps is: a stage's steps, or a branch's of a parallel stage. */
export interface StepsAt {
  stage: number;
  branch?: number;
}

/** A problem of the YAML text: its line (1-based) and what is wrong. */
export interface YamlProblem {
  line: number;
  message: string;
}

export const emptyDefinition: Definition = { stages: [{ name: 'Build', steps: [{ name: 'build', shell: { script: 'echo build' } }] }] };

/** stepKind is the kind a step has set (the first one, when the YAML sets more). */
export function stepKind(s: Step): StepKind | undefined {
  return stepKinds.find((k) => s[k] !== undefined);
}

/** newStepBody is a kind's body with its required fields, to fill in. */
export function newStepBody(kind: StepKind): Partial<Step> {
  switch (kind) {
    case 'shell':
      return { shell: { script: '' } };
    case 'checkout':
      return { checkout: {} };
    case 'buildImage':
      return { buildImage: { image: '' } };
    case 'deploy':
      return { deploy: { project: '', manifests: [] } };
    case 'input':
      return { input: { message: '' } };
    case 'codeQuality':
      return { codeQuality: { projectKey: '' } };
    case 'artifacts':
      return { artifacts: { paths: [] } };
  }
}

/** withKind changes a step's kind, keeping its name and the fields every kind has. */
export function withKind(s: Step, kind: StepKind): Step {
  const out: Step = {};
  if (s.name !== undefined) out.name = s.name;
  if (s.image !== undefined) out.image = s.image;
  if (s.timeout !== undefined) out.timeout = s.timeout;
  if (s.retry !== undefined) out.retry = s.retry;
  if (s.environment !== undefined) out.environment = s.environment;
  return { ...out, ...(stepKind(s) === kind ? { [kind]: s[kind] } : newStepBody(kind)) };
}

/** uniqueName is base, or base-2, base-3 ... whichever is not taken. */
export function uniqueName(base: string, taken: (string | undefined)[]): string {
  if (!taken.includes(base)) return base;
  for (let i = 2; ; i++) if (!taken.includes(`${base}-${i}`)) return `${base}-${i}`;
}

function move<T>(list: T[], from: number, to: number): T[] {
  if (to < 0 || to >= list.length || from === to) return list;
  const out = [...list];
  const [x] = out.splice(from, 1);
  out.splice(to, 0, x);
  return out;
}

function setStage(d: Definition, i: number, f: (s: Stage) => Stage): Definition {
  return { ...d, stages: d.stages.map((s, j) => (j === i ? f(s) : s)) };
}

export function addStage(d: Definition, name?: string): Definition {
  const n = uniqueName(name ?? `stage-${d.stages.length + 1}`, d.stages.map((s) => s.name));
  return { ...d, stages: [...d.stages, { name: n, steps: [] }] };
}

export function removeStage(d: Definition, i: number): Definition {
  return { ...d, stages: d.stages.filter((_, j) => j !== i) };
}

export function moveStage(d: Definition, i: number, to: number): Definition {
  return { ...d, stages: move(d.stages, i, to) };
}

/** updateStage changes a stage's own fields (name, when, timeout, retry). */
export function updateStage(d: Definition, i: number, patch: Partial<Stage>): Definition {
  return setStage(d, i, (s) => clean({ ...s, ...patch }));
}

/** stepsAt is the list of steps a place names. */
export function stepsAt(d: Definition, at: StepsAt): Step[] {
  const s = d.stages[at.stage];
  if (!s) return [];
  return at.branch === undefined ? (s.steps ?? []) : (s.parallel?.[at.branch]?.steps ?? []);
}

function setSteps(d: Definition, at: StepsAt, f: (steps: Step[]) => Step[]): Definition {
  return setStage(d, at.stage, (s) => {
    if (at.branch === undefined) return { ...s, steps: f(s.steps ?? []) };
    return { ...s, parallel: (s.parallel ?? []).map((b, j) => (j === at.branch ? { ...b, steps: f(b.steps) } : b)) };
  });
}

/** addStep appends a step of a kind, named after it (shell, shell-2 ...). */
export function addStep(d: Definition, at: StepsAt, kind: StepKind): Definition {
  return setSteps(d, at, (steps) => [...steps, { name: uniqueName(kind.toLowerCase(), steps.map((s) => s.name)), ...newStepBody(kind) }]);
}

export function removeStep(d: Definition, at: StepsAt, j: number): Definition {
  return setSteps(d, at, (steps) => steps.filter((_, k) => k !== j));
}

export function moveStep(d: Definition, at: StepsAt, j: number, to: number): Definition {
  return setSteps(d, at, (steps) => move(steps, j, to));
}

export function updateStep(d: Definition, at: StepsAt, j: number, step: Step): Definition {
  return setSteps(d, at, (steps) => steps.map((s, k) => (k === j ? clean(step) : s)));
}

/** makeParallel turns a stage's steps into its first parallel branch. */
export function makeParallel(d: Definition, i: number): Definition {
  return setStage(d, i, (s) => {
    if (s.parallel) return s;
    const { steps, ...rest } = s;
    return { ...rest, parallel: [{ name: 'branch-1', steps: steps ?? [] }] };
  });
}

/** makeSequential turns a parallel stage back into steps: those of its branches, one after the other. */
export function makeSequential(d: Definition, i: number): Definition {
  return setStage(d, i, (s) => {
    if (!s.parallel) return s;
    const { parallel, ...rest } = s;
    const steps: Step[] = [];
    for (const b of parallel) for (const st of b.steps) steps.push({ ...st, name: uniqueName(st.name ?? stepKind(st) ?? 'step', steps.map((x) => x.name)) });
    return { ...rest, steps };
  });
}

export function addBranch(d: Definition, i: number): Definition {
  return setStage(d, i, (s) => {
    const branches = s.parallel ?? [];
    return { ...s, parallel: [...branches, { name: uniqueName(`branch-${branches.length + 1}`, branches.map((b) => b.name)), steps: [] }] };
  });
}

export function removeBranch(d: Definition, i: number, b: number): Definition {
  return setStage(d, i, (s) => ({ ...s, parallel: (s.parallel ?? []).filter((_, j) => j !== b) }));
}

export function updateBranch(d: Definition, i: number, b: number, patch: Partial<Branch>): Definition {
  return setStage(d, i, (s) => ({ ...s, parallel: (s.parallel ?? []).map((x, j) => (j === b ? clean({ ...x, ...patch }) : x)) }));
}

/**
 * clean leaves out what the API leaves out: unset and empty optional
 * values (an empty string, an empty when, retry 0), so that the YAML shows
 * only what was set. Lists a kind requires (steps, manifests, paths) stay.
 */
export function clean<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === null) continue;
    if (v === '' && k !== 'script' && k !== 'message' && k !== 'image' && k !== 'project' && k !== 'projectKey' && k !== 'name') continue;
    if ((k === 'retry' && v === 0) || (k === 'push' && v === false) || (k === 'failOnQualityGate' && v === false)) continue;
    if (k === 'when' && typeof v === 'object' && Object.keys(clean(v as object)).length === 0) continue;
    if (k === 'environment' && Array.isArray(v) && v.length === 0) continue;
    out[k] = k === 'when' && typeof v === 'object' ? clean(v as object) : v;
  }
  return out as T;
}

/** toYaml writes a definition as YAML, in the order the API's types name the fields. */
export function toYaml(d: Definition): string {
  return stringify(d, { lineWidth: 0 });
}

/**
 * fromYaml reads YAML text as a definition: the definition, or the first
 * problem with its line, whether the text is no YAML at all or YAML that is
 * no definition (no stages, a stage with both steps and parallel, a step
 * with no kind or with two).
 */
export function fromYaml(text: string): { definition: Definition } | { problem: YamlProblem } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    return { problem: { line: e.linePos?.[0].line ?? lines.linePos(e.pos[0]).line, message: e.message.split('\n')[0] } };
  }
  const lineOf = (n: Node | null | undefined) => (n?.range ? lines.linePos(n.range[0]).line : 1);
  const root = doc.contents;
  if (!isMap(root)) return { problem: { line: lineOf(root), message: 'a definition is a mapping with stages' } };
  const stages = root.get('stages', true);
  if (!isSeq(stages) || stages.items.length === 0) return { problem: { line: lineOf(stages ?? root), message: 'stages: at least one stage is needed' } };
  for (const st of stages.items) {
    if (!isMap(st)) return { problem: { line: lineOf(st as Node), message: 'a stage is a mapping with a name' } };
    const name = st.get('name');
    if (typeof name !== 'string' || !name) return { problem: { line: lineOf(st), message: 'a stage needs a name' } };
    const steps = st.get('steps', true);
    const parallel = st.get('parallel', true);
    if (steps !== undefined && parallel !== undefined) return { problem: { line: lineOf(st), message: `stage ${name}: either steps or parallel, not both` } };
    const lists: unknown[] = [];
    if (parallel !== undefined) {
      if (!isSeq(parallel)) return { problem: { line: lineOf(parallel), message: `stage ${name}: parallel is a list of branches` } };
      for (const b of parallel.items) {
        if (!isMap(b) || typeof b.get('name') !== 'string') return { problem: { line: lineOf(b as Node), message: `stage ${name}: a branch needs a name` } };
        lists.push(b.get('steps', true));
      }
    } else if (steps !== undefined) lists.push(steps);
    for (const l of lists) {
      if (l === undefined || l === null) continue;
      if (!isSeq(l)) return { problem: { line: lineOf(l as Node), message: `stage ${name}: steps is a list` } };
      for (const s of l.items) {
        if (!isMap(s)) return { problem: { line: lineOf(s as Node), message: `stage ${name}: a step is a mapping` } };
        const kinds = stepKinds.filter((k) => s.has(k));
        if (kinds.length !== 1) return { problem: { line: lineOf(s), message: kinds.length ? `a step has one kind, not ${kinds.join(' and ')}` : `a step needs a kind: ${stepKinds.join(', ')}` } };
      }
    }
  }
  return { definition: doc.toJS() as Definition };
}
