// The workbench's importModel call (what the New experiment form's file picker sends): the files of a
// TF.js model, as base64, become a graph ArchSpec and a weights checkpoint in a new folder beside the
// database, as `pwb import-model` writes them; the spec and weights then start an experiment's
// estimate. Bad file sets are refused in one line, nothing written.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import '../../src-main/engine/tf.ts';
import { createWorkbench } from '../../src-main/api/workbench.ts';
import { readCheckpoint } from '../../src-main/engine/training/checkpoint.ts';
import { dispatchCall } from '../../src-shared/workbench-args.ts';
import { saveTinyTfjsCnn } from '../engine/import/save-tfjs-model.ts';
import { tempDir } from './helpers.ts';

const tmp = tempDir('pwb-import-call-');
after(() => tmp.remove());

test('importModel: a TF.js model.json and its weights file become arch.json and weights.ckpt beside the database', async () => {
  const modelJson = await saveTinyTfjsCnn(path.join(tmp.dir, 'tfjs'));
  const dbPath = path.join(tmp.dir, 'wb.sqlite');
  const wb = createWorkbench({ dbPath, warmUp: false });
  try {
    const files = ['model.json', 'weights.bin'].map((name) => ({ name, base64: readFileSync(path.join(path.dirname(modelJson), name)).toString('base64') }));
    const info = await wb.api.importModel({ files });
    assert.equal(path.dirname(info.archFile), path.join(`${dbPath}.imports`, 'tiny_cnn'));
    assert.deepEqual(JSON.parse(readFileSync(info.archFile, 'utf8')), info.spec);
    assert.deepEqual([info.spec.family, info.spec.input, info.spec.classes, info.prunableLayers], ['graph', [28, 28, 1], 10, 2]);
    assert.ok(info.notes.some((n) => /softmax is dropped/.test(n)), info.notes.join('; '));
    assert.equal(readCheckpoint(info.weightsFile).weights.get('c1.weight')?.length, 72);

    // A second import of the same model gets a folder of its own; the first is left as it was.
    const before = readFileSync(info.weightsFile);
    const again = await wb.api.importModel({ files });
    assert.equal(path.basename(path.dirname(again.archFile)), 'tiny_cnn-2');
    assert.deepEqual(readFileSync(info.weightsFile), before);

    // The imported spec and weights are what an experiment names.
    const estimate = await wb.api.estimateCost({
      spec: {
        version: 1, name: 'imported', dataset: 'fashion-mnist-mini', arch: info.spec, baselineWeights: info.weightsFile, baselineTrained: true,
        method: { id: 'l1_norm', params: { ratio: 0.5 } }, regimes: ['finetune'], seeds: [1], baseline: { epochs: 1 },
      },
    });
    assert.ok(estimate.pruned !== null && estimate.pruned.params < estimate.base.params, JSON.stringify(estimate));

    const folders = readdirSync(`${dbPath}.imports`).sort();
    const refusals: Array<[unknown, RegExp]> = [
      [{ files: [files[0]] }, /model\.json: its weights file 'weights\.bin' is not beside it/],
      [{ files: [files[1]] }, /field 'files': give one \.onnx file, or one TF\.js model\.json with its weight files \(got none among weights\.bin\)/],
      [{ files: [{ name: '../model.json', base64: files[0]!.base64 }, files[1]] }, /field 'files': '\.\.\/model\.json' is not a plain file name/],
      [{ files: [{ name: 'model.onnx', base64: Buffer.from('not a model').toString('base64') }] }, /^model\.onnx: /],
      [{ files: [{ name: 'model.json', base64: '%%%' }] }, /field 'files\.0\.base64': not base64/],
    ];
    for (const [args, message] of refusals) {
      const reply = await dispatchCall(wb.api, 'importModel', args);
      assert.equal(reply.ok, false);
      if (!reply.ok) {
        assert.equal(reply.error.code, 'VALIDATION', reply.error.message);
        assert.match(reply.error.message, message);
        assert.doesNotMatch(reply.error.message, /\n/);
      }
    }
    assert.deepEqual(readdirSync(`${dbPath}.imports`).sort(), folders, 'nothing written by a refused import');
    assert.equal(existsSync(path.join(`${dbPath}.imports`, 'tiny_cnn-3')), false);
  } finally {
    await wb.close();
  }
});
