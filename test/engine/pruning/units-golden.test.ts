// The pruning units traced from each family's forward (unit-trace.ts) are exactly the ones the former
// hand-written per-family lists gave (units-golden.json, recorded from them: count and a digest of the
// units in key-sorted JSON), for every registered variant, every surgery test spec and four slimmed
// specs — so every plan made before replays unchanged. A deliberate change of a family's units updates the file.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { ArchSpec } from '../../../src-shared/arch-spec.ts';
import { initParams } from '../../../src-main/engine/models/build.ts';
import { families, resolveArch } from '../../../src-main/engine/models/register-all.ts';
import { networkSlimming } from '../../../src-main/engine/pruning/methods/network-slimming.ts';
import { prunableUnits } from '../../../src-main/engine/pruning/units.ts';
import { Rng } from '../../../src-main/engine/random.ts';
import { TEST_SPECS } from './helpers.ts';

const golden = JSON.parse(readFileSync(new URL('./units-golden.json', import.meta.url), 'utf8')) as Record<string, { units: number; sha256: string }>;

const canon = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map(canon).join(',')}]`
    : v !== null && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`).join(',')}}`
      : JSON.stringify(v);

function specs(): Array<[string, ArchSpec]> {
  const out: Array<[string, ArchSpec]> = [];
  for (const f of families) for (const [id, s] of Object.entries(f.variants)) out.push([id, s]);
  for (const [family, list] of Object.entries(TEST_SPECS)) for (const { label, spec } of list) out.push([`${family}:${label}`, spec]);
  for (const id of ['preresnet164', 'densenet40', 'vgg19_slim', 'resnet56']) {
    const s = resolveArch(id);
    const w = initParams(s, Rng.fromSeed(3));
    for (const [n, v] of w) {
      if (!n.endsWith('.gamma')) continue;
      const r = Rng.fromSeed(4, n);
      v.forEach((_, i) => (v[i] = r.uniform()));
    }
    out.push([`${id} slimmed`, networkSlimming.plan(s, w, { percent: 0.5 }, Rng.fromSeed(2)).pruned]);
  }
  return out;
}

const all = specs();

test('every recorded spec is still built (specs added later are not in the recording)', () => {
  const built = new Set(all.map(([label]) => label));
  assert.deepEqual(Object.keys(golden).filter((label) => !built.has(label)), []);
});

for (const [label, spec] of all.filter(([l]) => l in golden)) {
  test(`${label}: the traced units are the recorded ones`, () => {
    const recorded = golden[label]!;
    const units = prunableUnits(spec);
    assert.equal(units.length, recorded.units);
    assert.equal(createHash('sha256').update(canon(units)).digest('hex').slice(0, 16), recorded.sha256);
  });
}
