// The supervisor with a fake job process (streams and a hand-driven exit): queueing, relaying,
// holding the final status until exit, cancel → interrupt → kill after the grace period, and a
// job that dies without a word.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { JOB_ENTRY, JobSupervisor, type JobHandle, type JobRequest } from '../../src-main/jobs/job-supervisor.ts';
import { encodeJobMessage, type JobMessage } from '../../src-main/jobs/job-messages.ts';

interface FakeJob {
  req: JobRequest;
  say(message: JobMessage): void;
  print(line: string): void;
  exit(code: number | null, signal?: string | null): void;
  interrupted: number;
  killed: number;
  stderr: PassThrough;
}

function fakeSpawner() {
  const jobs: FakeJob[] = [];
  const spawnJob = (req: JobRequest): JobHandle => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let onExit: (code: number | null, signal: string | null) => void = () => {};
    const job: FakeJob = {
      req, stderr, interrupted: 0, killed: 0,
      say: (m) => stdout.write(encodeJobMessage(m)),
      print: (line) => stdout.write(`${line}\n`),
      exit: (code, signal = null) => {
        stdout.end();
        stderr.end();
        setImmediate(() => onExit(code, signal));
      },
    };
    jobs.push(job);
    return {
      stdout, stderr,
      interrupt: () => void job.interrupted++,
      kill: () => {
        job.killed++;
        job.exit(null, 'SIGKILL');
      },
      onExit: (l) => void (onExit = l),
    };
  };
  return { jobs, spawnJob };
}

const tick = () => new Promise((r) => setTimeout(r, 10));

test('one job at a time, in order; events relayed; the final status only after exit', async () => {
  const { jobs, spawnJob } = fakeSpawner();
  const events: Array<[string, any]> = [];
  const sup = new JobSupervisor({ dbPath: '/x.sqlite', spawnJob, jobArgs: ['--threads', '1'], onEvent: (n, p) => void events.push([n, p]), onLost: () => assert.fail('not lost') });
  sup.enqueue(1);
  sup.enqueue(2, { entry: 'src-main/queue/queued-job-process.ts', args: ['--queue', 'redis://q:6379'] });
  sup.enqueue(1); // already active: ignored
  assert.equal(jobs.length, 1);
  assert.deepEqual(jobs[0]!.req, { experimentId: 1, dbPath: '/x.sqlite', entry: JOB_ENTRY, args: ['--threads', '1'] });
  assert.deepEqual([sup.activeId, sup.isQueued(2)], [1, true]);

  jobs[0]!.print('some library chatter');
  jobs[0]!.say({ type: 'event', name: 'experiment-status', payload: { experimentId: 1, status: 'running', message: null } });
  jobs[0]!.say({ type: 'event', name: 'experiment-status', payload: { experimentId: 1, status: 'completed', message: null } });
  jobs[0]!.say({ type: 'done', status: 'completed', message: null });
  await tick();
  assert.deepEqual(events.map(([, p]) => p.status), ['running'], 'completed is held back while the process lives');
  jobs[0]!.exit(0);
  await tick();
  assert.deepEqual(events.map(([, p]) => p.status), ['running', 'completed']);
  assert.equal(jobs.length, 2);
  assert.equal(sup.activeId, 2);
  assert.deepEqual(jobs[1]!.req, { experimentId: 2, dbPath: '/x.sqlite', entry: 'src-main/queue/queued-job-process.ts', args: ['--threads', '1', '--queue', 'redis://q:6379'] }, 'its own script, its arguments after the common ones');
  jobs[1]!.say({ type: 'done', status: 'completed', message: null });
  jobs[1]!.say({ type: 'event', name: 'experiment-status', payload: { experimentId: 2, status: 'completed', message: null } });
  jobs[1]!.exit(0);
  await sup.idle();
  assert.equal(sup.activeId, null);
});

test('a job that exits without a final word is reported lost, with the last stderr line', async () => {
  const { jobs, spawnJob } = fakeSpawner();
  const lost: Array<[number, boolean, string]> = [];
  const sup = new JobSupervisor({ dbPath: '/x', spawnJob, onEvent: () => {}, onLost: (...a) => void lost.push(a) });
  sup.enqueue(7);
  jobs[0]!.stderr.write('Error: out of memory\n');
  jobs[0]!.exit(134);
  await sup.idle();
  assert.deepEqual(lost, [[7, false, 'the job process ended (code 134): Error: out of memory']]);
});

test('cancel: a queued job leaves the queue; the active one is interrupted, then killed after the grace period', async () => {
  const { jobs, spawnJob } = fakeSpawner();
  const lost: Array<[number, boolean, string]> = [];
  const sup = new JobSupervisor({ dbPath: '/x', spawnJob, graceMs: 50, onEvent: () => {}, onLost: (...a) => void lost.push(a) });
  sup.enqueue(1);
  sup.enqueue(2);
  assert.equal(sup.cancel(2), 'dequeued');
  assert.equal(sup.cancel(3), false);
  assert.equal(sup.cancel(1), 'interrupted');
  assert.equal(sup.cancel(1), 'interrupted');
  assert.equal(jobs[0]!.interrupted, 1, 'interrupted once');
  const keepAlive = setTimeout(() => {}, 5000); // the kill timer is unref'd (a real child keeps the loop alive)
  await sup.idle();
  clearTimeout(keepAlive);
  assert.equal(jobs[0]!.killed, 1, 'killed after the grace period');
  assert.deepEqual(lost, [[1, true, 'the job process ended (signal SIGKILL)']]);
  assert.equal(jobs.length, 1, 'the dequeued job never started');
});

test('close cancels the active job and drops the queue', async () => {
  const { jobs, spawnJob } = fakeSpawner();
  const sup = new JobSupervisor({ dbPath: '/x', spawnJob, onEvent: () => {}, onLost: () => {} });
  sup.enqueue(1);
  sup.enqueue(2);
  const closing = sup.close();
  assert.equal(jobs[0]!.interrupted, 1);
  jobs[0]!.say({ type: 'event', name: 'experiment-status', payload: { experimentId: 1, status: 'cancelled', message: null } });
  jobs[0]!.say({ type: 'done', status: 'cancelled', message: null });
  jobs[0]!.exit(130);
  await closing;
  assert.equal(jobs.length, 1);
  assert.throws(() => sup.enqueue(3), /closed/);
});
