import { finished, type Definition, type PipelineRun, type RunPhase, type Stage, type StageStatus, type Step, type StepStatus } from '../../api/devops';
import { stepKind } from './definition';

// The stage graph of a run: one column per stage, a stage's parallel
// branches side by side in it, each a lane of step cards, every one with
// the phase the run's status gives it. The definition gives the shape
// (what has not started yet is there, Pending); the status gives names and
// phases, and a run whose definition is missing is drawn from its status.

export interface GraphStep {
  /** the step's name, as the log and the approvals name it */
  name: string;
  kind: string;
  phase: RunPhase;
  status?: StepStatus;
  /** the step of the definition, when known */
  step?: Step;
  /** the log's stage parameter: the stage, or "<stage>/<branch>" */
  logStage: string;
  /** the input step's name for approve and reject: "<stage>/<step>" or "<stage>/<branch>/<step>" */
  id: string;
}

export interface GraphLane {
  /** the branch's name, empty for a stage of steps */
  branch: string;
  phase: RunPhase;
  steps: GraphStep[];
}

export interface GraphColumn {
  stage: string;
  phase: RunPhase;
  parallel: boolean;
  status?: StageStatus;
  lanes: GraphLane[];
}

/** defaultStepName is a step's name when the definition gives none: its kind and its index, as the API names it. */
export function defaultStepName(s: Step, i: number): string {
  return `${stepKind(s) ?? 'step'}-${i + 1}`;
}

function laneOf(stageName: string, branch: string, steps: Step[] | undefined, status: StageStatus | undefined): GraphLane {
  const logStage = branch ? `${stageName}/${branch}` : stageName;
  const seen = new Set<string>();
  const out: GraphStep[] = (steps ?? []).map((s, i) => {
    const name = s.name || defaultStepName(s, i);
    const st = status?.steps?.find((x) => x.name === name) ?? (s.name ? undefined : status?.steps?.[i]);
    seen.add(st?.name ?? name);
    return { name: st?.name ?? name, kind: stepKind(s) ?? st?.kind ?? '', phase: st?.phase ?? 'Pending', status: st, step: s, logStage, id: `${logStage}/${st?.name ?? name}` };
  });
  // Steps the status has and the definition does not (a run drawn from its status alone).
  for (const st of status?.steps ?? []) {
    if (!seen.has(st.name)) out.push({ name: st.name, kind: st.kind, phase: st.phase, status: st, logStage, id: `${logStage}/${st.name}` });
  }
  return { branch, phase: status?.phase ?? 'Pending', steps: out };
}

/** stageColumns lays out a definition (and a run's stage statuses) as columns of lanes of steps. */
export function stageColumns(def: Definition | undefined, statuses: StageStatus[] = []): GraphColumn[] {
  const byName = new Map(statuses.map((s) => [s.name, s]));
  const cols: GraphColumn[] = (def?.stages ?? []).map((s: Stage) => {
    const status = byName.get(s.name);
    const lanes = s.parallel?.length ? s.parallel.map((b) => laneOf(s.name, b.name, b.steps, byName.get(`${s.name}/${b.name}`))) : [laneOf(s.name, '', s.steps, status)];
    return { stage: s.name, phase: status?.phase ?? stagePhase(lanes), parallel: !!s.parallel?.length, status, lanes };
  });
  if (def?.stages?.length) return cols;
  // No definition: the stages and branches of the status, in their order.
  const out: GraphColumn[] = [];
  for (const st of statuses) {
    const slash = st.parallel ? st.name.indexOf('/') : -1;
    if (slash > 0) {
      const stage = st.name.slice(0, slash);
      let col = out.find((c) => c.stage === stage);
      if (!col) {
        col = { stage, phase: byName.get(stage)?.phase ?? 'Pending', parallel: true, status: byName.get(stage), lanes: [] };
        out.push(col);
      }
      col.parallel = true;
      col.lanes.push(laneOf(stage, st.name.slice(slash + 1), undefined, st));
    } else if (!out.some((c) => c.stage === st.name)) {
      out.push({ stage: st.name, phase: st.phase, parallel: false, status: st, lanes: st.steps?.length ? [laneOf(st.name, '', undefined, st)] : [] });
    }
  }
  for (const c of out) if (c.parallel && !c.status) c.phase = stagePhase(c.lanes);
  return out;
}

/** stagePhase is a stage's phase from its lanes when the status has none of its own. */
export function stagePhase(lanes: GraphLane[]): RunPhase {
  const ps = lanes.map((l) => l.phase);
  if (!ps.length) return 'Pending';
  for (const p of ['Failed', 'Cancelled', 'Waiting', 'Running'] as const) if (ps.includes(p)) return p;
  if (ps.every((p) => p === 'Succeeded' || p === 'Skipped')) return ps.every((p) => p === 'Skipped') ? 'Skipped' : 'Succeeded';
  return ps.some((p) => p === 'Succeeded') ? 'Running' : 'Pending';
}

/** runGraph is a run's graph: its own definition (the pipeline's at its start, or the replay's) with its status. */
export function runGraph(run: PipelineRun | undefined): GraphColumn[] {
  if (!run) return [];
  return stageColumns(run.status?.definition ?? run.spec.definition, run.status?.stages);
}

/** waitingInputs are the input steps of a run that wait for an answer. */
export function waitingInputs(cols: GraphColumn[]): GraphStep[] {
  return cols.flatMap((c) => c.lanes.flatMap((l) => l.steps.filter((s) => s.kind === 'input' && s.phase === 'Waiting')));
}

// The phases as the console shows them.

export type PhaseColor = 'green' | 'blue' | 'orange' | 'red' | 'grey' | 'purple';

const colors: Record<RunPhase, PhaseColor> = {
  Pending: 'grey',
  Queued: 'grey',
  Running: 'blue',
  Waiting: 'purple',
  Succeeded: 'green',
  Failed: 'red',
  Cancelled: 'orange',
  Skipped: 'grey',
};

/** phaseColor is the colour of a run's, stage's or step's phase. */
export function phaseColor(p: string | undefined): PhaseColor {
  return colors[p as RunPhase] ?? 'grey';
}

/** runPhase is a run's phase as shown: Pending until the controller gives one. */
export function runPhase(run: { status?: { phase?: RunPhase } } | undefined): RunPhase {
  return run?.status?.phase ?? 'Pending';
}

/** isLive tells a phase whose log may still grow and whose status still changes. */
export function isLive(p: string | undefined): boolean {
  return !finished(p) && p !== undefined;
}

/** duration says how long from start to end (or to now, while it runs): 45s, 3m 5s, 2h 4m. */
export function duration(start: string | undefined, end: string | undefined, now = Date.now()): string {
  if (!start) return '-';
  const to = end ? Date.parse(end) : now;
  const s = Math.max(0, Math.round((to - Date.parse(start)) / 1000));
  if (Number.isNaN(s)) return '-';
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** size says a number of bytes as B, KiB, MiB or GiB. */
export function size(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}
