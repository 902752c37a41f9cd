import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NotFoundError, ValidationError } from '../../src-shared/errors.ts';
import { archSpecHash, canonicalJson, getArchSpec, putArchSpec } from '../../src-main/store/arch-specs.ts';
import { memoryDb, smallVgg } from './helpers.ts';

test('the same spec is stored once, whatever its key order', (t) => {
  const db = memoryDb(t);
  const id = putArchSpec(db, smallVgg, { params: 10, flops: 20 });
  const reordered = JSON.parse(JSON.stringify({ fc: [], pool: 'global_avg', cfg: [8, 'M', 16], classes: 10, input: [32, 32, 3], family: 'vgg' }));
  assert.equal(putArchSpec(db, reordered, { params: 10, flops: 20 }), id);
  assert.equal(db.prepare('SELECT count(*) FROM arch_specs').pluck().get(), 1);

  const other = putArchSpec(db, { ...smallVgg, cfg: [8, 'M', 12] }, { params: 8, flops: 16 });
  assert.notEqual(other, id);

  const stored = getArchSpec(db, id);
  assert.deepEqual(stored.spec, smallVgg);
  assert.equal(stored.hash, archSpecHash(reordered));
  assert.match(stored.hash, /^[0-9a-f]{64}$/);
  assert.equal(stored.params, 10);
});

test('canonical JSON sorts keys at every depth and keeps array order', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [3, 1], c: null } }), '{"a":{"c":null,"d":[3,1]},"b":1}');
});

test('an invalid spec is refused and a missing id is NotFound', (t) => {
  const db = memoryDb(t);
  assert.throws(() => putArchSpec(db, { ...smallVgg, classes: 1 }, { params: 1, flops: 1 }), ValidationError);
  assert.throws(() => getArchSpec(db, 5), (e: unknown) => e instanceof NotFoundError && e.message.includes('5'));
  assert.equal(db.prepare('SELECT count(*) FROM arch_specs').pluck().get(), 0);
});
