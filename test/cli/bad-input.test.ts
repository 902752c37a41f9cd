// Bad input to `pwb`: every case exits with status 2, prints exactly one line on stderr
// ("pwb: error: …", naming the bad id, path, field or value, no stack trace), nothing on stdout, and
// leaves the database as it was: not created when it did not exist, the same row counts when it did.
// Each case runs twice, at once: against a path with no database yet, and against a database that
// already holds one tiny finished run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { encodeIdx } from '../../src-main/engine/datasets/idx.ts';
import { type PwbResult, countRows, dbExists, explain, lines, runPwb, sandbox, tempDir } from './helpers.ts';

const root = tempDir(undefined, 'pwb-cli-bad-');
const box = sandbox(root, 'prepared.sqlite');

const IDX_TRAIN_IMAGES = 'train-images-idx3-ubyte';
const IDX_TRAIN_LABELS = 'train-labels-idx1-ubyte';
const IDX_TEST_IMAGES = 't10k-images-idx3-ubyte';
const IDX_TEST_LABELS = 't10k-labels-idx1-ubyte';

/** A valid 4-file IDX folder of `n` 8×8 images, with `tamper` applied to one file's bytes. */
function writeIdxFolder(dir: string, tamper: { file: string; bytes: (b: Uint8Array) => Uint8Array }): void {
  fs.mkdirSync(dir, { recursive: true });
  const n = 12;
  const images = encodeIdx('images', [n, 8, 8], new Uint8Array(n * 64).map((_, i) => (i * 7) % 256));
  const labels = encodeIdx('labels', [n], new Uint8Array(n).map((_, i) => i % 3));
  const files: Record<string, Uint8Array> = {
    [IDX_TRAIN_IMAGES]: images,
    [IDX_TRAIN_LABELS]: labels,
    [IDX_TEST_IMAGES]: images,
    [IDX_TEST_LABELS]: labels,
  };
  for (const [name, bytes] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), name === tamper.file ? tamper.bytes(bytes) : bytes);
  }
}

const CIFAR_RECORD = 1 + 3 * 32 * 32;

/** CIFAR-10 binaries of two records each, except data_batch_2.bin: 2 records and 1000 stray bytes. */
function writeCifarFolder(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const name of ['data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin', 'test_batch.bin']) {
    const size = name === 'data_batch_2.bin' ? 2 * CIFAR_RECORD + 1000 : 2 * CIFAR_RECORD;
    fs.writeFileSync(path.join(dir, name), new Uint8Array(size));
  }
}

const fx = {
  truncatedIdx: path.join(root, 'idx-truncated'),
  wrongMagicIdx: path.join(root, 'idx-wrong-magic'),
  cifarWrongSize: path.join(root, 'cifar-wrong-size'),
  badConfig: path.join(root, 'cfg.json'),
  badResnetSpec: path.join(root, 'resnet-bad-cfg.json'),
};

writeIdxFolder(fx.truncatedIdx, { file: IDX_TRAIN_IMAGES, bytes: (b) => b.subarray(0, b.length - 100) });
// A labels file that starts with the images magic (0x00000803).
writeIdxFolder(fx.wrongMagicIdx, { file: IDX_TEST_LABELS, bytes: (b) => Uint8Array.from(b, (v, i) => (i === 3 ? 0x03 : v)) });
writeCifarFolder(fx.cifarWrongSize);
fs.writeFileSync(fx.badConfig, JSON.stringify({ epochz: 3 }));
// resnet20 has 9 blocks (depth 6n+2, n = 3), so cfg needs 9 widths.
fs.writeFileSync(
  fx.badResnetSpec,
  JSON.stringify({ family: 'resnet', input: [32, 32, 3], classes: 10, depth: 20, widths: [16, 32, 64], cfg: [16, 16, 16] }),
);

const TRAIN = ['train', '--arch', 'vgg_mini', '--dataset', 'fashion-mnist-mini', '--epochs', '1', '--train-limit', '64', '--test-limit', '64'];

/** The CLI arguments with --dataset (or another option) replaced. */
function trainWith(overrides: Record<string, string>, extra: string[] = []): string[] {
  const args = [...TRAIN];
  for (const [opt, value] of Object.entries(overrides)) {
    const i = args.indexOf(opt);
    if (i >= 0) args[i + 1] = value;
    else args.push(opt, value);
  }
  return [...args, ...extra];
}

interface Case {
  name: string;
  args: string[];
  /** Each must match the stderr line. */
  says: RegExp[];
}

const CASES: Case[] = [
  { name: 'unknown arch id', args: trainWith({ '--arch': 'vgg99' }), says: [/vgg99/, /unknown architecture/, /\bvgg16\b/, /\bresnet56\b/] },
  { name: 'unknown arch id in pwb arch', args: ['arch', 'vgg99'], says: [/vgg99/, /\bvgg16\b/, /\bresnet56\b/] },
  { name: 'missing dataset folder', args: trainWith({ '--dataset': '/nonexistent/dir' }), says: [/\/nonexistent\/dir/, /no such folder/] },
  { name: 'truncated IDX file', args: trainWith({ '--dataset': fx.truncatedIdx }), says: [/train-images-idx3-ubyte/, /truncated/] },
  { name: 'IDX file with the wrong magic', args: trainWith({ '--dataset': fx.wrongMagicIdx }), says: [/t10k-labels-idx1-ubyte/, /wrong magic 0x00000803/, /0x00000801/] },
  { name: 'CIFAR-10 binary of a wrong size', args: trainWith({ '--dataset': fx.cifarWrongSize }), says: [/data_batch_2\.bin/, new RegExp(`${2 * CIFAR_RECORD + 1000} bytes`), /3073-byte CIFAR-10 records/] },
  // commander must take "-3" as the value of --epochs (not as an unknown option), and our validation names the field.
  { name: 'negative epochs', args: trainWith({ '--epochs': '-3' }), says: [/epochs/, /-3/] },
  { name: 'unknown option', args: [...TRAIN, '--epochz', '3'], says: [/unknown option '--epochz'/, /--epochs/] },
  { name: 'unknown config key', args: [...TRAIN, '--config', fx.badConfig], says: [/cfg\.json/, /unknown key 'epochz'/, /\bepochs\b/] },
  { name: 'unknown backend', args: [...TRAIN, '--backend', 'gpu'], says: [/--backend/, /'gpu'/, /wasm/] },
  { name: 'a learning rate that is 0 in float32', args: trainWith({ '--lr': '1e-50' }), says: [/^pwb: error: --lr: 1e-50 is 0 in float32/] },
  { name: 'hexadecimal numbers', args: trainWith({ '--lr': '0x1' }), says: [/--lr: expected a decimal number, got '0x1'/] },
  { name: 'hexadecimal integers', args: trainWith({ '--epochs': '0x1' }), says: [/--epochs: expected an integer, got '0x1'/] },
  { name: 'an option given twice', args: [...TRAIN, '--epochs', '5'], says: [/^pwb: error: --epochs is given twice \(--epochs 1 and --epochs 5\); give it once$/] },
  { name: 'a flag and its negation', args: [...TRAIN, '--augment', '--no-augment'], says: [/--augment is given twice \(--augment and --no-augment\)/] },
  { name: 'pwb show of a missing run', args: ['show', '999'], says: [/run 999 not found/] },
  { name: 'pwb show of a non-number', args: ['show', 'abc'], says: [/<run-id>/, /'abc'/] },
  { name: 'pwb arch with a resnet cfg of the wrong length', args: ['arch', fx.badResnetSpec], says: [/\bcfg\b/, /9 block widths/, /got 3/] },
  { name: 'pwb resume of a missing run', args: ['resume', '--run', '999'], says: [/run 999 not found/] },
  { name: 'pwb resume of a missing experiment', args: ['resume', '999'], says: [/experiment 999 not found/] },
  { name: 'pwb table of a missing experiment', args: ['table', '999'], says: [/experiment 999 not found/] },
  { name: 'pwb pattern of a missing experiment', args: ['pattern', '999'], says: [/experiment 999 not found/] },
  { name: 'pwb table with two formats', args: ['table', '--markdown', '--latex'], says: [/choose one output format, not --markdown and --latex/] },
  { name: 'pwb table of a non-number', args: ['table', 'x1'], says: [/'x1'/] },
  { name: 'parallel runs on a CPU backend', args: ['run', 'quickstart', '--backend', 'wasm', '--parallel-runs', '2'], says: [/^pwb: error: --parallel-runs 2: runs share a GPU only on the webgpu backend, and this experiment trains on wasm/, /drop --parallel-runs or use --backend webgpu/] },
  { name: 'too many parallel runs', args: ['run', 'quickstart', '--backend', 'wasm', '--parallel-runs', '9'], says: [/--parallel-runs: expected an integer from 1 to 8, got 9/] },
  { name: 'parallel runs for a single run', args: ['resume', '--run', '1', '--parallel-runs', '2'], says: [/--parallel-runs: a single run \(--run\) trains alone; drop it/] },
];

function assertBadInput(r: PwbResult, c: Case, where: string): void {
  const ctx = `${c.name} (${where}): ${explain(r)}`;
  assert.equal(r.signal, null, ctx);
  assert.equal(r.code, 2, `expected exit status 2 for bad input; ${ctx}`);
  assert.equal(r.stdout, '', `nothing on stdout; ${ctx}`);
  const errLines = lines(r.stderr);
  assert.equal(errLines.length, 1, `exactly one line on stderr; ${ctx}`);
  const line = errLines[0]!;
  assert.match(line, /^pwb: /, ctx);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `no stack trace; ${ctx}`);
  assert.doesNotMatch(line, /internal error/, `a bad input is not an internal error; ${ctx}`);
  for (const re of c.says) assert.match(line, re, ctx);
}

let prepared: Record<string, number> | null = null;

// Cases run two at a time (four processes): the prepared database only ever gets read, so a case
// that did write would still show up in the count check of whichever case looks next.
describe('pwb rejects bad input without touching the database', { concurrency: 2 }, () => {
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  before(async () => {
    const r = await box.run([...TRAIN, '--json', '--no-progress']);
    assert.equal(r.code, 0, `preparing the database with one tiny run: ${explain(r)}`);
    prepared = countRows(box.db);
    assert.ok(prepared, 'the prepared database exists');
    assert.equal(prepared.runs, 1);
    assert.equal(prepared.epoch_metrics, 1);
  });

  CASES.forEach((c, i) => {
    test(c.name, async () => {
      const fresh = path.join(root, `fresh-${i}.sqlite`);
      const [onFresh, onPrepared] = await Promise.all([
        runPwb(['--db', fresh, ...c.args], { env: box.env }),
        box.run(c.args),
      ]);
      assertBadInput(onFresh, c, 'no database yet');
      assertBadInput(onPrepared, c, 'prepared database');
      assert.equal(dbExists(fresh), false, `${c.name}: created ${fresh}`);
      assert.equal(fs.existsSync(`${fresh}.runs`), false, `${c.name}: created a checkpoint folder`);
      assert.deepEqual(countRows(box.db), prepared, `${c.name}: changed the prepared database`);
      assert.equal(fs.existsSync(box.env.PWB_DB), false, `${c.name}: used $PWB_DB despite --db`);
    });
  });
});
