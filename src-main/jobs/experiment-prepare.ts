// Turns an ExperimentSpec into everything its runs need — and fails before any training, naming the
// field, when something is wrong: unknown method or params, a target of the wrong length, a dataset
// that does not open, a dataset whose classes do not fit the architecture.
import { existsSync } from 'node:fs';
import type { ArchSpec } from '../../src-shared/arch-spec.ts';
import { ValidationError } from '../../src-shared/errors.ts';
import { ExperimentSpecSchema, referenceFinetune, type ExperimentSpec, type PrunedRegime } from '../../src-shared/experiment-spec.ts';
import { defaultTrainConfig, TrainConfigSchema, type TrainConfig, type TrainConfigOverrides } from '../../src-shared/train-config.ts';
import { parseOrThrow } from '../../src-shared/validate.ts';
import { analyseCost } from '../engine/analysis/cost.ts';
import type { Dataset } from '../engine/datasets/dataset.ts';
import { heldOutSplit } from '../engine/datasets/held-out.ts';
import { openDataset } from '../engine/datasets/registry.ts';
import { collectParams } from '../engine/models/build.ts';
import { resolveArch, withData } from '../engine/models/register-all.ts';
import { readCheckpoint, requireFinite } from '../engine/training/checkpoint.ts';
import { checkSupports, parseParams, trainsItsOwnBaseline, type PruningMethod } from '../engine/pruning/method.ts';
import { getMethod } from '../engine/pruning/methods/register-all.ts';
import { reducibleUnits } from '../engine/pruning/reduced.ts';

export interface PreparedExperiment {
  spec: ExperimentSpec;
  dataset: Dataset;
  /** The large model's architecture, with the dataset's input shape and classes, as the method trains it. */
  base: ArchSpec;
  /** The spec's own network (= base, unless the method trains another version of it: SSS's scaled blocks). */
  plain: ArchSpec;
  method: PruningMethod;
  /** The method's params, parsed (defaults filled in). */
  params: Record<string, unknown>;
  /** The pruned architecture when the method fixes it in advance (predefined targets); else null. */
  predefinedTarget: ArchSpec | null;
  /**
   * Training settings per regime for a seed (Scratch-B's epochs are set once the pruned FLOPs are known); `lr`,
   * the chain's rate (spec.learningRates), replaces the baseline's for every regime but fine-tuning.
   */
  configFor(regime: 'baseline' | PrunedRegime, seed: number, lr?: number | null): TrainConfig;
  /** The weights the baseline starts from (spec.baselineWeights, checked against `base`), or null: a fresh initialisation. */
  baselineStart: Map<string, Float32Array> | null;
}

export async function prepareExperiment(raw: unknown, where = 'experiment'): Promise<PreparedExperiment> {
  const spec = parseOrThrow(ExperimentSpecSchema, raw, where);
  const method = getMethod(spec.method.id);
  const parsed = parseParams<Record<string, unknown>>(method, spec.method.params);
  const params = spec.scale < 1 && method.scaleParams ? method.scaleParams(parsed, spec.scale) : parsed;
  const archSpec = resolveArch(spec.arch);
  const dataset = await openDataset(spec.dataset);
  const plain = withData(archSpec, dataset.inputShape, dataset.classNames.length);
  if (typeof spec.arch !== 'string' && spec.arch.classes !== dataset.classNames.length) {
    throw new ValidationError(
      `${where}: field 'arch.classes' is ${spec.arch.classes} but dataset '${spec.dataset}' has ${dataset.classNames.length} classes`,
    );
  }
  analyseCost(plain);
  checkSupports(method, plain);
  // The network the large model trains as: the spec's own, or the method's version of it (SSS scales its blocks).
  const base = method.training?.trainingSpec?.(plain, params) ?? plain;
  const predefinedTarget = method.targetSpec ? method.targetSpec(base, params) : null;
  if (predefinedTarget) analyseCost(predefinedTarget);

  if (spec.regimes.includes('reduced') && reducibleUnits(base).length === 0) {
    throw new ValidationError(`${where}: field 'regimes': 'reduced' narrows conv widths or channel selections uniformly, and this ${base.family} spec has none a uniform ratio applies to`);
  }
  if (spec.pruningRounds > 1 && !method.roundParams) {
    throw new ValidationError(`${where}: field 'pruningRounds': method '${spec.method.id}' prunes in one shot only (iterative rounds: magnitude, l1_norm); set it to 1 or leave it out`);
  }
  // The method refuses params it cannot split into rounds (L1's named targets) here, not after the baseline.
  if (spec.pruningRounds > 1) method.roundParams!(params, 1, spec.pruningRounds);
  if (spec.pruningRounds > 1 && spec.baselineWeights) {
    throw new ValidationError(`${where}: field 'pruningRounds': the rounds rewind to the baseline's initial values, and a baseline started from baselineWeights has none of its own; leave one of the two out`);
  }
  if (spec.plainBaseline && !method.training?.regularizer?.(params) && !method.training?.proximal?.(params)) {
    throw new ValidationError(
      `${where}: field 'plainBaseline': method '${spec.method.id}' trains its baseline without a regulariser already, so the baseline is the plain network; leave the field out`,
    );
  }
  if (spec.learningRates && spec.baselineTrained) {
    throw new ValidationError(`${where}: field 'learningRates': a baseline used as trained (baselineTrained) was trained at one rate, and each rate's chain needs its own baseline; leave one of the two out`);
  }
  if (spec.baselineTrained && !spec.baselineWeights) {
    throw new ValidationError(`${where}: field 'baselineTrained': a baseline used as trained needs its weights; set baselineWeights (e.g. the weights.ckpt of pwb import-model) or leave the field out`);
  }
  if (spec.baselineTrained && trainsItsOwnBaseline(method, params)) {
    throw new ValidationError(
      `${where}: field 'baselineTrained': method '${spec.method.id}' prunes a baseline trained its own way (a sparsity regulariser, a step after every epoch, or its own architecture), which weights used as trained have not had; leave the field out to train the baseline from them with it`,
    );
  }
  const baselineStart = spec.baselineWeights ? withInitialScales(base, startingWeights(spec.baselineWeights, plain, spec.dataset, where)) : null;
  const baselineConfig = mergeConfig(spec.baseline, `${where}: baseline`);
  const finetuneConfig = mergeConfig({ ...referenceFinetune, ...spec.finetune }, `${where}: finetune`);
  const trainSize = spec.valSplit ? heldOutSplit(dataset.train.labels, spec.valSplit).train.length : dataset.train.size;
  const scaled = (config: TrainConfig, seed: number): TrainConfig =>
    scaleConfig({ ...config, seed, valSplit: spec.valSplit ?? config.valSplit }, spec.scale, trainSize);

  return {
    spec, dataset, base, plain, method, params, predefinedTarget, baselineStart,
    configFor(regime, seed, lr = null) {
      if (regime === 'finetune') return scaled(finetuneConfig, seed);
      return scaled(lr === null ? baselineConfig : { ...baselineConfig, lr }, seed);
    },
  };
}

/** A checkpoint's weights, finite, holding exactly `base`'s parameters with their shapes; else one line naming the first that differs. */
function startingWeights(path: string, base: ArchSpec, dataset: string, where: string): Map<string, Float32Array> {
  const field = `${where}: field 'baselineWeights'`;
  if (!existsSync(path)) throw new ValidationError(`${field}: no file ${path}; pass a checkpoint (pwb import-model writes DIR/weights.ckpt)`);
  const ckpt = readCheckpoint(path);
  requireFinite(path, ckpt);
  const params = collectParams(base);
  for (const p of params) {
    const v = ckpt.weights.get(p.name);
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (!v) throw new ValidationError(`${field}: ${path} has no parameter '${p.name}' of this architecture`);
    if (v.length !== size) {
      throw new ValidationError(`${field}: ${path} has ${v.length} values for '${p.name}', the architecture on dataset '${dataset}' needs ${size} ([${p.shape}]): a checkpoint of another architecture, or of this one for other input channels or classes`);
    }
  }
  const known = new Set(params.map((p) => p.name));
  const extra = [...ckpt.weights.keys()].find((k) => !known.has(k));
  if (extra) throw new ValidationError(`${field}: ${path} has a parameter '${extra}' this architecture does not`);
  return ckpt.weights;
}

/** `weights` of the plain network, with the scales the method's version of it adds at their initial 1. */
function withInitialScales(base: ArchSpec, weights: Map<string, Float32Array>): Map<string, Float32Array> {
  for (const p of collectParams(base)) if (p.role === 'scale' && !weights.has(p.name)) weights.set(p.name, new Float32Array(1).fill(1));
  return weights;
}

function mergeConfig(overrides: TrainConfigOverrides, where: string): TrainConfig {
  return parseOrThrow(TrainConfigSchema, { ...defaultTrainConfig, ...overrides }, where);
}

/** `scale` shrinks the epochs and the training data alike (at least 1 epoch and 1 batch). */
export function scaleConfig(config: TrainConfig, scale: number, trainSize: number): TrainConfig {
  if (scale >= 1) return config;
  const available = Math.min(trainSize, config.trainLimit ?? trainSize);
  return {
    ...config,
    epochs: Math.max(1, Math.round(config.epochs * scale)),
    trainLimit: Math.max(Math.min(config.batchSize, available), Math.round(available * scale)),
  };
}

/** The smallest training batch of the experiment's regimes: what the default data-parallel split may use. */
export function smallestBatch(prepared: PreparedExperiment): number {
  const seed = prepared.spec.seeds[0]!;
  return Math.min(...(['baseline', ...prepared.spec.regimes] as const).map((r) => prepared.configFor(r, seed).batchSize));
}
