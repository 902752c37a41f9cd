// Resume trusts only the run's own, intact, latest checkpoint. Each case stages a bad last.ckpt in a
// stopped run's folder, resumes, and checks the one-line refusal and that nothing stored changed
// (status, epoch rows, the file itself):
//   - another run's checkpoint of the same architecture (it used to replace the run's epoch history);
//   - flipped bytes (caught by the file's SHA-256) and a well-formed file with a NaN weight;
//   - an older last.ckpt than the epochs already recorded (resuming used to drop the later epochs).
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DataError, ValidationError } from '../../src-shared/errors.ts';
import { readCheckpoint, writeCheckpoint } from '../../src-main/engine/training/checkpoint.ts';
import { LAST_CHECKPOINT } from '../../src-main/engine/training/train.ts';
import { createTrainRun, executeRun, prepareResume, prepareTrainRun } from '../../src-main/jobs/train-run.ts';
import { openDatabase, type Db } from '../../src-main/store/db.ts';
import { listEpochMetrics } from '../../src-main/store/metrics.ts';
import { getRun } from '../../src-main/store/runs.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-resume-guards-'));
const dbPath = join(dir, 'runs.sqlite');
let db: Db;
after(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A vgg_mini run on a slice of fashion-mnist-mini, stopped (cancelled) after `stopAfter` of 3 epochs. */
async function stoppedRun(seed: number, stopAfter: number): Promise<number> {
  const request = { arch: 'vgg_mini', dataset: 'fashion-mnist-mini', backend: 'wasm' as const, threads: 1, config: { epochs: 3, seed, trainLimit: 128, testLimit: 64 } };
  const prepared = await prepareTrainRun(request);
  const run = createTrainRun(db, dbPath, request, prepared);
  const stop = new AbortController();
  let epochs = 0;
  await assert.rejects(executeRun(db, run.id, prepared, { signal: stop.signal, onEpoch: () => void (++epochs === stopAfter && stop.abort()) }));
  assert.equal(getRun(db, run.id).status, 'cancelled');
  return run.id;
}

/** Resumes `runId`; returns the error, after checking that the run, its epochs and its last.ckpt are as before. */
async function refusedResume(runId: number): Promise<Error> {
  const run = getRun(db, runId);
  const epochs = listEpochMetrics(db, runId);
  const file = join(run.checkpointDir!, LAST_CHECKPOINT);
  const bytes = readFileSync(file);
  const prepared = await prepareResume(db, runId, 'wasm', 1);
  let error: Error | null = null;
  await executeRun(db, runId, prepared).catch((e: Error) => (error = e));
  assert.ok(error, 'resume was refused');
  assert.ok(!(error as Error).message.includes('\n'), 'one line');
  assert.deepEqual(getRun(db, runId), run, 'the run row is unchanged');
  assert.deepEqual(listEpochMetrics(db, runId), epochs, 'the epoch rows are unchanged');
  assert.ok(readFileSync(file).equals(bytes), 'the checkpoint file is unchanged');
  return error!;
}

let a: number;
let b: number;
before(async () => {
  db = openDatabase(dbPath);
  a = await stoppedRun(1, 1);
  b = await stoppedRun(2, 2);
});

test("another run's checkpoint (same architecture) in a run's folder is refused, naming the run it belongs to", async () => {
  const ownFile = join(getRun(db, a).checkpointDir!, LAST_CHECKPOINT);
  const own = readFileSync(ownFile);
  copyFileSync(join(getRun(db, b).checkpointDir!, LAST_CHECKPOINT), ownFile);
  const e = await refusedResume(a);
  assert.ok(e instanceof ValidationError);
  assert.match(e.message, new RegExp(`^run ${a}: checkpoint .*last\\.ckpt belongs to another run \\(run ${b}, created .*\\); nothing was changed`));
  writeFileSync(ownFile, own);
});

test('a checkpoint with flipped bytes is refused as damaged; one with a NaN weight (valid digest) as holding a non-finite value', async () => {
  const file = join(getRun(db, a).checkpointDir!, LAST_CHECKPOINT);
  const own = readFileSync(file);
  const flipped = Buffer.from(own);
  for (let i = 0; i < 400; i++) flipped[flipped.length - 100 - i * 7]! ^= 0xff;
  writeFileSync(file, flipped);
  const damaged = await refusedResume(a);
  assert.ok(damaged instanceof DataError);
  assert.match(damaged.message, /last\.ckpt: checkpoint is damaged \(its SHA-256 does not match its contents\)/);

  const ckpt = readCheckpoint(join(getRun(db, b).checkpointDir!, LAST_CHECKPOINT));
  writeFileSync(file, own);
  const good = readCheckpoint(file);
  const [name, values] = [...good.weights][0]!;
  values[3] = Number.NaN;
  writeCheckpoint(file, good);
  const nan = await refusedResume(a);
  assert.ok(nan instanceof DataError);
  assert.match(nan.message, new RegExp(`checkpoint holds a non-finite value \\(NaN\\) in weight '${name.replace('.', '\\.')}' \\[3\\]`));
  assert.ok(ckpt.weights.size > 0);
  writeFileSync(file, own);
});

test('an older last.ckpt than the epochs the database holds is refused: resuming from it would drop epochs', async () => {
  const file = join(getRun(db, b).checkpointDir!, LAST_CHECKPOINT);
  const own = readFileSync(file);
  const older = readCheckpoint(file);
  assert.equal(older.epochsDone, 2);
  writeCheckpoint(file, { ...older, epochsDone: 1, rng: { ...older.rng, nextEpoch: 1 }, history: older.history.slice(0, 1) });
  const e = await refusedResume(b);
  assert.ok(e instanceof ValidationError);
  assert.match(e.message, /holds 1 finished epoch but the database already has 2: it is older than the run .* would drop epochs 2–2/);
  writeFileSync(file, own);
});

test('the run’s own intact checkpoint still resumes and finishes the run', async () => {
  const done = await executeRun(db, a, await prepareResume(db, a, 'wasm', 1));
  assert.equal(done.status, 'completed');
  assert.deepEqual(listEpochMetrics(db, a).map((e) => e.epoch), [1, 2, 3]);
});
