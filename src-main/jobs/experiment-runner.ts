// Runs an experiment's DAG in order — per seed: baseline (→ the plain, unregularised one where the spec
// asks for it) (→ the intermediate rounds of iterative pruning) → prune → each pruned regime — against the
// store. Every step is idempotent: a run is found by (experiment, regime, seed, learning-rate chain) before one is created,
// a finished run is never redone, a half-finished one continues from its checkpoint, and a seed's
// pruning plan is computed once from the baseline's final weights and kept as a JSON file. So an
// experiment killed at any point and resumed ends with the same runs and metric rows. With
// `parallelRuns` > 1 (webgpu) the chains, and a chain's pruned regimes, train side by side, at most that
// many runs at once (run-slots.ts); each run's numbers are those it has alone.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ArchSpec } from '../../src-shared/arch-spec.ts';
import { CancelledError, JobFailedError } from '../../src-shared/errors.ts';
import { chainRates, runsInAll, type PrunedRegime } from '../../src-shared/experiment-spec.ts';
import type { PruningPlan } from '../../src-shared/pruning.ts';
import type { Experiment, Run, RunRegime } from '../../src-shared/store-schemas.ts';
import { analyseCost } from '../engine/analysis/cost.ts';
import { collectParams } from '../engine/models/build.ts';
import type { BackendInfo } from '../engine/backend/select-backend.ts';
import { planningImages } from '../engine/datasets/planning-images.ts';
import { applyPlan, embedInBase, parsePlan } from '../engine/pruning/apply-plan.ts';
import { scratchBEpochs } from '../engine/pruning/budget.ts';
import { winningTicket } from '../engine/pruning/lottery.ts';
import { planPruning, type PlanningProgress } from '../engine/pruning/method.ts';
import { planCost, planMasks, recordedCost, scratchStart } from '../engine/pruning/plan-effects.ts';
import { reducedNetwork } from '../engine/pruning/reduced.ts';
import { Rng } from '../engine/random.ts';
import { readCheckpoint, requireFinite, type EpochResult } from '../engine/training/checkpoint.ts';
import * as tf from '../engine/tf.ts';
import { LAST_CHECKPOINT } from '../engine/training/train.ts';
import type { Db } from '../store/db.ts';
import { createExperiment, updateExperiment } from '../store/experiments.ts';
import { getPlanJson, putPlan } from '../store/plans.ts';
import { getRun, listRuns } from '../store/runs.ts';
import { storageFailure } from '../store/storage-failure.ts';
import type { PreparedExperiment } from './experiment-prepare.ts';
import { createTrainRun, executeRun, type RunExtras, type RunHooks } from './train-run.ts';
import { experimentDir } from './job-dirs.ts';
import { acquireJobLock } from './run-lock.ts';
import { runSlots, type RunSlots } from './run-slots.ts';

export { experimentDir } from './job-dirs.ts';

export interface ExperimentStep {
  /** 1-based position among all runs of the experiment, and their number. */
  index: number;
  total: number;
  regime: RunRegime;
  seed: number;
  /** Iterative pruning's round (1-based) for a 'round' run. */
  round?: number;
  /** The chain's learning rate where the experiment has several (spec.learningRates). */
  lr?: number;
}

/** The run a batch or an epoch belongs to (several train at once with parallelRuns > 1). */
export interface RunAt {
  step: ExperimentStep;
  run: Run;
}

export interface ExperimentHooks extends RunHooks {
  onBatch?: (p: Parameters<NonNullable<RunHooks['onBatch']>>[0], at?: RunAt) => void;
  onEpoch?: (m: EpochResult, info: { numTensors: number }, at?: RunAt) => void;
  onRunStart?: (step: ExperimentStep, run: Run) => void;
  onRunSkipped?: (step: ExperimentStep, run: Run) => void;
  onRunDone?: (step: ExperimentStep, run: Run) => void;
  onPruned?: (seed: number, plan: PruningPlan, lr: number | null) => void;
  /** A method whose planning is long (Fisher pruning fine-tunes while it prunes) reports how far it is. */
  onPlanning?: (seed: number, progress: PlanningProgress) => void;
}

export interface Execution {
  backend: BackendInfo;
  threads: number;
  /** Train the runs on a queue's workers instead of here (`pwb run --queue`). */
  queue?: RunQueue;
  /** Runs training at once here (parallel-runs.ts); 1 (one after another) when absent. */
  parallelRuns?: number;
}

/** Where queued runs go: src-main/queue/queue-executor.ts. */
export interface RunQueue {
  /**
   * Trains `run` on a worker and resolves once it finished there (its epochs and files are back in the store);
   * `signal` cancels it (a CancelledError once the worker has stopped it, or it was taken off the queue);
   * `onEpoch` hears each of its epochs as the store gets it.
   */
  train(db: Db, run: Run, task: QueuedRun, signal?: AbortSignal, onEpoch?: (m: EpochResult) => void): Promise<void>;
}

/** What a worker needs of a run besides the run's row: its network, settings, and how its extras are rebuilt. */
export interface QueuedRun {
  arch: ArchSpec;
  config: ReturnType<PreparedExperiment['configFor']>;
  prepared: PreparedExperiment;
  initialWeights: (() => Map<string, Float32Array>) | null;
  methodTraining: boolean;
  maskPlan: PruningPlan | null;
  asTrained: boolean;
}

/** Waits for every chain; the first failure is thrown once all have ended (a cancel or failure does not orphan the others mid-write). */
async function settleAll(chains: Promise<void>[]): Promise<void> {
  const results = await Promise.allSettled(chains);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Records a new experiment (status queued) for a prepared spec. Its folder starts empty: one already
 * there was left by a deleted database of the same name, and its plans must not be reused.
 */
export function createExperimentRecord(db: Db, dbPath: string, prepared: PreparedExperiment): Experiment {
  const experiment = createExperiment(db, { name: prepared.spec.name, spec: prepared.spec as unknown as Record<string, unknown>, status: 'queued' });
  rmSync(experimentDir(dbPath, experiment.id), { recursive: true, force: true });
  return experiment;
}

/** Folder of an experiment's own files (pruning plans) beside the database. */

export async function runExperiment(
  db: Db, dbPath: string, experimentId: number, prepared: PreparedExperiment, exec: Execution, hooks: ExperimentHooks = {},
): Promise<void> {
  const { spec } = prepared;
  const total = runsInAll(spec);
  // Taken before the status changes: a second process driving this experiment is refused with nothing changed.
  const releaseLock = acquireJobLock(experimentDir(dbPath, experimentId), `experiment ${experimentId}`, 'run');
  try {
    updateExperiment(db, experimentId, { status: 'running' });
    const chains = spec.seeds.flatMap((seed) => chainRates(spec).map((lr) => ({ seed, lr })));
    const slots = !exec.queue && (exec.parallelRuns ?? 1) > 1 ? runSlots(exec.parallelRuns!) : null;
    /** Side by side (with slots: the first failure stops the rest, and is the one thrown), else one after another. */
    const each = async <T>(items: T[], body: (item: T) => Promise<void>): Promise<void> => {
      if (!slots) {
        for (const item of items) await body(item);
        return;
      }
      await Promise.allSettled(items.map((item) => body(item).catch((e: unknown) => {
        slots.fail(e);
        throw e;
      })));
      if (slots.failure !== undefined) throw slots.failure;
    };
    const perChain = total / chains.length;
    const runChain = async ({ seed, lr }: { seed: number; lr: number | null }, first: number): Promise<void> => {
      let index = first;
      // One chain per seed and learning rate (spec.learningRates): its runs carry the rate, and all but fine-tuning train at it.
      const at = lr === null ? {} : { lr };
      const config = (regime: 'baseline' | PrunedRegime): RunRequest['config'] => prepared.configFor(regime, seed, lr);
      const ensure = (step: ExperimentStep, req: RunRequest): Promise<Run> => ensureRun(db, dbPath, experimentId, prepared, exec, hooks, step, req, slots);
      const baseline = await ensure({ index: ++index, total, regime: 'baseline', seed, ...at }, {
        arch: prepared.base, parentRunId: null, config: config('baseline'), extras: baselineExtras(prepared),
        asTrained: spec.baselineTrained, methodTraining: true,
      });
      if (spec.plainBaseline) {
        // The same network, settings and seed as the baseline, without the method's regulariser.
        await ensure({ index: ++index, total, regime: 'train', seed, ...at }, {
          arch: prepared.plain, parentRunId: null, config: config('baseline'), extras: startFrom(prepared, prepared.plain),
        });
      }
      // Iterative pruning: each round's mask from the weights the last round trained (the baseline's first),
      // trained from the baseline's initial values under it; the final plan is made from the last round's.
      let source = baseline;
      let sourcePlan: PruningPlan | null = null;
      for (let round = 1; round < spec.pruningRounds; round++) {
        const roundPlan = planRound(prepared, trainedWeights(source, sourcePlan), seed, round);
        source = await ensure({ index: ++index, total, regime: 'round', seed, round, ...at }, {
          arch: prunedArch(roundPlan), effectiveCost: recordedCost(roundPlan), parentRunId: source.id, config: config('baseline'),
          extras: { masks: planMasks(roundPlan), initialWeights: () => winningTicket(roundPlan, seed) }, maskPlan: roundPlan,
        });
        sourcePlan = roundPlan;
      }
      const planning = planningState(dbPath, experimentId, seed, lr);
      const plan = await ensurePlan(db, experimentId, prepared, source, seed, { statePath: planning, hooks, sourcePlan, lr });
      hooks.onPruned?.(seed, plan, lr);
      const pruned = prunedArch(plan);
      const steps = spec.regimes.map((regime) => ({ index: ++index, total, regime, seed, ...at }));
      await each(steps, async (step) => {
        const regime = step.regime;
        if (regime === 'reduced') {
          // Not the pruned architecture: the base (the spec's own, without a method's scales) narrowed uniformly to its parameter count, from scratch.
          const reduced = reducedNetwork(prepared.plain, planCost(plan).params);
          await ensure(step, {
            arch: reduced.spec, parentRunId: baseline.id, config: scratchBConfig(config('baseline'), plan.base, analyseCost(reduced.spec).totals.flops, prepared), extras: {},
          });
          return;
        }
        const regimeConfig = regime === 'scratch-b' ? scratchBConfig(config('baseline'), plan.base, planCost(plan).flops, prepared) : config(regime);
        await ensure(step, {
          arch: pruned, effectiveCost: recordedCost(plan), parentRunId: source.id, config: regimeConfig,
          extras: prunedExtras(plan, regime, source, sourcePlan, seed, planning), maskPlan: plan,
        });
      });
    };
    // On a queue the chains (seeds, learning rates) train at once, on as many workers as there are; with
    // parallel runs, side by side here; else one after another.
    if (exec.queue) await settleAll(chains.map((c, i) => runChain(c, i * perChain)));
    else await each([...chains.entries()], ([i, c]) => runChain(c, i * perChain));
    updateExperiment(db, experimentId, { status: 'completed' });
  } catch (e) {
    try {
      updateExperiment(db, experimentId, { status: e instanceof CancelledError ? 'cancelled' : 'failed' });
    } catch {
      // A full disk can fail this write too: reconciled as interrupted at the next open (the lock is released).
    }
    throw storageFailure(e, dbPath, `resume with \`pwb resume ${experimentId}\``) ?? e;
  } finally {
    releaseLock();
  }
}

interface RunRequest {
  arch: ArchSpec;
  effectiveCost?: { params: number; flops: number };
  parentRunId: number | null;
  config: ReturnType<PreparedExperiment['configFor']>;
  extras: RunExtras;
  /** The imported baseline used as trained (spec.baselineTrained): evaluated, not trained. */
  asTrained?: boolean;
  /** The method's training hooks apply (the baseline): what a queue worker rebuilds in place of `extras`' closures. */
  methodTraining?: boolean;
  /** The plan whose masks the run trains under (unstructured pruning), for a queue worker. */
  maskPlan?: PruningPlan;
}

async function ensureRun(
  db: Db, dbPath: string, experimentId: number, prepared: PreparedExperiment, exec: Execution, hooks: ExperimentHooks,
  step: ExperimentStep, req: RunRequest, slots: RunSlots | null = null,
): Promise<Run> {
  // A seed's rounds share a regime: the n-th of them (by id: they are made in order) is round n.
  const existing = listRuns(db, { experimentId })
    .filter((r) => r.regime === step.regime && r.seed === step.seed && r.chainLr === (step.lr ?? null))
    .sort((a, b) => a.id - b.id)[(step.round ?? 1) - 1];
  if (existing?.status === 'completed') {
    hooks.onRunSkipped?.(step, existing);
    return existing;
  }
  const releaseSlot = slots ? await slots.acquire() : null;
  try {
    if (slots && hooks.signal?.aborted) throw new CancelledError('cancelled before the run started');
    return await trainStep(db, dbPath, experimentId, prepared, exec, hooks, step, req, existing);
  } finally {
    releaseSlot?.();
  }
}

async function trainStep(
  db: Db, dbPath: string, experimentId: number, prepared: PreparedExperiment, exec: Execution, hooks: ExperimentHooks,
  step: ExperimentStep, req: RunRequest, existing: Run | undefined,
): Promise<Run> {
  const run =
    existing ??
    createTrainRun(
      db, dbPath,
      { arch: req.arch, dataset: prepared.spec.dataset, regime: step.regime, experimentId, parentRunId: req.parentRunId, chainLr: step.lr ?? null, effectiveCost: req.effectiveCost, asTrained: req.asTrained },
      { spec: req.arch, dataset: prepared.dataset, config: req.config, backend: exec.backend, threads: exec.threads },
    );
  hooks.onRunStart?.(step, run);
  const at: RunAt = { step, run };
  const runHooks: ExperimentHooks = {
    ...hooks,
    onBatch: hooks.onBatch && ((p) => hooks.onBatch!(p, at)),
    onEpoch: hooks.onEpoch && ((m, info) => hooks.onEpoch!(m, info, at)),
  };
  let done: Run;
  if (exec.queue) {
    await exec.queue.train(db, run, {
      arch: req.arch, config: req.config, prepared, initialWeights: req.extras.initialWeights ?? null,
      methodTraining: req.methodTraining ?? false, maskPlan: req.maskPlan ?? null, asTrained: req.asTrained ?? false,
    }, hooks.signal, hooks.onEpoch && ((m) => hooks.onEpoch!(m, { numTensors: tf.memory().numTensors }, at)));
    done = getRun(db, run.id);
    if (done.status !== 'completed') throw new JobFailedError(`run ${run.id} ended ${done.status} on its worker${done.error ? `: ${done.error}` : ''}`);
  } else {
    done = await executeRun(db, run.id, { spec: req.arch, dataset: prepared.dataset, config: req.config, backend: exec.backend, threads: exec.threads }, { ...runHooks, resumeCommand: `pwb resume ${experimentId}` }, { ...req.extras, asTrained: req.asTrained });
  }
  hooks.onRunDone?.(step, done);
  return done;
}

/** A pruned architecture without a published name of its own is called after its base and method. */
function prunedArch(plan: PruningPlan): ArchSpec {
  const named = plan.pruned.id !== undefined && plan.pruned.id !== plan.base.id;
  return named ? plan.pruned : { ...plan.pruned, id: `${plan.base.id ?? plan.base.family}_${plan.method}` };
}

/** Round `round`'s plan (of spec.pruningRounds), from the base-shaped final weights of the baseline or the round before. */
function planRound(prepared: PreparedExperiment, weights: Map<string, Float32Array>, seed: number, round: number): PruningPlan {
  const params = prepared.method.roundParams!(prepared.params, round, prepared.spec.pruningRounds);
  return prepared.method.plan(prepared.base, weights, params, Rng.fromSeed(seed, `prune-round-${round}`));
}

/**
 * The final weights of `source` in the base architecture's shapes: the baseline's as they are; a pruning
 * round's (trained on its plan's network) put back at their base positions, zeros where the plan removed.
 */
function trainedWeights(source: Run, plan: PruningPlan | null): Map<string, Float32Array> {
  const done = source.checkpointDir;
  if (!done || source.status !== 'completed') throw new JobFailedError(`run ${source.id} has not finished`);
  const weights = baselineWeights(join(done, LAST_CHECKPOINT));
  return plan ? embedInBase(plan, weights) : weights;
}

function baselineExtras(prepared: PreparedExperiment): RunExtras {
  return { ...startFrom(prepared), ...methodTrainingExtras(prepared.method, prepared.params) };
}

/** The method's own training of its baseline: a sparsity regulariser, a proximal step, a step after every epoch. */
export function methodTrainingExtras(method: PreparedExperiment['method'], params: Record<string, unknown>): RunExtras {
  const reg = method.training?.regularizer?.(params) ?? null;
  const hook = method.training?.afterEpoch?.(params) ?? null;
  const proximal = method.training?.proximal?.(params) ?? null;
  return {
    ...(proximal ? { proximal } : {}),
    ...(reg ? { regularizer: (p, grads) => reg.addToGradients(p, grads) } : {}),
    ...(hook ? { afterEpoch: (model) => hook.apply(model) } : {}),
  };
}

/** The large model's starting weights where the spec gives some (spec.baselineWeights): for the baseline and its plain twin. */
function startFrom(prepared: PreparedExperiment, arch: ArchSpec = prepared.base): RunExtras {
  const start = prepared.baselineStart;
  if (!start) return {};
  // The plain twin of a method's own network (SSS's scaled blocks) starts from the same weights, less the scales.
  const names = new Set(collectParams(arch).map((p) => p.name));
  return { initialWeights: () => new Map([...start].filter(([k]) => names.has(k)).map(([k, v]) => [k, Float32Array.from(v)])) };
}

/** `config` (the chain's baseline settings) with Scratch-B's epochs: the baseline's compute for a network of `flops`. */
function scratchBConfig(config: RunRequest['config'], base: ArchSpec, flops: number, prepared: PreparedExperiment): RunRequest['config'] {
  const epochs = scratchBEpochs(config.epochs, analyseCost(base).totals.flops, flops, { capMultiple: prepared.spec.scratchB.capMultiple ?? undefined });
  return { ...config, epochs };
}

/** The baseline's final weights, intact and finite (a diverged baseline is not worth pruning). */
function baselineWeights(path: string): Map<string, Float32Array> {
  const ckpt = readCheckpoint(path);
  requireFinite(path, ckpt);
  return ckpt.weights;
}

/** Where a chain's long planning keeps its state (Fisher pruning's loop), beside the database. */
function planningState(dbPath: string, experimentId: number, seed: number, lr: number | null): string {
  return join(experimentDir(dbPath, experimentId), `planning-seed-${seed}${lr === null ? '' : `-lr-${lr}`}.ckpt`);
}

/** What a pruned regime starts from; `source` is the run the plan was made from (the baseline, or the last pruning round, whose plan is `sourcePlan`). */
function prunedExtras(plan: PruningPlan, regime: PrunedRegime, source: Run, sourcePlan: PruningPlan | null, seed: number, planning: string): RunExtras {
  const masks = planMasks(plan);
  const withMasks = masks ? { masks } : {};
  if (regime === 'lottery') return { ...withMasks, initialWeights: () => winningTicket(plan, seed) };
  if (regime === 'finetune') {
    // A method that fine-tuned while it pruned hands on its planning's weights (finetuneFrom), else the baseline's.
    if (plan.finetuneFrom === 'planning-pruned') return { ...withMasks, initialWeights: () => baselineWeights(planning) };
    if (plan.finetuneFrom === 'planning') return { ...withMasks, initialWeights: () => applyPlan(plan, baselineWeights(planning)) };
    return { ...withMasks, initialWeights: () => applyPlan(plan, trainedWeights(source, sourcePlan)) };
  }
  // Scratch: where the plan decides the start (masked plans), from it; else a fresh initialisation.
  const start = scratchStart(plan, seed);
  return { ...withMasks, ...(start ? { initialWeights: start } : {}) };
}

/**
 * The seed's plan: read from the database, or computed from the baseline's final weights and stored
 * (plans of earlier versions, files beside the database, are moved in by migration 002).
 */
interface PlanningContext {
  statePath: string;
  hooks: ExperimentHooks;
  /** The plan of the pruning round the weights come from (iterative pruning), or null for the baseline's. */
  sourcePlan: PruningPlan | null;
  /** The chain's learning rate (spec.learningRates), or null. */
  lr: number | null;
}

/** `source`: the run whose final weights the plan is made from (the baseline, or the last pruning round). */
async function ensurePlan(db: Db, experimentId: number, prepared: PreparedExperiment, source: Run, seed: number, ctx: PlanningContext): Promise<PruningPlan> {
  const stored = getPlanJson(db, experimentId, seed, ctx.lr);
  if (stored !== null) return parsePlan(JSON.parse(stored), `experiment ${experimentId} plan (seed ${seed}${ctx.lr === null ? '' : `, lr ${ctx.lr}`})`);
  const plan = await computePlan(db, prepared, source, seed, ctx);
  putPlan(db, experimentId, seed, JSON.stringify(plan), ctx.lr);
  return plan;
}

/** The plan from the final weights of the baseline or the last pruning round (and, for a data-aware method, the images it trained on). */
function computePlan(db: Db, prepared: PreparedExperiment, source: Run, seed: number, ctx: PlanningContext): Promise<PruningPlan> {
  const weights = trainedWeights(getRun(db, source.id), ctx.sourcePlan);
  const images = {
    ...planningImages(prepared.dataset, prepared.configFor('baseline', seed, ctx.lr)),
    statePath: ctx.statePath,
    signal: ctx.hooks.signal,
    onProgress: (p: PlanningProgress) => ctx.hooks.onPlanning?.(seed, p),
  };
  return planPruning(prepared.method, prepared.base, weights, prepared.params, Rng.fromSeed(seed, 'prune'), images);
}
