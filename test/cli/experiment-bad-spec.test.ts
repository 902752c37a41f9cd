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

const goodJson = JSON.stringify(good);
/** `good` with `method.params` replaced by the raw JSON text `params`. */
const withRawParams = (params: string): string => goodJson.replace('{"ratio":0.5}', params);

const cases: Array<{ name: string; patch?: Record<string, unknown>; raw?: string | Buffer; says: RegExp[] }> = [
  { name: 'a 20,000-character description', patch: { description: 'x'.repeat(20_000) }, says: [/field 'description'/, /10000/] },
  { name: 'a 2 MB file', raw: JSON.stringify({ ...good, description: 'x'.repeat(2 * 1024 * 1024) }), says: [/spec\.json: \d+ bytes; a spec or config file is at most 1048576 bytes/] },
  { name: 'invalid UTF-8', raw: Buffer.concat([Buffer.from(goodJson.slice(0, 30)), Buffer.from([0xff, 0xfe]), Buffer.from(goodJson.slice(30))]), says: [/spec\.json: not valid UTF-8 \(byte 30 is 0xff\); save it as UTF-8/] },
  { name: 'nested 5,000 deep', raw: withRawParams(`{"ratio":0.5,"deep":${'['.repeat(5000)}${']'.repeat(5000)}}`), says: [/spec\.json: nested deeper than 64 levels \(at 'method\.params\.deep\.0\.0\.0…'\); flatten it/] },
  { name: '__proto__ in method.params', raw: withRawParams('{"__proto__":{"ratio":0.9},"ratio":0.5}'), says: [/field 'method\.params\.__proto__': '__proto__' is a reserved name/] },
  { name: 'constructor in method.params', raw: withRawParams('{"constructor":1,"ratio":0.5}'), says: [/field 'method\.params\.constructor': 'constructor' is a reserved name/] },
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
    writeFileSync(file, c.raw ?? JSON.stringify({ ...good, ...c.patch }));
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
