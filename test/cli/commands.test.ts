// The `pwb` commands end to end, through the real entry point: help texts, `arch` cost totals,
// `datasets`, and one tiny training run followed by `list` and `show` on the database it wrote.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { after, describe, test } from 'node:test';
import { countRows, explain, lines, sandbox, tempDir } from './helpers.ts';

const root = tempDir(undefined, 'pwb-cli-commands-');
const box = sandbox(root);

const COMMANDS = ['bench', 'run', 'experiments', 'results', 'pattern', 'export', 'presets', 'prune', 'import-model', 'arch', 'train', 'resume', 'list', 'show', 'datasets', 'download', 'doctor'];

/** Whether a native TensorFlow binding is installed; then `auto` may pick it instead of wasm. */
function nativeTfInstalled(): boolean {
  const require = createRequire(import.meta.url);
  for (const pkg of ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      // not installed
    }
  }
  return false;
}

function parseJson(stdout: string, what: string): unknown {
  try {
    return JSON.parse(stdout);
  } catch (e) {
    assert.fail(`${what}: stdout is not one JSON value (${(e as Error).message}):\n${stdout}`);
  }
}

describe('pwb commands', { concurrency: true }, () => {
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('pwb --help and every command --help exit 0 with a usage text', async () => {
    const results = await Promise.all([box.runNoDb(['--help']), ...COMMANDS.map((c) => box.runNoDb([c, '--help']))]);
    const [top, ...perCommand] = results;
    assert.equal(top!.code, 0, explain(top!));
    assert.match(top!.stdout, /^Usage: pwb /m);
    for (const c of COMMANDS) assert.match(top!.stdout, new RegExp(`^  ${c}\\b`, 'm'), `pwb --help lists ${c}`);
    perCommand.forEach((r, i) => {
      const c = COMMANDS[i]!;
      assert.equal(r.code, 0, `${c} --help: ${explain(r)}`);
      assert.match(r.stdout, new RegExp(`^Usage: pwb ${c} `, 'm'), `${c} --help: ${r.stdout}`);
      assert.match(r.stdout, /--json/, `${c} --help mentions --json`);
      assert.equal(r.stderr, '', `${c} --help: ${explain(r)}`);
    });
    assert.equal(fs.existsSync(box.env.PWB_DB), false, 'help created a database');
  });

  test('pwb prune without weights: the regression method\'s ResNet-50-2x, its inner widths and each block\'s inputs; another method refused in one line', async () => {
    const [x2, l1] = await Promise.all([
      box.runNoDb(['prune', '--arch', 'resnet50_imagenet', '--method', 'channel_regression', '--param', 'widthsFrom={"target":"resnet50_2x"}']),
      box.runNoDb(['prune', '--arch', 'resnet50_imagenet', '--method', 'l1_norm', '--param', 'target=resnet50_2x']),
    ]);
    assert.equal(x2.code, 0, explain(x2));
    assert.match(x2.stdout, /^block inputs read: \[35,101,97,144,205,198,288,278,418,407,423,412,595,606,1222,1147\]$/m);
    assert.match(x2.stdout, /^params 25\.56M → 19\.69M/m);
    assert.equal(l1.code, 2, explain(l1));
    assert.deepEqual(lines(l1.stderr), ["pwb: error: l1_norm params (target resnet50_2x): field 'inputWidths' chooses which channels each residual block's first conv reads, which only channel_regression does: give the inner widths alone (cfg)"]);
  });

  test('pwb arch: VGG-16 totals (JSON) and the ResNet-56 totals line (text)', async () => {
    const [vgg, resnet] = await Promise.all([box.runNoDb(['arch', 'vgg16', '--json']), box.runNoDb(['arch', 'resnet56'])]);
    assert.equal(vgg.code, 0, explain(vgg));
    const j = parseJson(vgg.stdout, 'arch vgg16 --json') as { arch: string; totals: { params: number; flops: number } };
    assert.equal(j.arch, 'vgg16');
    assert.equal(j.totals.params, 14987722);
    assert.ok(Math.abs(j.totals.flops / 627.9e6 - 1) < 0.005, `vgg16 FLOPs ${j.totals.flops} not within 0.5% of 627.9e6`);

    assert.equal(resnet.code, 0, explain(resnet));
    assert.match(resnet.stdout, /^resnet56: input 32x32x3, 10 classes$/m);
    const total = /^total: params ([\d.]+[KMG]?) \((\d+)\), MACs ([\d.]+[KMG]?), FLOPs ([\d.]+[KMG]?) \((\d+)\)$/m.exec(resnet.stdout);
    assert.ok(total, `no totals line in:\n${resnet.stdout}`);
    assert.equal(Number(total[2]), 853018, 'ResNet-56 (CIFAR-10, option-A shortcuts) has 853,018 parameters');
    assert.equal(total[1], '853.02K');
  });

  test('pwb datasets --json lists the embedded fashion-mnist-mini as present', async () => {
    const r = await box.runNoDb(['datasets', '--json']);
    assert.equal(r.code, 0, explain(r));
    const rows = parseJson(r.stdout, 'datasets --json') as Array<{ id: string; present: boolean; trainSize: number; testSize: number }>;
    assert.ok(Array.isArray(rows));
    const mini = rows.find((d) => d.id === 'fashion-mnist-mini');
    assert.ok(mini, `fashion-mnist-mini missing from ${r.stdout}`);
    assert.equal(mini.present, true);
    assert.equal(mini.trainSize, 6000);
    assert.equal(mini.testSize, 1000);
    // The downloadable ones are looked for in $PWB_DATASETS_DIR, which is empty here.
    for (const id of ['fashion-mnist', 'cifar10', 'cifar100']) {
      assert.equal(rows.find((d) => d.id === id)?.present, false, `${id} should not be present in an empty cache`);
    }
  });

  test('pwb train --json, then list and show the run', async () => {
    const train = await box.run([
      'train', '--arch', 'vgg_mini', '--dataset', 'fashion-mnist-mini', '--epochs', '2', '--train-limit', '256', '--test-limit', '200', '--json',
    ]);
    assert.equal(train.code, 0, explain(train));

    // stdout: exactly one JSON object, the stored run.
    const run = parseJson(train.stdout, 'train --json') as Record<string, unknown>;
    assert.equal(typeof run, 'object');
    assert.ok(run !== null && !Array.isArray(run));
    assert.equal(run.status, 'completed');
    assert.equal(run.epochsDone, 2);
    assert.equal(run.epochsPlanned, 2);
    assert.equal(run.archId, 'vgg_mini');
    assert.equal(run.datasetId, 'fashion-mnist-mini');
    assert.equal(typeof run.testAcc, 'number');
    assert.ok((run.testAcc as number) >= 0 && (run.testAcc as number) <= 1, `testAcc ${run.testAcc}`);
    assert.equal(typeof run.backendReason, 'string');
    if (nativeTfInstalled()) {
      assert.ok(['tensorflow', 'wasm'].includes(run.backend as string), `backend ${run.backend}`);
    } else {
      assert.equal(run.backend, 'wasm');
      // Says why the native backends were passed over.
      assert.match(run.backendReason as string, /@tensorflow\/tfjs-node\b[^;)]*\b(not installed|unavailable|cannot|failed)/i);
    }

    // stderr, not a TTY here: a header, then one plain line per epoch (no progress bar).
    assert.doesNotMatch(train.stderr, /\r|\x1b\[/, 'no progress-bar control characters when stderr is not a TTY');
    const errLines = lines(train.stderr);
    const epochLines = errLines.filter((l) => /^epoch \d+\/\d+ /.test(l));
    assert.equal(epochLines.length, 2, train.stderr);
    assert.match(epochLines[0]!, /^epoch 1\/2 +lr [\d.e-]+ +train loss [\d.]+ acc [\d.]+% +test loss [\d.]+ acc [\d.]+% +\d+ img\/s +[\d.]+ s$/);
    assert.match(epochLines[1]!, /^epoch 2\/2 /);
    assert.deepEqual(errLines.slice(-2), epochLines, `the epoch lines come last:\n${train.stderr}`);
    assert.match(errLines[0]!, new RegExp(`^run ${run.id}: vgg_mini on Fashion-MNIST mini .*\\b2 epochs`));
    assert.match(train.stderr, /^backend: /m);

    const counts = countRows(box.db);
    assert.equal(counts?.runs, 1);
    assert.equal(counts?.epoch_metrics, 2);

    const [list, show, showText] = await Promise.all([
      box.run(['list', '--json']),
      box.run(['show', String(run.id), '--json']),
      box.run(['show', String(run.id)]),
    ]);
    assert.equal(list.code, 0, explain(list));
    const runs = parseJson(list.stdout, 'list --json') as Array<Record<string, unknown>>;
    assert.ok(Array.isArray(runs));
    const listed = runs.find((r) => r.id === run.id);
    assert.ok(listed, `run ${run.id} missing from pwb list --json`);
    assert.equal(listed.status, 'completed');
    assert.equal(listed.testAcc, run.testAcc);

    assert.equal(show.code, 0, explain(show));
    const shown = parseJson(show.stdout, 'show --json') as { run: Record<string, unknown>; spec: { family: string }; epochs: Array<Record<string, unknown>> };
    assert.deepEqual(shown.run, run);
    assert.equal(shown.spec.family, 'vgg');
    assert.equal(shown.epochs.length, 2);
    shown.epochs.forEach((e, i) => {
      assert.equal(e.epoch, i + 1);
      for (const field of ['lr', 'trainLoss', 'testAcc', 'imagesPerSec']) {
        assert.equal(typeof e[field], 'number', `epoch ${i + 1} ${field}: ${JSON.stringify(e)}`);
      }
      assert.ok((e.lr as number) > 0);
      assert.ok((e.testAcc as number) >= 0 && (e.testAcc as number) <= 1);
      assert.ok((e.imagesPerSec as number) > 0);
    });
    assert.equal(shown.epochs[1]!.testAcc, run.testAcc, 'the run reports its last epoch');

    assert.equal(showText.code, 0, explain(showText));
    assert.match(showText.stdout, new RegExp(`^run ${run.id} +completed +train +vgg_mini on fashion-mnist-mini`, 'm'));
    assert.match(showText.stdout, /^backend: wasm|^backend: tensorflow/m);

    // Nothing went to the default locations.
    assert.equal(fs.existsSync(box.env.PWB_DB), false, '$PWB_DB used despite --db');
    assert.equal(fs.existsSync(box.env.XDG_DATA_HOME), false, 'wrote to the user data folder');
  });
});
