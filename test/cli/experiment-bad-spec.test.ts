// Bad experiment specs fail before any training, with one line naming the field, and write nothing.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { explain, lines, sandbox, tempDir } from './helpers.ts';

const good = {
  version: 1, name: 'bad spec', dataset: 'fashion-mnist-mini', arch: 'vgg_mini',
  method: { id: 'l1_norm', params: { ratio: 0.5 } }, regimes: ['finetune'], seeds: [1], baseline: { epochs: 1 },
};

const cases: Array<{ name: string; patch: Record<string, unknown>; says: RegExp[] }> = [
  { name: 'unknown method', patch: { method: { id: 'optimal_brain_damage', params: {} } }, says: [/optimal_brain_damage/, /l1_norm/] },
  { name: 'ratio outside [0, 1)', patch: { method: { id: 'l1_norm', params: { ratio: 1.5 } } }, says: [/ratio/] },
  { name: 'target cfg of the wrong length', patch: { method: { id: 'l1_norm', params: { cfg: [8, 'M', 16] } } }, says: [/cfg/] },
  { name: 'unknown key', patch: { epochz: 3 }, says: [/epochz/] },
  {
    name: 'an ArchSpec with other classes than the dataset',
    patch: { arch: { family: 'vgg', cfg: [8, 'M'], pool: 'global_avg', fc: [], input: [28, 28, 1], classes: 100 } },
    says: [/arch\.classes/, /100/, /10 classes/],
  },
  { name: 'missing dataset folder', patch: { dataset: '/nonexistent/data' }, says: [/\/nonexistent\/data/] },
];

for (const c of cases) {
  test(`bad experiment spec: ${c.name}`, async (t) => {
    const dir = tempDir(t, 'pwb-bad-spec-');
    const file = join(dir, 'spec.json');
    writeFileSync(file, JSON.stringify({ ...good, ...c.patch }));
    const box = sandbox(dir);
    const r = await box.run(['run', file]);
    assert.equal(r.code, 2, explain(r));
    const err = lines(r.stderr);
    assert.equal(err.length, 1, explain(r));
    assert.match(err[0]!, /^pwb: error: /);
    for (const re of c.says) assert.match(err[0]!, re);
    assert.ok(!existsSync(box.db), 'nothing may be written');
  });
}
