// The `pwb` command-line tool. Each command lives in commands/<name>.ts and registers itself here.
// Errors end the process with one line on stderr and a non-zero status, never a stack trace
// (PWB_DEBUG=1 prints the stack of unexpected errors).
import { Command } from 'commander';
import { isWorkbenchError } from '../../src-shared/errors.ts';
import { storageFailure } from '../store/storage-failure.ts';
import { checkDuplicateOptions } from './args.ts';
import { registerArch } from './commands/arch.ts';
import { registerBench } from './commands/bench.ts';
import { registerDatasets } from './commands/datasets.ts';
import { registerDoctor } from './commands/doctor.ts';
import { registerDownload } from './commands/download.ts';
import { registerList } from './commands/list.ts';
import { registerResume } from './commands/resume.ts';
import { registerShow } from './commands/show.ts';
import { registerTrain } from './commands/train.ts';
import { registerRun } from './commands/run.ts';
import { registerExport } from './commands/export.ts';
import { registerPresets } from './commands/presets.ts';
import { registerPrune } from './commands/prune.ts';
import { registerExperiments } from './commands/experiments.ts';
import { registerServe } from './commands/serve.ts';
import { registerWorker } from './commands/worker.ts';
import { registerWorkers } from './commands/workers.ts';
import { registerTable } from './commands/table.ts';
import { registerPattern } from './commands/pattern.ts';
import { registerStudy } from './commands/study.ts';
import { registerImportModel } from './commands/import-model.ts';

export function buildProgram(): Command {
  const program = new Command('pwb')
    .description('Pruning Workbench: train, prune, and compare fine-tuning with training from scratch.')
    .option('--db <file>', 'SQLite database (default: the user data folder, or $PWB_DB)')
    .showSuggestionAfterError()
    // Commander's own errors can span lines ("unknown option '--x'\n(Did you mean --y?)"): keep one.
    .configureOutput({ outputError: (message, write) => write(`pwb: ${message.trim().replace(/\s*\n\s*/g, ' ')}\n`) })
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
  for (const register of [registerRun, registerResume, registerExperiments, registerTable, registerStudy, registerPattern, registerExport, registerPresets, registerPrune, registerImportModel, registerArch, registerTrain, registerList, registerShow, registerDatasets, registerDownload, registerServe, registerWorker, registerWorkers, registerBench, registerDoctor]) {
    register(program);
  }
  return program;
}

/** Exit status: 2 for bad input (validation, not found, bad data, a backend that cannot run here), 130 cancelled, 1 otherwise. */
export function reportError(error: unknown): number {
  // A disk failure outside a database call (a file the command writes) still names its path.
  const path = (error as NodeJS.ErrnoException | null)?.path;
  const e = (typeof path === 'string' ? storageFailure(error, path) : null) ?? error;
  if (isWorkbenchError(e)) {
    process.stderr.write(`pwb: error: ${e.message}\n`);
    return e.code === 'CANCELLED' ? 130 : ['VALIDATION', 'NOT_FOUND', 'DATA', 'BACKEND'].includes(e.code) ? 2 : 1;
  }
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`pwb: internal error: ${message.split('\n')[0]}${process.env.PWB_DEBUG ? `\n${(e as Error).stack}` : ' (PWB_DEBUG=1 shows the stack)'}\n`);
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  try {
    checkDuplicateOptions(argv);
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
