// Listings only read: `pwb list` and `pwb experiments` on a database that does not exist yet answer
// "nothing yet" (or `[]` with --json), exit 0, and leave no file behind.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { dbExists, runPwb, sandbox, tempDir } from './helpers.ts';

test('pwb list / pwb experiments on a missing database: nothing to list, and no database file is created', async (t) => {
  const box = sandbox(tempDir(t, 'pwb-cli-listing-'));
  const db = path.join(path.dirname(box.db), 'never-created.sqlite');
  for (const [args, text] of [
    [['list'], /^no runs yet: try `pwb train/],
    [['experiments'], /^no experiments yet: try `pwb run quickstart`/],
  ] as const) {
    const plain = await runPwb(['--db', db, ...args], { env: box.env });
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, text);
    const json = await runPwb(['--db', db, ...args, '--json'], { env: box.env });
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), []);
    assert.equal(dbExists(db), false, `${args.join(' ')} created ${db}`);
  }
});
