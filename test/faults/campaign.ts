// The fault-injection campaign: kill -9 a training run at chosen moments and resume it until it ends;
// damage its checkpoint in every way a disk or a user can; feed each command the bad inputs a hostile
// user would. After each fault, from outside: PRAGMA integrity_check is ok, no run is left "running",
// no epoch is lost or stored twice, and a killed-and-resumed run ends with exactly the metrics of one
// that was never interrupted. `npm test` runs a slice (test/faults/campaign.test.ts); `npm run faults`
// the whole campaign, with its counts.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { PWB_BIN, REPO_ROOT, explain, lines, sandbox, type PwbResult, type Sandbox } from '../cli/helpers.ts';
import { readCheckpoint, writeCheckpoint } from '../../src-main/engine/training/checkpoint.ts';
import { Rng } from '../../src-main/engine/random.ts';
import { assertSoundStore } from './store-checks.ts';

export const EPOCHS = 5;
const TRAIN = ['train', '--arch', 'vgg_mini', '--dataset', 'fashion-mnist-mini', '--epochs', String(EPOCHS), '--train-limit', '256', '--test-limit', '100', '--seed', '11', '--backend', 'wasm'];

/**
 * When the kill is sent: as a checkpoint's temp file appears (inside its write), as last.ckpt is renamed
 * into place, on the n-th write to the database's WAL (inside or just after a transaction), or after a
 * random delay.
 */
export type KillPoint = 'checkpoint-write' | 'checkpoint-rename' | 'database-write' | 'random-time';
export const KILL_POINTS: readonly KillPoint[] = ['checkpoint-write', 'checkpoint-rename', 'database-write', 'random-time'];

type Epoch = { epoch: number; trainLoss: number; trainAcc: number; testLoss: number; testAcc: number; lr: number };

export interface KillReport {
  kills: number;
  byPoint: Record<KillPoint, number>;
  /** Runs killed at least once that then completed with the uninterrupted run's metrics. */
  runsRecovered: number;
  resumes: number;
}

/** Spawns `pwb --db DB ...args`; `arm` may kill it (it gets the child and the database's folder). */
function pwbWith(box: Sandbox, args: string[], arm: (kill: () => void) => () => void): Promise<PwbResult & { killed: boolean }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PWB_BIN, '--db', box.db, ...args], {
      cwd: REPO_ROOT, env: { ...process.env, ...box.env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000,
    });
    let killed = false;
    const disarm = arm(() => {
      if (!killed && child.exitCode === null) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      disarm();
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started, killed });
    });
  });
}

/** Arms a kill at `point`, drawn with `rng` (which n-th event, how long a delay). */
function armKill(point: KillPoint, box: Sandbox, rng: Rng): (kill: () => void) => () => void {
  return (kill) => {
    if (point === 'random-time') {
      const timer = setTimeout(kill, 800 + Math.floor(rng.uniform() * 3000));
      return () => clearTimeout(timer);
    }
    const folder = path.dirname(box.db);
    const nth = point === 'database-write' ? 1 + Math.floor(rng.uniform() * 40) : 1 + Math.floor(rng.uniform() * 3);
    let seen = 0;
    const watcher = fs.watch(folder, { recursive: true }, (_event, name) => {
      const file = String(name ?? '');
      const hit = point === 'checkpoint-write' ? /(^|\/)\.last\.ckpt\.\d+\.tmp$/.test(file)
        : point === 'checkpoint-rename' ? /(^|\/)last\.ckpt$/.test(file)
          : file === `${path.basename(box.db)}-wal`;
      if (hit && ++seen >= nth) kill();
    });
    return () => watcher.close();
  };
}

/** The stored epochs of a run, read from outside. */
function storedEpochs(db: string, runId: number): Epoch[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare('SELECT epoch, train_loss AS trainLoss, train_acc AS trainAcc, test_loss AS testLoss, test_acc AS testAcc, lr FROM epoch_metrics WHERE run_id = ? ORDER BY epoch').all(runId) as Epoch[];
  } finally {
    conn.close();
  }
}

function runStatus(db: string, runId: number): string | undefined {
  return assertSoundStore(db).status.get(runId);
}

/** A listing (which reconciles killed runs as interrupted), then the store checks. */
async function checkAfterFault(box: Sandbox): Promise<void> {
  const list = await box.run(['list']);
  assert.equal(list.code, 0, explain(list));
  assertSoundStore(box.db);
}

/**
 * `kills` kill -9s spread over the kill points, on runs of EPOCHS epochs that are resumed after each
 * kill until they complete; each completed run must match the uninterrupted reference run.
 */
export async function killCampaign(dir: string, kills: number, seed = 1, log: (line: string) => void = () => {}): Promise<KillReport> {
  const rng = Rng.fromSeed(seed, 'kills');
  const refBox = sandbox(fs.mkdtempSync(path.join(dir, 'ref-')), 'ref.db');
  const ref = await refBox.run(TRAIN);
  assert.equal(ref.code, 0, explain(ref));
  const reference = storedEpochs(refBox.db, 1);
  assert.equal(reference.length, EPOCHS);

  const report: KillReport = { kills: 0, byPoint: { 'checkpoint-write': 0, 'checkpoint-rename': 0, 'database-write': 0, 'random-time': 0 }, runsRecovered: 0, resumes: 0 };
  let box = sandbox(fs.mkdtempSync(path.join(dir, 'kills-')), 'k.db');
  let runId = 0; // the run being killed and resumed (0: none yet)
  let killedThisRun = false;
  const finishRun = (): void => {
    const stored = storedEpochs(box.db, runId);
    assert.deepEqual(stored, reference, `run ${runId}: killed ${killedThisRun ? 'and resumed' : 'never'}, its epochs must equal the uninterrupted run's`);
    if (killedThisRun) report.runsRecovered++;
    runId = 0;
    killedThisRun = false;
    box = sandbox(fs.mkdtempSync(path.join(dir, 'kills-')), 'k.db');
  };
  while (report.kills < kills) {
    const point = KILL_POINTS[report.kills % KILL_POINTS.length]!;
    const args = runId === 0 ? TRAIN : ['resume', '--run', String(runId), '--backend', 'wasm'];
    if (runId !== 0) report.resumes++;
    const r = await pwbWith(box, args, armKill(point, box, rng));
    if (runId === 0) runId = 1;
    if (r.killed) {
      report.kills++;
      report.byPoint[point]++;
      killedThisRun = true;
      await checkAfterFault(box);
      const status = runStatus(box.db, runId);
      log(`kill ${report.kills} at ${point}: ${status === undefined ? 'no run stored yet' : `run ${runId} ${status}, ${storedEpochs(box.db, runId).length}/${EPOCHS} epochs stored`}`);
      if (status === 'completed') finishRun(); // the kill came after its last write
      else if (status === undefined) runId = 0; // killed before the run's row was committed: nothing stored, train again
    } else {
      assert.equal(r.code, 0, explain(r));
      finishRun();
    }
  }
  // The run being killed is resumed to its end.
  while (runId !== 0) {
    const r = await box.run(['resume', '--run', String(runId), '--backend', 'wasm']);
    report.resumes++;
    assert.equal(r.code, 0, explain(r));
    finishRun();
  }
  return report;
}

export type Damage = 'truncated' | 'flipped-bytes' | 'nan-weight' | 'another-runs-file' | 'empty' | 'not-a-checkpoint';
export const DAMAGES: readonly Damage[] = ['truncated', 'flipped-bytes', 'nan-weight', 'another-runs-file', 'empty', 'not-a-checkpoint'];

export interface DamageReport {
  damaged: number;
  byKind: Record<Damage, number>;
}

/**
 * Each kind of damage, `rounds` times (truncation and flipped bytes at random places): resume is refused
 * with one line (exit 2) and changes nothing; with the run's own file back, it resumes to the end.
 */
export async function damageCampaign(dir: string, rounds: number, seed = 2, log: (line: string) => void = () => {}): Promise<DamageReport> {
  const rng = Rng.fromSeed(seed, 'damage');
  const box = sandbox(fs.mkdtempSync(path.join(dir, 'damage-')), 'd.db');
  // Run 1 (one epoch, another seed) lends its checkpoint; run 2 is stopped after its first checkpoint.
  const lent = await box.run(TRAIN.map((a, i) => (TRAIN[i - 1] === '--seed' ? '21' : TRAIN[i - 1] === '--epochs' ? '1' : a)));
  assert.equal(lent.code, 0, explain(lent));
  const stopped = await pwbWith(box, TRAIN, (kill) => {
    const watcher = fs.watch(path.dirname(box.db), { recursive: true }, (_e, name) => {
      if (/(^|\/)2\/last\.ckpt$/.test(String(name ?? ''))) setTimeout(kill, 30);
    });
    return () => watcher.close();
  });
  assert.ok(stopped.killed, `run 2 was stopped after its first checkpoint\n${explain(stopped)}`);
  await checkAfterFault(box);
  const victim = 2;
  const file = path.join(`${box.db}.runs`, String(victim), 'last.ckpt');
  const lender = path.join(`${box.db}.runs`, '1', 'last.ckpt');
  const own = fs.readFileSync(file);
  const report: DamageReport = { damaged: 0, byKind: { truncated: 0, 'flipped-bytes': 0, 'nan-weight': 0, 'another-runs-file': 0, empty: 0, 'not-a-checkpoint': 0 } };
  const kinds = DAMAGES.flatMap((d) => (d === 'truncated' || d === 'flipped-bytes' ? Array.from({ length: rounds }, () => d) : [d]));
  for (const kind of kinds) {
    const before = storedEpochs(box.db, victim);
    const status = runStatus(box.db, victim);
    damage(kind, file, own, lender, rng);
    const damagedBytes = fs.readFileSync(file);
    const r = await box.run(['resume', '--run', String(victim), '--backend', 'wasm']);
    assert.equal(r.code, 2, `${kind}: refused as bad input\n${explain(r)}`);
    // The run's header lines come first; then the one error line.
    const err = lines(r.stderr).filter((l) => l.startsWith('pwb:'));
    assert.equal(err.length, 1, `${kind}: one line\n${explain(r)}`);
    assert.equal(lines(r.stderr).at(-1), err[0], `${kind}: the error ends the output`);
    assert.match(err[0]!, /^pwb: error: .*last\.ckpt.*(cannot be used: resume from another copy or retrain the run|nothing was changed)/, `${kind}: names the checkpoint and what to do`);
    assert.deepEqual(storedEpochs(box.db, victim), before, `${kind}: epochs unchanged`);
    assert.equal(runStatus(box.db, victim), status, `${kind}: status unchanged`);
    assert.ok(fs.readFileSync(file).equals(damagedBytes), `${kind}: the file is left for the user to look at`);
    report.damaged++;
    report.byKind[kind]++;
    log(`${kind}: ${err[0]}`);
    fs.writeFileSync(file, own);
  }
  const done = await box.run(['resume', '--run', String(victim), '--backend', 'wasm']);
  assert.equal(done.code, 0, explain(done));
  assert.deepEqual(storedEpochs(box.db, victim).map((e) => e.epoch), Array.from({ length: EPOCHS }, (_, i) => i + 1));
  assertSoundStore(box.db);
  return report;
}

function damage(kind: Damage, file: string, own: Buffer, lender: string, rng: Rng): void {
  const at = (n: number): number => Math.floor(rng.uniform() * n);
  switch (kind) {
    case 'truncated':
      fs.writeFileSync(file, own.subarray(0, at(own.length)));
      return;
    case 'flipped-bytes': {
      const bytes = Buffer.from(own);
      const n = 1 + at(400);
      for (let i = 0; i < n; i++) bytes[at(bytes.length)]! ^= 1 + at(255);
      fs.writeFileSync(file, bytes);
      return;
    }
    case 'nan-weight': {
      fs.writeFileSync(file, own);
      const ckpt = readCheckpoint(file);
      const tensors = [...ckpt.weights.values()];
      const t = tensors[at(tensors.length)]!;
      t[at(t.length)] = rng.uniform() < 0.5 ? Number.NaN : Number.POSITIVE_INFINITY;
      writeCheckpoint(file, ckpt); // a valid digest over the bad value
      return;
    }
    case 'another-runs-file':
      fs.copyFileSync(lender, file);
      return;
    case 'empty':
      fs.writeFileSync(file, '');
      return;
    case 'not-a-checkpoint':
      fs.writeFileSync(file, '{"weights": []}\n');
  }
}
