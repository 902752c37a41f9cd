// Checkpoint files: a bit-exact round trip of everything a resumed run needs, DataErrors that name the
// file for anything that is not a whole checkpoint, and atomic writes (no temp file left, overwrite safe).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DataError } from '../../../src-shared/errors.ts';
import { defaultTrainConfig } from '../../../src-shared/train-config.ts';
import { resolveArch } from '../../../src-main/engine/models/register-all.ts';
import { readCheckpoint, repairBestCheckpoint, requireFinite, writeCheckpoint, type Checkpoint } from '../../../src-main/engine/training/checkpoint.ts';

const dir = mkdtempSync(join(tmpdir(), 'pwb-ckpt-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Float32 values whose bits must survive: signed zero, denormals, extremes, infinities, NaN payloads. */
function awkwardFloats(n: number, salt: number): Float32Array {
  const bits = new Uint32Array(n);
  const special = [0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fa12345, 0xffc00001, 0x3f800000];
  for (let i = 0; i < n; i++) bits[i] = i < special.length ? special[i]! : (Math.imul(i + salt, 2654435761) >>> 0);
  return new Float32Array(bits.buffer);
}

const bitsOf = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

function sample(epochsDone = 3): Checkpoint {
  const history = Array.from({ length: epochsDone }, (_, i) => ({
    epoch: i + 1, trainLoss: 2.3 - 0.1 * i, trainAcc: 0.1 + 0.05 * i, testLoss: 2.2 - 0.1 * i,
    testAcc: 0.12 + 0.04 * i, lr: 0.1, imagesPerSec: 812.5, wallS: 61.25 + i,
  }));
  return {
    spec: resolveArch('vgg_mini'),
    config: { ...defaultTrainConfig, epochs: 40, trainLimit: 1000 },
    epochsDone,
    rng: { seed: 7, nextEpoch: epochsDone },
    owner: { runId: 4, createdAt: '2026-12-01T10:00:00.000Z' },
    best: { testAcc: 0.2, epoch: epochsDone },
    history,
    weights: new Map([
      ['features.0.weight', awkwardFloats(3 * 3 * 1 * 16, 1)],
      ['features.1.gamma', awkwardFloats(16, 2)],
      ['features.1.running_var', new Float32Array([1, 0.5, 2.25])],
      ['empty', new Float32Array(0)],
    ]),
    momentum: new Map([
      ['features.0.weight', awkwardFloats(3 * 3 * 1 * 16, 3)],
      ['features.1.gamma', new Float32Array([-1e-30, 3e38, 0.1])],
    ]),
  };
}

function assertSameTensors(actual: Map<string, Float32Array>, expected: Map<string, Float32Array>, what: string): void {
  assert.deepEqual([...actual.keys()], [...expected.keys()], `${what}: names in order`);
  for (const [name, values] of expected) {
    const got = actual.get(name)!;
    assert.ok(got instanceof Float32Array, `${what} ${name}: Float32Array`);
    assert.deepEqual(bitsOf(got), bitsOf(values), `${what} ${name}: bit-exact`);
  }
}

const isDataErrorNaming = (path: string, pattern: RegExp) => (e: unknown): boolean =>
  e instanceof DataError && e.code === 'DATA' && e.message.includes(path) && pattern.test(e.message);

test('write then read gives back every field; weights and momentum bit-exact', () => {
  const path = join(dir, 'roundtrip', 'nested', 'last.ckpt'); // folders are created
  const ckpt = sample();
  writeCheckpoint(path, ckpt);
  const back = readCheckpoint(path);
  assertSameTensors(back.weights, ckpt.weights, 'weights');
  assertSameTensors(back.momentum, ckpt.momentum, 'momentum');
  assert.deepEqual(back.spec, ckpt.spec);
  assert.deepEqual(back.config, ckpt.config);
  assert.equal(back.epochsDone, 3);
  assert.deepEqual(back.rng, { seed: 7, nextEpoch: 3 });
  assert.deepEqual(back.best, { testAcc: 0.2, epoch: 3 });
  assert.deepEqual(back.history, ckpt.history);
  assert.deepEqual(Object.keys(back).sort(), Object.keys(ckpt).sort());
  // The file is magic, header, exactly the tensor bytes and their SHA-256: nothing lost, nothing extra.
  const bytes = readFileSync(path);
  assert.equal(bytes.toString('latin1', 0, 8), 'PWBCKPT2');
  const floats = [...ckpt.weights.values(), ...ckpt.momentum.values()].reduce((s, a) => s + a.length, 0);
  assert.equal(bytes.length, 8 + 4 + bytes.readUInt32LE(8) + 4 * floats + 32);
  assert.ok(createHash('sha256').update(bytes.subarray(0, bytes.length - 32)).digest().equals(bytes.subarray(bytes.length - 32)));
});

test('a checkpoint with no best and no momentum (before the first epoch) round-trips', () => {
  const path = join(dir, 'fresh.ckpt');
  writeCheckpoint(path, { ...sample(0), best: null, momentum: new Map() });
  const back = readCheckpoint(path);
  assert.equal(back.best, null);
  assert.deepEqual(back.history, []);
  assert.equal(back.momentum.size, 0);
  assert.equal(back.weights.size, 4);
});

test('no temp file is left behind, and overwriting leaves the new, readable checkpoint', () => {
  const sub = join(dir, 'atomic');
  const path = join(sub, 'last.ckpt');
  writeCheckpoint(path, sample(3));
  assert.deepEqual(readdirSync(sub), ['last.ckpt']);
  const second = sample(5);
  second.weights.set('features.1.running_var', new Float32Array([9, 8, 7]));
  writeCheckpoint(path, second);
  assert.deepEqual(readdirSync(sub), ['last.ckpt']);
  const back = readCheckpoint(path);
  assert.equal(back.epochsDone, 5);
  assert.equal(back.history.length, 5);
  assert.deepEqual(back.weights.get('features.1.running_var'), new Float32Array([9, 8, 7]));
  writeCheckpoint(join(sub, 'best.ckpt'), sample(4));
  assert.deepEqual(readdirSync(sub).sort(), ['best.ckpt', 'last.ckpt']);
});

test('bad magic: DataError naming the path', () => {
  const path = join(dir, 'not-a-checkpoint.ckpt');
  writeFileSync(path, 'PK\u0003\u0004 this is a zip file, not a checkpoint');
  assert.throws(() => readCheckpoint(path), isDataErrorNaming(path, /bad magic/));
  const tiny = join(dir, 'tiny.ckpt');
  writeFileSync(tiny, 'PWB');
  assert.throws(() => readCheckpoint(tiny), isDataErrorNaming(tiny, /bad magic/));
});

test('a missing file: DataError naming the path', () => {
  const path = join(dir, 'missing.ckpt');
  assert.throws(() => readCheckpoint(path), isDataErrorNaming(path, /cannot read.*ENOENT/));
});

test('a file truncated in its tensor data or in its header: DataError naming the path', () => {
  const path = join(dir, 'truncated.ckpt');
  writeCheckpoint(path, sample());
  const full = readFileSync(path);
  const headerEnd = 12 + full.readUInt32LE(8);

  truncateSync(path, full.length - 1); // one byte short: read as a digest after a last momentum tensor a byte short
  assert.throws(() => readCheckpoint(path), isDataErrorNaming(path, /truncated \(tensor 'features\.1\.gamma'\)/));

  writeFileSync(path, full.subarray(0, headerEnd + 10)); // most weights missing
  assert.throws(() => readCheckpoint(path), isDataErrorNaming(path, /truncated \(tensor 'features\.0\.weight'\)/));

  writeFileSync(path, full.subarray(0, headerEnd - 5)); // the header itself is cut
  assert.throws(() => readCheckpoint(path), isDataErrorNaming(path, /truncated in its header/));
});

test('a corrupt header: DataError naming the path', () => {
  const path = join(dir, 'corrupt.ckpt');
  writeCheckpoint(path, sample());
  const full = readFileSync(path);
  const bad = Buffer.from(full);
  bad.write('{', 12, 'latin1'); // first header byte fine, then break the JSON
  bad.write('!', 13, 'latin1');
  writeFileSync(path, bad);
  assert.throws(() => readCheckpoint(path), isDataErrorNaming(path, /header is invalid/));

  // valid JSON, wrong shape (epochsDone negative)
  const headerLength = full.readUInt32LE(8);
  const header = JSON.parse(full.toString('utf8', 12, 12 + headerLength));
  const json = Buffer.from(JSON.stringify({ ...header, epochsDone: -1 }), 'utf8');
  const prefix = Buffer.alloc(12);
  prefix.write('PWBCKPT2', 0, 'latin1');
  prefix.writeUInt32LE(json.length, 8);
  writeFileSync(path, Buffer.concat([prefix, json, full.subarray(12 + headerLength)]));
  assert.throws(() => readCheckpoint(path), isDataErrorNaming(path, /header is invalid/));
});

test('any flipped byte (header, tensors or digest) is caught by the SHA-256: DataError naming the path', () => {
  const path = join(dir, 'flipped.ckpt');
  writeCheckpoint(path, sample());
  const full = readFileSync(path);
  const headerEnd = 12 + full.readUInt32LE(8);
  // A digit of the header's history (valid JSON either way), a tensor byte, the digest's last byte.
  const digit = full.indexOf('812.5', 12);
  for (const at of [digit, headerEnd + 17, full.length - 1]) {
    const bad = Buffer.from(full);
    bad[at] = at === digit ? '9'.charCodeAt(0) : bad[at]! ^ 0x01;
    writeFileSync(path, bad);
    assert.throws(() => readCheckpoint(path), isDataErrorNaming(path, /checkpoint is damaged \(its SHA-256 does not match its contents\)/), `byte ${at}`);
  }
});

test('a first-format file (PWBCKPT1: no digest, no owner) still reads; requireFinite refuses NaN and ±Infinity', () => {
  const path = join(dir, 'v1.ckpt');
  const ckpt = sample();
  writeCheckpoint(path, ckpt);
  const v2 = readFileSync(path);
  const headerLength = v2.readUInt32LE(8);
  const header = JSON.parse(v2.toString('utf8', 12, 12 + headerLength));
  delete header.owner;
  const json = Buffer.from(JSON.stringify({ ...header, format: 1 }), 'utf8');
  const prefix = Buffer.alloc(12);
  prefix.write('PWBCKPT1', 0, 'latin1');
  prefix.writeUInt32LE(json.length, 8);
  writeFileSync(path, Buffer.concat([prefix, json, v2.subarray(12 + headerLength, v2.length - 32)]));
  const back = readCheckpoint(path);
  assert.equal(back.epochsDone, 3);
  assert.deepEqual(bitsOf(back.weights.get('features.0.weight')!), bitsOf(ckpt.weights.get('features.0.weight')!));
  // awkwardFloats holds ±Infinity and NaN: stored bit-exactly, refused for use.
  assert.throws(() => requireFinite(path, back), isDataErrorNaming(path, /non-finite value \(Infinity\) in weight 'features\.0\.weight' \[6\]/));
  const finite = { ...back, weights: new Map([['w', new Float32Array([1, 2])]]), momentum: new Map([['w', new Float32Array([0, -0])]]) };
  assert.doesNotThrow(() => requireFinite(path, finite));
});

test('repairBestCheckpoint: a best.ckpt older than the best epoch last.ckpt records is rewritten from it; a current one is kept', () => {
  const bestPath = join(dir, 'repair', 'best.ckpt');
  const improvedLast = sample(3); // best = epoch 3 = its last epoch
  writeCheckpoint(bestPath, sample(2)); // the crash came before best.ckpt of epoch 3 was written
  assert.equal(repairBestCheckpoint(bestPath, improvedLast), true);
  assert.equal(readCheckpoint(bestPath).epochsDone, 3);
  assert.deepEqual(bitsOf(readCheckpoint(bestPath).weights.get('features.0.weight')!), bitsOf(improvedLast.weights.get('features.0.weight')!));
  assert.equal(repairBestCheckpoint(bestPath, improvedLast), false, 'current: kept');
  rmSync(bestPath);
  assert.equal(repairBestCheckpoint(bestPath, improvedLast), true, 'missing: written');
  // The last epoch did not improve: best.ckpt (an earlier epoch) is right as it is.
  writeCheckpoint(bestPath, sample(2));
  assert.equal(repairBestCheckpoint(bestPath, { ...sample(3), best: { testAcc: 0.2, epoch: 2 } }), false);
  assert.equal(readCheckpoint(bestPath).epochsDone, 2);
});
