// Experiments move between databases: `pwb export --bundle` → `pwb import` into a fresh database gives
// the same comparison tables and paper table, with new ids; a bundle that is not one is refused in one
// line and changes nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openDatabase } from '../../src-main/store/db.ts';
import { putPlan } from '../../src-main/store/plans.ts';
import { chain, experimentWith } from '../jobs/fake-experiments.ts';
import { countRows, explain, lines, sandbox, tempDir } from './helpers.ts';

test('export --bundle, import into a fresh database: identical tables, plans included, new ids', async (t) => {
  const box = sandbox(tempDir(t, 'pwb-bundle-'));
  const db = openDatabase(box.db);
  experimentWith(t, [1, 2, 3].flatMap((s) => chain(s, 0.9 + s / 100, 0.905 + s / 100, 0.91 + s / 100, 500 + s)), { name: 'first' }, db);
  const { id: second } = experimentWith(t, [1, 2].flatMap((s) => chain(s, 0.8, 0.81 + s / 100, 0.82)), { name: 'second', scale: 0.5 }, db);
  putPlan(db, second, 1, JSON.stringify({ note: 'a plan' }));
  db.close();

  const file = path.join(box.dir, 'moved.json');
  const out = await box.run(['export', '1', String(second), '--bundle', file]);
  assert.equal(out.code, 0, explain(out));
  assert.equal(out.stdout.trim(), `wrote ${file} (2 experiments, 20 runs)`);
  const again = await box.run(['export', '1', '--bundle', file]);
  assert.equal(again.code, 2, explain(again));
  assert.deepEqual(lines(again.stderr), [`pwb: error: ${file} already exists; pass --force to overwrite it, or name another file`]);

  const target = sandbox(tempDir(t, 'pwb-bundle-target-'));
  // The target already holds an experiment: the imported ones get new ids after it.
  const tdb = openDatabase(target.db);
  experimentWith(t, chain(9, 0.5, 0.5, 0.5), { name: 'already there' }, tdb);
  tdb.close();
  const imported = await target.run(['import', file, '--json']);
  assert.equal(imported.code, 0, explain(imported));
  assert.deepEqual(JSON.parse(imported.stdout), { experiments: [2, 3] });

  for (const [from, to] of [[1, 2], [second, 3]] as const) {
    const a = await box.run(['results', String(from), '--json']);
    const b = await target.run(['results', String(to), '--json']);
    const strip = (s: string) => (JSON.parse(s) as { summary: unknown }).summary;
    assert.deepEqual(strip(b.stdout), strip(a.stdout), `experiment ${from} → ${to}: same comparison`);
  }
  const tableA = (await box.run(['table', '1', String(second), '--csv'])).stdout.split('\n').slice(1).map((l) => l.replace(/^\d+,/, ''));
  const tableB = (await target.run(['table', '2', '3', '--csv'])).stdout.split('\n').slice(1).map((l) => l.replace(/^\d+,/, ''));
  assert.deepEqual(tableB, tableA, 'the paper table is the same but for the ids');
  const rows = countRows(target.db)!;
  assert.equal(rows.plans, 1, 'the plan came along');
  assert.equal(rows.runs, 4 + 20);
});

test('a file that is not a bundle, or a damaged one, is refused in one line; nothing is imported', async (t) => {
  const box = sandbox(tempDir(t, 'pwb-bundle-bad-'));
  const db = openDatabase(box.db);
  experimentWith(t, chain(1, 0.9, 0.9, 0.9), {}, db);
  db.close();
  const before = countRows(box.db);
  const cases: Array<[string, string, RegExp]> = [
    ['spec.json', JSON.stringify({ version: 1, name: 'x' }), /spec\.json: not a Pruning Workbench bundle \(format null\); write one with `pwb export <id> --bundle FILE`/],
    ['newer.json', JSON.stringify({ format: 'pruning-workbench-bundle', version: 9, exportedAt: '', experiments: [] }), /newer\.json: bundle version 9, this Pruning Workbench reads version 1; update the app/],
    ['orphan.json', JSON.stringify({ format: 'pruning-workbench-bundle', version: 1, exportedAt: '', experiments: [{ experiment: { name: 'x', spec_json: '{}', status: 'completed', created_at: 'a', updated_at: 'b' }, archSpecs: [], runs: [{ id: 1, arch_spec_id: 5 }], epochs: [], plans: [] }] }), /orphan\.json: experiment 1: run 1 uses arch spec 5, which the bundle does not hold/],
    ['bad-row.json', JSON.stringify({ format: 'pruning-workbench-bundle', version: 1, exportedAt: '', experiments: [{ experiment: { name: 'x', spec_json: 'not json', status: 'completed', created_at: 'a', updated_at: 'b' }, archSpecs: [], runs: [], epochs: [], plans: [] }] }), /bad-row\.json: experiment 1: a row of experiments does not fit this database \(CHECK constraint failed/],
  ];
  for (const [name, text, says] of cases) {
    const file = path.join(box.dir, name);
    fs.writeFileSync(file, text);
    const r = await box.run(['import', file]);
    assert.equal(r.code, 2, explain(r));
    assert.equal(lines(r.stderr).length, 1, explain(r));
    assert.match(lines(r.stderr)[0]!, says);
    assert.deepEqual(countRows(box.db), before, `${name}: nothing imported`);
  }
});
