// README's main command: the quickstart preset runs the whole comparison on the embedded data, prints
// the table, exports CSV, and the database holds every epoch of every run.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import Database from 'better-sqlite3';
import { explain, lines, sandbox, tempDir } from './helpers.ts';

test('pwb run quickstart: table, CSV, every epoch stored', { timeout: 600_000 }, async (t) => {
  const box = sandbox(tempDir(t, 'pwb-quickstart-'));
  const started = performance.now();
  const r = await box.run(['run', 'quickstart'], { timeoutMs: 600_000 });
  t.diagnostic(`quickstart wall time ${((performance.now() - started) / 1000).toFixed(1)} s`);
  assert.equal(r.code, 0, explain(r));
  for (const regime of ['baseline', 'finetune', 'scratch-e', 'scratch-b']) assert.match(r.stdout, new RegExp(`^${regime} `, 'm'));
  assert.match(r.stdout, /test acc \(mean ± std\)/);
  assert.match(r.stdout, /vs fine-tuned/);

  const db = new Database(box.db, { readonly: true });
  const runs = db.prepare('SELECT id, regime, seed, status, epochs_planned, epochs_done, test_acc FROM runs ORDER BY id').all() as Array<{
    id: number; regime: string; seed: number; status: string; epochs_planned: number; epochs_done: number; test_acc: number;
  }>;
  assert.equal(runs.length, 8, '2 seeds × (baseline + 3 regimes)');
  for (const run of runs) {
    assert.equal(run.status, 'completed');
    const epochs = db.prepare('SELECT epoch FROM epoch_metrics WHERE run_id = ? ORDER BY epoch').pluck().all(run.id) as number[];
    assert.deepEqual(epochs, Array.from({ length: run.epochs_planned }, (_, i) => i + 1), `run ${run.id} epochs`);
    assert.ok(run.test_acc > 0.5, `run ${run.id} (${run.regime}) learned: ${run.test_acc}`);
  }
  const scratchB = runs.find((x) => x.regime === 'scratch-b')!;
  const scratchE = runs.find((x) => x.regime === 'scratch-e')!;
  assert.ok(scratchB.epochs_planned > scratchE.epochs_planned, 'Scratch-B trains longer than Scratch-E');
  db.close();

  const csvDir = tempDir(t, 'pwb-quickstart-csv-');
  const e = await box.run(['export', '1', '--csv', csvDir, '--json']);
  assert.equal(e.code, 0, explain(e));
  const paths = JSON.parse(e.stdout) as { runs: string; summary: string };
  const runRows = parse(readFileSync(paths.runs, 'utf8'), { columns: true }) as Array<Record<string, string>>;
  assert.equal(runRows.length, 8);
  assert.deepEqual(runRows.map((x) => Number(x.run_id)), runs.map((x) => x.id));
  const summary = parse(readFileSync(paths.summary, 'utf8'), { columns: true }) as Array<Record<string, string>>;
  assert.deepEqual(summary.map((s) => s.regime), ['baseline', 'finetune', 'scratch-e', 'scratch-b']);
  for (const s of summary.filter((x) => x.regime.startsWith('scratch'))) {
    // The two seeds pair up (same baseline, plan and data order): the paired test, with TOST and Wilcoxon.
    assert.equal(s.test, 'paired-t');
    assert.equal(s.test_n, '2');
    assert.equal(s.equivalence_margin, '0.005');
    assert.ok(['better', 'worse', 'equivalent', 'inconclusive'].includes(s.outcome!), s.outcome);
    if (s.ci95_low !== '') assert.ok(Number(s.ci95_low) <= Number(s.diff_vs_finetune) && Number(s.diff_vs_finetune) <= Number(s.ci95_high));
    assert.match(s.verdict!, new RegExp(`^(${s.outcome === 'better' ? 'scratch better' : s.outcome === 'worse' ? 'fine-tuned better' : s.outcome})\\b`));
  }
  assert.doesNotMatch(r.stdout, /no significant difference/, 'two seeds are "inconclusive" (or decided), never "no significant difference"');

  // Exporting again never overwrites without --force; a file or '' for --csv is one line; nothing changes.
  const before = readFileSync(paths.runs, 'utf8');
  writeFileSync(paths.runs, 'edited by hand');
  const again = await box.run(['export', '1', '--csv', csvDir]);
  assert.equal(again.code, 2, explain(again));
  assert.deepEqual(lines(again.stderr), [`pwb: error: ${paths.runs} already exists; pass --force to overwrite it, or name another folder`]);
  assert.equal(readFileSync(paths.runs, 'utf8'), 'edited by hand');
  const forced = await box.run(['export', '1', '--csv', csvDir, '--force']);
  assert.equal(forced.code, 0, explain(forced));
  assert.equal(readFileSync(paths.runs, 'utf8'), before);
  for (const [target, says] of [[paths.summary, /is a file, not a folder; name a folder for --csv$/], ['', /--csv: expected a folder, got ''$/]] as const) {
    const bad = await box.run(['export', '1', '--csv', target]);
    assert.equal(bad.code, 2, explain(bad));
    assert.equal(lines(bad.stderr).length, 1, explain(bad));
    assert.match(lines(bad.stderr)[0]!, says);
  }
});
