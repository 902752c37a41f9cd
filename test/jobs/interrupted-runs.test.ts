// reconcileInterruptedRuns: a run or experiment left "running" by a process that is gone becomes failed
// ("interrupted …") and loses the temp files of its unfinished checkpoint write; one whose lock names a
// live process (another terminal's `pwb train`) is left alone. (The kill -9 end-to-end case is in
// test/cli/resume.test.ts.)
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { prepareTrainRun, createTrainRun } from '../../src-main/jobs/train-run.ts';
import { experimentDir } from '../../src-main/jobs/job-dirs.ts';
import { reconcileInterruptedRuns } from '../../src-main/jobs/interrupted-runs.ts';
import { openDatabase } from '../../src-main/store/db.ts';
import { createExperiment, getExperiment, updateExperiment } from '../../src-main/store/experiments.ts';
import { getRun, markRunStarted } from '../../src-main/store/runs.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-interrupted-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has already exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
}

const lock = (folder: string, pid: number): void => {
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'run.lock'), JSON.stringify({ host: hostname(), pid }));
};

test('runs and experiments "running" without a live owner become failed (interrupted); live ones stay; temp files go', async () => {
  const dbPath = join(dir, 'runs.sqlite');
  const db = openDatabase(dbPath);
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    const request = { arch: 'vgg_mini', dataset: 'fashion-mnist-mini', backend: 'cpu' as const, config: { epochs: 1 } };
    const prepared = await prepareTrainRun(request);
    const [dead, alive, nolock] = [0, 1, 2].map(() => createTrainRun(db, dbPath, request, prepared));
    for (const r of [dead!, alive!, nolock!]) markRunStarted(db, r.id, { backend: 'cpu', backendReason: 'test' });
    lock(dead!.checkpointDir!, deadPid());
    lock(alive!.checkpointDir!, live.pid!);
    const tmp = join(dead!.checkpointDir!, `.last.ckpt.${deadPid()}.tmp`);
    writeFileSync(tmp, 'half a checkpoint');

    const expDead = createExperiment(db, { name: 'dead', spec: {}, status: 'running' });
    const expLive = createExperiment(db, { name: 'live', spec: {}, status: 'running' });
    updateExperiment(db, expDead.id, { status: 'running' });
    lock(experimentDir(dbPath, expLive.id), live.pid!);

    const result = reconcileInterruptedRuns(db, dbPath);
    assert.deepEqual(result.runs.sort(), [dead!.id, nolock!.id].sort());
    assert.deepEqual(result.experiments, [expDead.id]);
    assert.deepEqual(result.tempFiles, [tmp]);
    assert.equal(existsSync(tmp), false);
    for (const r of [dead!, nolock!]) {
      const after = getRun(db, r.id);
      assert.equal(after.status, 'failed');
      assert.equal(after.error, `interrupted: the process training it ended without finishing; resume with \`pwb resume --run ${r.id}\``);
    }
    assert.equal(getRun(db, alive!.id).status, 'running');
    assert.equal(getExperiment(db, expDead.id).status, 'failed');
    assert.equal(getExperiment(db, expLive.id).status, 'running');
    assert.deepEqual(reconcileInterruptedRuns(db, dbPath), { runs: [], experiments: [], tempFiles: [] }, 'idempotent');
  } finally {
    live.kill();
    db.close();
  }
});
