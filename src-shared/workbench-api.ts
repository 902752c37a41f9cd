// The one contract between the UI and the workbench: every call and event, by name. The IPC
// adapter (src-main/app + src-preload) and the HTTP/SSE adapter are generic loops over these
// lists, never one hand-written channel per call. To add a call: append its name to CALL_NAMES,
// its args schema to CALL_ARGS and its result type to CallResults; the compiler points at
// every place that still needs it (the WorkbenchApi implementation).
import type { CallArgs } from './workbench-args.ts';
import type { ArchSpec } from './arch-spec.ts';
import { WorkbenchError, type ErrorCode } from './errors.ts';
import type { ExperimentSpec } from './experiment-spec.ts';
import type { ComputeReport } from './compute-report.ts';
import type { EpochMetric, Experiment, Run } from './store-schemas.ts';

export const CALL_NAMES = [
  'version',
  'listExperiments',
  'getExperiment',
  'getRunMetrics',
  'listPresets',
  'describeOptions',
  'estimateCost',
  'startExperiment',
  'cancelExperiment',
  'resumeExperiment',
  'updateExperiment',
  'deleteExperiment',
  'exportCsv',
  'diagnoseCompute',
  'paperTable',
  'importModel',
  'study',
  'measureLatency',
  'listWorkers',
] as const;
export type CallName = (typeof CALL_NAMES)[number];
export type { CallArgs } from './workbench-args.ts';



export interface VersionInfo {
  /** The workbench's own version (package.json). */
  app: string;
  /** The version of @tensorflow/tfjs-core the engine computes with. */
  engine: string;
}

/** One row of the Experiments view. */
export interface ExperimentRow {
  id: number;
  name: string;
  dataset: string;
  arch: string;
  method: string;
  status: Experiment['status'];
  tags: string[];
  notes: string;
  hidden: boolean;
  /** Best final test accuracy among the experiment's completed runs (fraction), or null. */
  bestAcc: number | null;
  runs: number;
  runsCompleted: number;
  createdAt: string;
}

/**
 * Scratch-E / Scratch-B against fine-tuning over seeds (src-main/engine/stats/compare-regimes.ts): the
 * paired t-test when seeds pair up, else Welch's; TOST equivalence within a margin; Wilcoxon beside a
 * paired test. Fractions (0.01 = 1 pp). Null statistics where no test is defined (no spread, too few).
 */
export interface VersusFinetune {
  method: 'paired-t' | 'welch-t' | 'none';
  n: number;
  difference: number;
  ci: [number, number] | null;
  p: number | null;
  t: number | null;
  df: number | null;
  equivalence: { margin: number; p: number | null; ci: [number, number] | null };
  wilcoxon: { statistic: number; p: number; exact: boolean; n: number } | null;
  outcome: 'better' | 'worse' | 'equivalent' | 'inconclusive';
  seedsNeeded: { seeds: number; toShow: 'equivalence' | 'difference' } | null;
  verdict: string;
}

/** One regime's line of the comparison (see src-main/queries/experiment-results.ts). */
/** One regime's final test accuracy at one learning rate (mean and std over seeds). */
export interface RateCell {
  accMean: number | null;
  accStd: number | null;
  completed: number;
  seeds: number;
}

/** An experiment's regimes against its learning rates (spec.learningRates): a row per regime (and round), a cell per rate. */
export interface RateTable {
  rates: number[];
  rows: Array<{ regime: Run['regime']; round?: number; cells: Array<RateCell | null> }>;
}

export interface SummaryLine {
  regime: Run['regime'];
  /** A 'round' line: which round of iterative pruning (1-based); absent for the other regimes. */
  round?: number;
  /** The learning rate of the line's chain, in an experiment with several (spec.learningRates); else absent. */
  lr?: number;
  arch: string;
  seeds: number;
  completed: number;
  accMean: number | null;
  accStd: number | null;
  /** Final top-5 test accuracy, mean and std over seeds, where the dataset reports it (the ImageNet protocol); else null. */
  top5Mean: number | null;
  top5Std: number | null;
  /** Test accuracy at each run's best epoch, mean over seeds. */
  bestAccMean: number | null;
  /**
   * What chose those best epochs: 'held-out' images of the training split (valSplit), the 'test' set (as
   * the reference code does: optimistic), 'mixed' where runs differ, null without a best epoch.
   */
  bestChosenOn: 'held-out' | 'test' | 'mixed' | null;
  /** Means over the regime's runs; the *Std fields are null where every seed has the same value. */
  params: number | null;
  paramsStd: number | null;
  flops: number | null;
  flopsStd: number | null;
  paramReduction: number | null;
  flopReduction: number | null;
  epochs: number | null;
  epochsStd: number | null;
  computeVsBaseline: number | null;
  /** Scratch regimes only: the comparison with its one-line verdict, or just the reason there is none. */
  vsFinetune: VersusFinetune | { verdict: string } | null;
  /** The lottery row only: the winning ticket against random initialisation (Scratch-E), seed by seed (Liu et al. §6). */
  vsRandomInit: VersusFinetune | { verdict: string } | null;
}

export interface ExperimentDetail {
  experiment: Experiment;
  scale: number;
  runs: Run[];
  summary: SummaryLine[];
  /** What bends these results, one line each (src-main/queries/experiment-results.ts). */
  warnings: string[];
  /** With several learning rates (spec.learningRates): each regime's accuracy at each rate; else null. */
  byRate: RateTable | null;
  /**
   * Channels per layer of the large and the pruned architecture, for the arch chart: `pruned` is the mean
   * over the seeds' plans, `seeds` each one (one per seed and learning rate, spec.learningRates). Output channels, or input channels where the pruning selects
   * inputs (DenseNet).
   */
  widths: { quantity: 'output channels' | 'input channels'; layers: string[]; base: number[]; pruned: number[]; seeds: Array<{ seed: number; lr?: number; pruned: number[] }> } | null;
  /** Whether a job process is working on it now. */
  active: boolean;
}

export interface PresetInfo {
  id: string;
  spec: ExperimentSpec;
}

export interface OptionsInfo {
  datasets: Array<{ id: string; name: string; present: boolean; classes: number | null; inputShape: [number, number, number] | null }>;
  archs: Array<{ id: string; family: ArchSpec['family'] }>;
  /** Each method's params as JSON Schema (z.toJSONSchema of its zod schema), for a generated form. */
  methods: Array<{ id: string; paper: string; kind: string; families: string[]; paramsJsonSchema: unknown; exampleParams: Record<string, unknown> }>;
  regimes: Array<'finetune' | 'scratch-e' | 'scratch-b' | 'lottery' | 'reduced'>;
  backends: string[];
  /** The queue experiments may run on (`pwb serve --queue`, PWB_QUEUE in the app): its URL without the password; null without one. */
  queue: { url: string } | null;
}

/** A worker connected to the queue, as it last said (every few seconds). */
export interface WorkerInfo {
  name: string;
  backend: string;
  /** The backend's reason: the device it trains on. */
  device: string;
  /** The run in hand ("baseline seed 1 (experiment 3, run 7)"), or null when idle. */
  run: string | null;
  imagesPerSec: number | null;
  runsDone: number;
  startedAt: string;
  seenAt: string;
}

/** The Workers view: the queue, its workers and runs, and how a machine joins it. */
export interface WorkersInfo {
  /** The queue's URL without its password; null where this workbench has no queue. */
  queue: string | null;
  /** Why the queue could not be read (Redis away), or null. */
  error: string | null;
  workers: WorkerInfo[];
  /** Runs waiting for a worker, and being trained. */
  waiting: number;
  active: number;
  /** What a machine runs to join (the token included), or null without a queue. */
  joinCommand: string | null;
}

export interface CostEstimate {
  base: { arch: string; params: number; flops: number };
  /** Null when the method decides widths from trained weights (automatic, unstructured). */
  pruned: { arch: string; params: number; flops: number } | null;
  epochs: { baseline: number; finetune: number; scratchE: number; scratchB: number | null };
  runs: number;
}

/** The paper's table (src-main/queries/paper-table.ts): its accuracy columns, in order. */
export const PAPER_COLUMNS = ['unpruned', 'finetune', 'scratchE', 'scratchB'] as const;
export type PaperColumn = (typeof PAPER_COLUMNS)[number];

export interface PaperCell {
  /** Final test accuracy in percent, as the paper prints it: mean and std over the completed seeds. */
  mean: number | null;
  std: number | null;
  completed: number;
  seeds: number;
  /** The published [mean, std] (percent) where a shipped table has this row and cell. */
  published: [number, number] | null;
  /** mean − published mean, in percentage points. */
  difference: number | null;
}

/** One experiment's row of the paper's table. */
export interface PaperTableRow {
  experimentId: number;
  /** The learning rate of this row's chains, for an experiment of several (spec.learningRates): a row per rate. */
  lr?: number;
  name: string;
  status: Experiment['status'];
  dataset: string;
  arch: string;
  method: string;
  /** What was pruned: the method's target ("A"), percent ("40%") or ratios. */
  pruned: string;
  scale: number;
  cells: Record<PaperColumn, PaperCell>;
  scratchE: VersusFinetune | { verdict: string } | null;
  scratchB: VersusFinetune | { verdict: string } | null;
  /** The published table this row is matched to: its row label, the paper, and where the numbers come from. */
  published: { label: string; paper: string; source: string } | null;
  /** Every completed run: final test accuracy (fraction) against its size, for the parameter-efficiency scatter. */
  points: Array<{ regime: Run['regime']; seed: number; params: number | null; flops: number | null; acc: number }>;
}

/** A model imported by importModel: its graph ArchSpec and where it and its weights were written. */
export interface ImportedModelInfo {
  spec: ArchSpec;
  /** arch.json: the ArchSpec (an experiment's `arch` may be this object). */
  archFile: string;
  /** weights.ckpt: the imported weights (an experiment's `baselineWeights`). */
  weightsFile: string;
  nodes: number;
  params: number;
  flops: number;
  prunableLayers: number;
  /** What the import changed or could not carry over, one line each. */
  notes: string[];
}

/** What each call resolves to. Plain JSON: it crosses structured clone and HTTP unchanged. */
export interface CallResults {
  version: VersionInfo;
  listExperiments: ExperimentRow[];
  getExperiment: ExperimentDetail;
  getRunMetrics: EpochMetric[];
  listPresets: PresetInfo[];
  describeOptions: OptionsInfo;
  estimateCost: CostEstimate;
  startExperiment: { id: number };
  cancelExperiment: { id: number; cancelled: boolean };
  resumeExperiment: { id: number };
  updateExperiment: ExperimentRow;
  deleteExperiment: { id: number; deleted: boolean };
  exportCsv: { runsCsv: string; summaryCsv: string; runsFile: string; summaryFile: string };
  /** The paper's table over the given experiments (in that order), or every visible one, oldest first. */
  paperTable: PaperTableRow[];
  /** The compute backends of this machine: what loads, on what device, how fast, and why not (as `pwb doctor`). */
  diagnoseCompute: ComputeReport;
  /** An ONNX or TF.js Layers model as a graph ArchSpec and a weights checkpoint, written beside the database (as `pwb import-model`). */
  importModel: ImportedModelInfo;
  /** Accuracy against params, FLOPs and measured latency for every completed run of the given experiments (as `pwb study`). */
  study: StudyResult;
  /** Measures the latency of every architecture the given experiments trained, on the jobs' backend, and stores it. */
  measureLatency: LatencyReport;
  /** The workers of this workbench's queue (as `pwb workers`). */
  listWorkers: WorkersInfo;
}

/** One completed run in a study: what it is, its final test accuracy and its size and speed. */
export interface StudyPoint {
  experimentId: number;
  runId: number;
  regime: Run['regime'];
  seed: number;
  /** The run's chain's learning rate in an experiment with several (spec.learningRates); else absent. */
  lr?: number;
  archSpecId: number;
  /** Final-epoch test accuracy (fraction). */
  acc: number;
  params: number | null;
  flops: number | null;
  /** Median ms of one forward pass at batch 1 / at the study's batch size on the study's backend; null where not measured. */
  latency1Ms: number | null;
  latencyBatchMs: number | null;
}

/** The points of one (experiment, regime): mean ± std over seeds (std null with one seed). */
export interface StudyGroup {
  experimentId: number;
  /** "l1_norm fine-tuned", "uniform Scratch-B", … as the legend and the CSV name it. */
  label: string;
  regime: Run['regime'];
  /** The runs of the group (one per seed). */
  runIds: number[];
  seeds: number;
  accMean: number;
  accStd: number | null;
  params: number | null;
  flops: number | null;
  latency1Ms: number | null;
  latencyBatchMs: number | null;
}

export interface StudyResult {
  experiments: Array<{ id: number; name: string; dataset: string; arch: string; method: string; status: string }>;
  points: StudyPoint[];
  groups: StudyGroup[];
  /** The measurements the latencies come from (the newest backend measured for these architectures), or null when none is stored. */
  latency: { backend: string; device: string; batchSize: number | null; measuredAt: string; measured: number; architectures: number } | null;
  /** The study's table as CSV (one line per group). */
  csv: string;
}

export interface LatencyReport {
  backend: string;
  device: string;
  architectures: number;
  batchSizes: number[];
  repeats: number;
}

/** How far a seed's planning is (PlanningProgress of the engine, with the seed). */
export interface PlanningProgressPayload {
  seed: number;
  done: number;
  total: number;
  /** What done/total count, e.g. "channels removed". */
  unit: string;
  /** One line on its state, e.g. "step 4200, loss 0.412". */
  info: string;
}

/** Events the workbench pushes to the UI while jobs run. */
export const EVENT_NAMES = ['job-progress', 'run-epoch', 'experiment-status'] as const;
export type EventName = (typeof EVENT_NAMES)[number];
export interface EventPayloads {
  /**
   * At most a few per second per job: where a running experiment is. While a seed's pruning plan is made by a
   * long loop (Fisher pruning), `planning` says how far it is and the run fields name the run it prunes.
   */
  'job-progress': {
    experimentId: number; runId: number | null; regime: string | null; seed: number | null; index: number; total: number; epoch: number | null; epochs: number | null; batch: number | null; batches: number | null; loss: number | null; imagesPerSec: number | null;
    planning: PlanningProgressPayload | null;
  };
  /** Every finished epoch of every run (the live charts' points). */
  'run-epoch': { experimentId: number; runId: number; metric: EpochMetric };
  'experiment-status': { experimentId: number; status: Experiment['status']; message: string | null };
}

/** The API implemented once in the main side and served by both transports. */
export type WorkbenchApi = { [N in CallName]: (args: CallArgs<N>) => Promise<CallResults[N]> };

/** A call's outcome as it travels: errors are data so their `code` survives the transport. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

export interface SerializedError {
  /** An ErrorCode, or 'INTERNAL' for a failure that is not a WorkbenchError (a bug). */
  code: ErrorCode | 'INTERNAL';
  name: string;
  message: string;
}

/** What the preload exposes as `window.workbench`. */
export interface WorkbenchBridge {
  invoke<N extends CallName>(name: N, ...args: ArgsTuple<N>): Promise<Reply<CallResults[N]>>;
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}

/** A call whose args accept `undefined` may be invoked without them. */
export type ArgsTuple<N extends CallName> =
  undefined extends CallArgs<N> ? [args?: CallArgs<N>] : [args: CallArgs<N>];

export function callChannel(name: CallName): string {
  return `workbench:call:${name}`;
}

export function eventChannel(name: EventName): string {
  return `workbench:event:${name}`;
}

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && (CALL_NAMES as readonly string[]).includes(name);
}

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (EVENT_NAMES as readonly string[]).includes(name);
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof WorkbenchError) return e.toJSON();
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', name: 'Error', message };
}

/** The value of a successful reply; a failed one is rethrown as a WorkbenchError with its code. */
export function unwrapReply<T>(reply: Reply<T>): T {
  if (reply.ok) return reply.value;
  const { code, name, message } = reply.error;
  const error = code === 'INTERNAL' ? new Error(message) : new WorkbenchError(code, message);
  error.name = name;
  throw error;
}

// Compile-time check that every call has a result type and no result type lacks a call.
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Assert<T extends true> = T;
export type CallsHaveResults = Assert<Exact<keyof CallResults, CallName>>;
