// `pwb study <experiment-ids...>`: accuracy against parameters, FLOPs and measured latency for every
// completed run of the experiments, per (experiment, regime) mean over seeds (queries/study.ts);
// `--latency` first times every architecture they trained on the chosen backend and stores it.
import type { Command } from 'commander';
import { NotFoundError, ValidationError } from '../../../src-shared/errors.ts';
import type { StudyResult } from '../../../src-shared/workbench-api.ts';
import { parseBackendChoice, type BackendChoice } from '../../engine/backend/backend-choice.ts';
import { parsePositiveInt } from '../args.ts';
import { withDatabaseAsync } from '../db.ts';
import { percent, printJson, si, table } from '../format.ts';

interface StudyOpts {
  latency?: boolean;
  batchSize: number;
  repeats: number;
  backend: BackendChoice;
  threads?: number;
  csv?: boolean;
  json?: boolean;
}

export function registerStudy(program: Command): void {
  program
    .command('study')
    .description('accuracy against params, FLOPs and measured latency over experiments: one line per experiment and regime (mean over seeds)')
    .argument('<experiment-ids...>', 'the experiments of the study')
    .option('--latency', 'first measure every trained architecture\'s inference latency (batch 1 and --batch-size) and store it')
    .option('--batch-size <n>', 'second batch size for --latency', parsePositiveInt('--batch-size'), 64)
    .option('--repeats <n>', 'timed forward passes per batch size for --latency', parsePositiveInt('--repeats'), 20)
    .option('--backend <name>', 'backend for --latency: auto | webgpu | tensorflow | wasm | cpu', parseBackendChoice, 'auto')
    .option('--threads <n>', 'native TensorFlow threads for --latency', parsePositiveInt('--threads'))
    .option('--csv', 'print the table as CSV')
    .option('--json', 'print the study as JSON')
    .action(async (raw: string[], opts: StudyOpts, cmd: Command) => {
      if (opts.csv && opts.json) throw new ValidationError('choose one output format, not --csv and --json');
      const ids = raw.map((v) => parsePositiveInt('<experiment-ids...>')(v));
      const result = await withDatabaseAsync(cmd, async (db) => {
        if (opts.latency) {
          const { measureStudyLatency } = await import('../../jobs/latency-measure.ts');
          const jobArgs = ['--backend', opts.backend, ...(opts.threads ? ['--threads', String(opts.threads)] : [])];
          const report = await measureStudyLatency(db, ids, { batchSize: opts.batchSize, repeats: opts.repeats, jobArgs });
          if (!opts.json && !opts.csv) console.error(`latency: ${report.architectures} architectures on ${report.backend} (${report.device}), batch ${report.batchSizes.join(' and ')}, median of ${report.repeats}`);
        }
        const { study } = await import('../../queries/study.ts');
        return study(db, ids);
      }, { ifMissing: (path) => new NotFoundError(`experiment ${ids[0]} not found (no database at ${path} yet)`) });
      if (opts.json) return printJson(result);
      if (opts.csv) return void process.stdout.write(result.csv);
      process.stdout.write(`${formatStudy(result)}\n`);
    });
}

export function formatStudy(s: StudyResult): string {
  const b = s.latency?.batchSize ?? null;
  const ms = (x: number | null): string => (x === null ? '–' : x.toFixed(2));
  const lines = [
    table(
      ['experiment / regime', 'seeds', 'test acc', 'params', 'FLOPs', 'latency b1 ms', `latency b${b ?? 'N'} ms`],
      s.groups.map((g) => [
        g.label, g.seeds, `${percent(g.accMean)}${g.accStd === null ? '' : ` ± ${(g.accStd * 100).toFixed(2)}`}`,
        g.params === null ? '–' : si(g.params), g.flops === null ? '–' : si(g.flops), ms(g.latency1Ms), ms(g.latencyBatchMs),
      ]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    s.latency
      ? `latency: ${s.latency.backend} (${s.latency.device}), measured ${s.latency.measuredAt} for ${s.latency.measured} of ${s.latency.architectures} architectures`
      : 'latency: not measured yet (pwb study --latency IDS)',
  ];
  if (s.groups.length === 0) lines.unshift('no completed runs yet');
  return lines.join('\n');
}
