// The ImageNet protocol end to end, on a mini ImageNet-layout folder made here (7 classes of images of several
// sizes, a val/ folder): `pwb run --data imagenet32:PATH` trains a torchvision-layout ResNet-18 on random-resized
// 32×32 crops, evaluates centre crops, and reports top-5 accuracy beside top-1 for every run and in the table.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { explain, sandbox, tempDir } from './helpers.ts';

const CLASSES = 7;

async function miniImageNet(root: string): Promise<void> {
  for (let c = 0; c < CLASSES; c++) {
    for (const split of ['train', 'val']) {
      const dir = join(root, split, `n0000${c}`);
      mkdirSync(dir, { recursive: true });
      for (let k = 0; k < (split === 'train' ? 4 : 2); k++) {
        // Each class its colour, each image its own size (the protocol resizes and crops any).
        const [w, h] = [[48, 36], [40, 60], [64, 64], [50, 44]][k]!;
        const background = { r: (c * 37) % 256, g: (c * 91 + k * 7) % 256, b: (255 - c * 29) % 256 };
        await sharp({ create: { width: w, height: h, channels: 3, background } }).jpeg().toFile(join(dir, `${split}_${k}.JPEG`));
      }
    }
  }
}

test('pwb run --data imagenet32:PATH: random-resized crops, centre-crop evaluation, top-1 and top-5', { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t, 'pwb-imagenet-cli-');
  const root = join(dir, 'mini-imagenet');
  await miniImageNet(root);
  const box = sandbox(dir);
  const spec = join(dir, 'spec.json');
  writeFileSync(spec, JSON.stringify({
    version: 1, name: 'imagenet protocol', dataset: 'fashion-mnist-mini', arch: 'resnet18_imagenet',
    method: { id: 'l1_norm', params: { ratio: 0.5 } }, regimes: ['finetune'], seeds: [1],
    baseline: { epochs: 1, batchSize: 14, testBatchSize: 7 }, finetune: { epochs: 1, batchSize: 14 },
  }));
  const run = await box.run(['run', spec, '--data', `imagenet32:${root}`, '--threads', '1', '--no-progress', '--json']);
  assert.equal(run.code, 0, explain(run));
  const out = JSON.parse(run.stdout) as { runs: Array<{ regime: string; datasetId: string; testAcc: number; testTop5: number | null }>; summary: Array<{ top5Mean: number | null }> };
  for (const r of out.runs) {
    assert.equal(r.datasetId, `imagenet32:${root}`);
    assert.ok(r.testTop5 !== null && r.testTop5 >= r.testAcc && r.testTop5 <= 1, `${r.regime}: top-5 ${r.testTop5}, top-1 ${r.testAcc}`);
  }
  assert.ok(out.summary.every((s) => s.top5Mean !== null));

  const table = await box.run(['results', '1']);
  assert.equal(table.code, 0, explain(table));
  assert.match(table.stdout, /top-1 acc \(mean ± std\)\s+top-5 acc/);
});
