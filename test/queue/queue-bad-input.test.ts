// Bad queue options end in one line naming the problem, exit 2, and nothing written: no database is
// created and no experiment recorded. (No Redis needed: an unreachable one is one of the cases.)
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { explain, lines, sandbox, tempDir } from '../cli/helpers.ts';

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

test('bad queue options: one line, exit 2, nothing written', { timeout: 120_000 }, async (t) => {
  const box = sandbox(tempDir(t, 'pwb-queue-bad-'));
  const port = await closedPort();
  const cases: Array<[string[], RegExp]> = [
    [['run', 'quickstart', '--queue', 'notaurl'], /^pwb: error: --queue: 'notaurl' is not a URL; give redis:\/\/HOST:PORT/],
    [['run', 'quickstart', '--queue', 'http://127.0.0.1:1'], /^pwb: error: --queue: 'http:' is not a Redis URL/],
    [['run', 'quickstart', '--listen', '127.0.0.1:7070'], /^pwb: error: --listen: only with --queue/],
    [['run', 'quickstart', '--queue', `redis://127.0.0.1:${port}`, '--listen', '0.0.0.0:7070'], /^pwb: error: --listen 0\.0\.0\.0:7070: 0\.0\.0\.0 is not a loopback address; add --allow-remote/],
    [['run', 'quickstart', '--queue', `redis://:hunter2@127.0.0.1:${port}`], new RegExp(`^pwb: error: --queue redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: cannot reach Redis \\(ECONNREFUSED\\); start redis-server there`)],
    [['resume', '1', '--run', '--queue', `redis://127.0.0.1:${port}`], /^pwb: error: --queue: resumes an experiment on workers; a single run \(--run\) resumes here$/],
    [['worker', '--queue', `redis://127.0.0.1:${port}`, '--token', 't'], /^pwb: error: --queue redis:\/\/127\.0\.0\.1:\d+: cannot reach Redis/],
    [['worker', '--queue', `redis://127.0.0.1:${port}`], /^pwb: error: pwb worker: no token; pass --token or set PWB_WORKER_TOKEN/],
    [['workers', '--queue', `redis://127.0.0.1:${port}`], /^pwb: error: --queue redis:\/\/127\.0\.0\.1:\d+: cannot reach Redis/],
    [['serve', '--listen', '127.0.0.1:7070'], /^pwb: error: --listen: only with --queue/],
    [['serve', '--queue', `redis://:hunter2@127.0.0.1:${port}`], new RegExp(`^pwb: error: --queue redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}: cannot reach Redis \\(ECONNREFUSED\\)`)],
    [['serve', '--queue', `redis://127.0.0.1:${port}`, '--listen', '10.0.0.1:7070'], /^pwb: error: --listen 10\.0\.0\.1:7070: 10\.0\.0\.1 is not a loopback address; add --allow-remote/],
  ];
  for (const [args, says] of cases) {
    const r = await box.run(args, { env: { PWB_WORKER_TOKEN: undefined } });
    assert.equal(r.code, 2, `${args.join(' ')}: ${explain(r)}`);
    const errs = lines(r.stderr);
    assert.equal(errs.length, 1, `${args.join(' ')}: ${explain(r)}`);
    assert.match(errs[0]!, says);
    assert.doesNotMatch(r.stderr, /hunter2/, 'the password is never printed');
    assert.equal(existsSync(box.db), false, `${args.join(' ')} wrote nothing`);
  }
});
