// The paper-style table over experiments: one row each, the published numbers (resources/published)
// beside the rows a preset reproduces and our difference from them, and its Markdown, LaTeX and CSV.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { formatPaperTable } from '../../src-main/cli/paper-table-format.ts';
import { paperTable } from '../../src-main/queries/paper-table.ts';
import { loadPreset } from '../../src-main/queries/presets.ts';
import { chain, experimentWith } from '../jobs/fake-experiments.ts';

test('three experiments: the preset rows get the published numbers beside ours, the other does not', (t) => {
  const a = loadPreset('l1-resnet56-a-cifar10');
  const b = loadPreset('l1-resnet110-b-cifar10');
  const seeds = [1, 2, 3];
  const { db } = experimentWith(t, seeds.flatMap((s) => chain(s, 0.92 + s / 1000, 0.925 + s / 1000, 0.93 + s / 1000)), { ...a, scale: 0.05 });
  experimentWith(t, seeds.flatMap((s) => chain(s, 0.9, 0.9 + s / 1000, 0.91)), { ...b }, db);
  experimentWith(t, seeds.flatMap((s) => chain(s, 0.8, 0.81, 0.82)), { name: 'custom', dataset: 'fashion-mnist-mini', arch: 'vgg_mini', method: { id: 'l1_norm', params: { ratios: [0, 0.5, 0.5] } } }, db);
  const rows = paperTable(db);
  assert.deepEqual(rows.map((r) => r.experimentId), [1, 2, 3], 'oldest first');
  assert.deepEqual(rows.map((r) => r.published?.label ?? null), ['ResNet-56-A', 'ResNet-110-B', null]);
  const [r56, r110, custom] = rows as [typeof rows[0], typeof rows[0], typeof rows[0]];
  assert.equal(r56.pruned, 'A');
  assert.equal(r56.scale, 0.05);
  assert.deepEqual(r56.cells.scratchE.published, [92.96, 0.26]);
  assert.deepEqual(r56.cells.finetune.published, null, 'the source has no Fine-tuned column: nothing is invented');
  assert.ok(Math.abs(r56.cells.scratchE.difference! - (92.7 - 92.96)) < 1e-9, `${r56.cells.scratchE.difference}`);
  assert.deepEqual(r110.cells.scratchB.published, [93.6, 0.25]);
  assert.equal(custom.pruned, 'ratios 0/0.5/0.5');
  assert.equal(custom.cells.unpruned.published, null);
  assert.deepEqual(paperTable(db, [3, 1]).map((r) => r.experimentId), [3, 1], 'named experiments in the order given');
  assert.equal(r56.points.length, 12, 'a point per completed run');
  assert.deepEqual(r56.points.filter((p) => p.regime === 'scratch-e').map((p) => p.acc), [0.926, 0.927, 0.928]);

  const text = formatPaperTable(rows, 'text');
  assert.match(text, /ResNet-56-A .* 92\.70 ± 0\.10 \[paper 92\.96 ± 0\.26, −0\.26\]/);
  assert.match(text, /\[paper\] Liu, Sun, Zhou, Huang, Darrell\. Rethinking the Value of Network Pruning\. ICLR 2019 .*Source: .*rewinding-iclr20-public/);
  const md = formatPaperTable(rows, 'markdown').split('\n');
  assert.match(md[0]!, /^\| dataset \| model \| method \| pruned \| scale \| unpruned \| fine-tuned \| Scratch-E \| Scratch-B \| Scratch-E vs fine-tuned \| Scratch-B vs fine-tuned \|$/);
  assert.equal(md.filter((l) => l.startsWith('| cifar10') || l.startsWith('| fashion')).length, 3);
  const tex = formatPaperTable(rows, 'latex');
  assert.match(tex, /\\begin\{tabular\}\{lllllrrrrll\}/);
  assert.match(tex, /vgg\\_mini & l1\\_norm/);
  assert.match(tex, /92\.70 \$\\pm\$ 0\.10 \[paper 92\.96 \$\\pm\$ 0\.26, \$-\$0\.26\]/);
  const csv = parse(formatPaperTable(rows, 'csv'), { columns: true }) as Array<Record<string, string>>;
  assert.equal(csv.length, 3);
  assert.equal(csv[0]!.scratchE_paper_mean, '92.96');
  assert.equal(csv[0]!.finetune_paper_mean, '');
  assert.equal(csv[0]!.scratch_e_test, 'paired-t');
  assert.ok(['better', 'worse', 'equivalent', 'inconclusive'].includes(csv[0]!.scratch_e_outcome!));
});
