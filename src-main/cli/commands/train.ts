// `pwb train --arch <id> --dataset <id|path> [...]`: trains one run with a progress bar, stores it,
// prints the final metrics. Everything is validated before the run row is created.
import type { Command } from 'commander';
import { ValidationError } from '../../../src-shared/errors.ts';
import { TrainConfigOverridesSchema, type TrainConfigOverrides } from '../../../src-shared/train-config.ts';
import { parseOrThrow } from '../../../src-shared/validate.ts';
import { parseBackendChoice, type BackendChoice } from '../../engine/backend/backend-choice.ts';
import { parseInteger, parseNumber, parseNumberList, parsePositiveInt, readJsonFile, readSpecArgument } from '../args.ts';
import { withDatabaseAsync } from '../db.ts';

interface TrainOpts {
  arch: string;
  dataset: string;
  config?: string;
  epochs?: number;
  batchSize?: number;
  testBatchSize?: number;
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
  schedule?: string;
  milestones?: number[];
  gamma?: number;
  seed?: number;
  augment?: boolean;
  trainLimit?: number;
  testLimit?: number;
  valSplit?: number;
  backend: BackendChoice;
  threads?: number;
  json?: boolean;
  progress: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train one network and store the run (metrics per epoch, checkpoints)')
    .requiredOption('--arch <arch>', 'architecture id (see `pwb arch`) or an ArchSpec JSON file')
    .requiredOption('--dataset <dataset>', 'dataset id (see `pwb datasets`) or a folder')
    .option('--config <file>', 'JSON file of training settings (keys as the options below, camelCase)')
    .option('--epochs <n>', 'epochs', parseInteger('--epochs'))
    .option('--batch-size <n>', 'training batch size', parseInteger('--batch-size'))
    .option('--test-batch-size <n>', 'evaluation batch size', parseInteger('--test-batch-size'))
    .option('--lr <x>', 'initial learning rate', parseNumber('--lr'))
    .option('--momentum <x>', 'SGD momentum', parseNumber('--momentum'))
    .option('--nesterov', 'Nesterov momentum')
    .option('--weight-decay <x>', 'L2 weight decay', parseNumber('--weight-decay'))
    .option('--schedule <kind>', 'step | constant')
    .option('--milestones <list>', 'lr drop points as fractions of the epochs, e.g. 0.5,0.75', parseNumberList('--milestones'))
    .option('--gamma <x>', 'lr factor at each milestone', parseNumber('--gamma'))
    .option('--seed <n>', 'random seed (init, data order, augmentation)', parseInteger('--seed'))
    .option('--augment', 'pad-4 random crop + horizontal flip (default: per dataset)')
    .option('--no-augment', 'no augmentation')
    .option('--train-limit <n>', 'train on a fixed subset of n examples', parsePositiveInt('--train-limit'))
    .option('--test-limit <n>', 'evaluate on the first n test examples', parsePositiveInt('--test-limit'))
    .option('--val-split <f>', 'hold out this fraction of the training images (stratified, fixed) and choose the best epoch on them, not on the test set', parseNumber('--val-split'))
    .option('--backend <name>', 'auto | webgpu | tensorflow | wasm | cpu', parseBackendChoice, 'auto')
    .option('--threads <n>', 'threads: TensorFlow intra-op threads, or data-parallel workers on wasm/cpu (default: every core, but no shard under 32 images)', parsePositiveInt('--threads'))
    .option('--json', 'print one JSON object (the stored run) on stdout')
    .option('--no-progress', 'no progress output on stderr')
    .action(async (opts: TrainOpts, cmd: Command) => {
      const fromFile = opts.config ? readConfigFile(opts.config) : {};
      const fromFlags: TrainConfigOverrides = {};
      const flagKeys = ['epochs', 'batchSize', 'testBatchSize', 'lr', 'momentum', 'nesterov', 'weightDecay', 'schedule', 'milestones', 'gamma', 'seed', 'augment', 'trainLimit', 'testLimit', 'valSplit'] as const;
      for (const key of flagKeys) if (opts[key] !== undefined) (fromFlags as Record<string, unknown>)[key] = opts[key];
      const request = { arch: readSpecArgument(opts.arch), dataset: opts.dataset, config: { ...fromFile, ...fromFlags }, backend: opts.backend, threads: opts.threads };
      // The training stack (TensorFlow.js) loads only when a command trains.
      const { createTrainRun, prepareTrainRun } = await import('../../jobs/train-run.ts');
      const { runWithProgress } = await import('../run-with-progress.ts');
      const prepared = await prepareTrainRun(request);
      await withDatabaseAsync(cmd, async (db, dbPath) => {
        const run = createTrainRun(db, dbPath, request, prepared);
        await runWithProgress(db, run.id, prepared, { json: opts.json ?? false, progress: opts.progress });
      });
    });
}

/** A --config file: unknown keys are named with the valid ones (zod alone would say "field '(root)'"). */
function readConfigFile(path: string): TrainConfigOverrides {
  const raw = readJsonFile(path);
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const valid = Object.keys(TrainConfigOverridesSchema.shape);
    const unknown = Object.keys(raw).filter((k) => !valid.includes(k));
    if (unknown.length > 0) {
      throw new ValidationError(`${path}: unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}; valid keys: ${valid.join(', ')}`);
    }
  }
  return parseOrThrow(TrainConfigOverridesSchema, raw, path);
}
