// Runs an experiment in the foreground: an overall bar (runs) and a per-run bar (batches) on a
// terminal, one line per run and per epoch otherwise; Ctrl-C cancels after the current batch, and
// `pwb resume <id>` continues.
import cliProgress from 'cli-progress';
import { runsInAll } from '../../src-shared/experiment-spec.ts';
import { experimentResults, type ExperimentResults } from '../queries/experiment-results.ts';
import type { PreparedExperiment } from '../jobs/experiment-prepare.ts';
import { runExperiment, type Execution, type ExperimentStep } from '../jobs/experiment-runner.ts';
import { parallelRunsNote } from '../jobs/parallel-runs.ts';
import { threadsNote } from '../jobs/train-run.ts';
import type { Db } from '../store/db.ts';
import { cancelOnSigint } from './cancel-on-sigint.ts';
import { fixed, percent } from './format.ts';

export async function runExperimentWithProgress(
  db: Db, dbPath: string, experimentId: number, prepared: PreparedExperiment, exec: Execution, opts: { progress: boolean },
): Promise<ExperimentResults> {
  const cancel = cancelOnSigint();
  const log = (line: string): void => {
    if (opts.progress) process.stderr.write(`${line}\n`);
  };
  const tty = opts.progress && process.stderr.isTTY;
  const bars = tty ? new cliProgress.MultiBar({ stream: process.stderr, hideCursor: true, clearOnComplete: false, format: '{label} |{bar}| {value}/{total} {unit} {info}' }, cliProgress.Presets.shades_classic) : null;
  const total = runsInAll(prepared.spec);
  const overall = bars?.create(total, 0, { label: 'experiment', unit: 'runs', info: '' });
  let runBar: cliProgress.SingleBar | undefined;
  // With --parallel-runs several runs train at once: a bar each, and epoch lines that say whose they are.
  const parallel = (exec.parallelRuns ?? 1) > 1;
  const runBars = new Map<number, cliProgress.SingleBar>();
  const dropBar = (runId: number): void => {
    const bar = runBars.get(runId);
    if (!bar) return;
    bar.stop();
    bars?.remove(bar);
    runBars.delete(runId);
  };
  let done = 0;
  const out = (line: string): void => (bars ? bars.log(`${line}\n`) : log(line));
  log(`experiment ${experimentId}: ${prepared.spec.name}; ${total} runs; backend ${exec.backend.name} (${exec.backend.reason}), ${threadsNote(exec.backend, exec.threads)}${parallelRunsNote(exec.parallelRuns)}`);
  try {
    await runExperiment(db, dbPath, experimentId, prepared, exec, {
      signal: cancel.signal,
      onRunSkipped: (step, run) => {
        done++;
        overall?.update(done);
        out(`[${step.index}/${step.total}] ${stepLabel(step)}: already done (run ${run.id}, test acc ${percent(run.testAcc)})`);
      },
      onRunStart: (step, run) => {
        out(`[${step.index}/${step.total}] ${stepLabel(step)}: run ${run.id}, ${run.archId ?? ''}, ${run.epochsPlanned} epochs`);
        if (!parallel) for (const id of [...runBars.keys()]) dropBar(id);
        runBar = bars?.create(1, 0, { label: `${step.regime}${step.round ? ` ${step.round}` : ''}${step.lr === undefined ? '' : ` lr ${step.lr}`} s${step.seed}`, unit: 'batches', info: '' });
        if (runBar) runBars.set(run.id, runBar);
      },
      onRunDone: (step, run) => {
        if (parallel) dropBar(run.id);
        done++;
        overall?.update(done);
        out(`[${step.index}/${step.total}] ${stepLabel(step)}: ${run.status}, test acc ${percent(run.testAcc)}`);
      },
      onPruned: (seed, plan, lr) => out(`seed ${seed}${lr === null ? '' : ` lr ${lr}`}: pruned ${plan.base.id ?? plan.base.family} → ${plan.pruned.id ?? 'pruned'} (${plan.method})`),
      onPlanning: (seed, p) => {
        // A long planning (Fisher pruning fine-tunes while it prunes): the run bar, or a line every tenth of the way.
        if (runBar) {
          runBar.setTotal(p.total);
          runBar.update(p.done, { label: `prune s${seed}`, unit: p.unit, info: p.info });
        } else if (p.done === p.total || p.done % Math.max(1, Math.ceil(p.total / 10)) === 0) {
          out(`seed ${seed}: planning, ${p.done}/${p.total} ${p.unit} (${p.info})`);
        }
      },
      onBatch: (p, at) => {
        const bar = at ? runBars.get(at.run.id) : runBar;
        bar?.setTotal(p.batches);
        bar?.update(p.batch, { info: `epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(3)} ${p.imagesPerSec.toFixed(0)} img/s` });
      },
      onEpoch: (m, _info, at) => {
        const whose = parallel && at ? `${stepLabel(at.step)}: ` : '';
        if (!bars) log(`  ${whose}epoch ${m.epoch}  lr ${m.lr.toPrecision(3)}  train loss ${fixed(m.trainLoss)}  test acc ${percent(m.testAcc)}  ${m.imagesPerSec.toFixed(0)} img/s`);
        const bar = at ? runBars.get(at.run.id) : runBar;
        if (m.epoch && bar) bar.update({ info: `epoch ${m.epoch}: test acc ${percent(m.testAcc)}` });
      },
    });
  } finally {
    bars?.stop();
    cancel.release();
  }
  return experimentResults(db, experimentId);
}

/** "scratch-e seed 2", "round 1 lr 0.1 seed 2": a step as the progress lines name it. */
function stepLabel(step: ExperimentStep): string {
  return `${step.regime}${step.round ? ` ${step.round}` : ''}${step.lr === undefined ? '' : ` lr ${step.lr}`} seed ${step.seed}`;
}
