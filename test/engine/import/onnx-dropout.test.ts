// ONNX Dropout (PyTorch's eval-mode export leaves none: this model is written with onnx-proto itself):
// its ratio, from the constant second input (opset ≥ 12) or the attribute (older opsets), becomes a graph
// dropout node — the identity at inference, so logits are the same as without it — and a ratio outside
// [0, 1) is refused naming the node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import onnxProto from 'onnx-proto';
import { importOnnx } from '../../../src-main/engine/import/onnx-model.ts';
import { validateSpec } from '../../../src-main/engine/models/register-all.ts';
import { ValidationError } from '../../../src-shared/errors.ts';
import * as tf from '../../../src-main/engine/tf.ts';
import { evalLogits } from '../pruning/helpers.ts';

const { onnx } = onnxProto;
const FLOAT = 1;
const tensor = (name: string, dims: number[], values: number[]) => onnx.TensorProto.create({ name, dims, dataType: FLOAT, floatData: values });
const seq = (n: number, scale: number) => Array.from({ length: n }, (_, i) => Math.sin(i + 1) * scale);

/** input [1, 2, 4, 4] → Conv(3, 1×1) → Dropout → GlobalAveragePool → Flatten → Gemm(10). */
function model(dropout: 'input' | 'attribute' | 'none', ratio: number): Uint8Array {
  const initializer = [tensor('w', [3, 2, 1, 1], seq(6, 0.5)), tensor('fc_w', [10, 3], seq(30, 0.3)), tensor('fc_b', [10], seq(10, 0.1))];
  if (dropout === 'input') initializer.push(tensor('ratio', [], [ratio]));
  const node = [onnx.NodeProto.create({ opType: 'Conv', name: '/conv/Conv', input: ['x', 'w'], output: ['c'] })];
  let pooled = 'c';
  if (dropout !== 'none') {
    node.push(onnx.NodeProto.create({
      opType: 'Dropout', name: '/drop/Dropout', input: dropout === 'input' ? ['c', 'ratio'] : ['c'], output: ['d'],
      attribute: dropout === 'attribute' ? [onnx.AttributeProto.create({ name: 'ratio', type: onnx.AttributeProto.AttributeType.FLOAT, f: ratio })] : [],
    }));
    pooled = 'd';
  }
  node.push(
    onnx.NodeProto.create({ opType: 'GlobalAveragePool', name: '/gap', input: [pooled], output: ['g'] }),
    onnx.NodeProto.create({ opType: 'Flatten', name: '/flat', input: ['g'], output: ['f'] }),
    onnx.NodeProto.create({
      opType: 'Gemm', name: '/fc/Gemm', input: ['f', 'fc_w', 'fc_b'], output: ['logits'],
      attribute: [onnx.AttributeProto.create({ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 })],
    }),
  );
  const dim = (v: number) => onnx.TensorShapeProto.Dimension.create({ dimValue: v });
  const value = (name: string, dims: number[]) => onnx.ValueInfoProto.create({
    name, type: onnx.TypeProto.create({ tensorType: onnx.TypeProto.Tensor.create({ elemType: FLOAT, shape: onnx.TensorShapeProto.create({ dim: dims.map(dim) }) }) }),
  });
  const graph = onnx.GraphProto.create({ name: 'g', node, initializer, input: [value('x', [1, 2, 4, 4])], output: [value('logits', [1, 10])] });
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 7, graph, opsetImport: [onnx.OperatorSetIdProto.create({ version: 13 })] })).finish();
}

test('ONNX Dropout becomes a dropout node (the ratio from its input or attribute), the identity at inference', async () => {
  await tf.setBackend('cpu');
  const plain = importOnnx(model('none', 0), 'plain.onnx');
  const x = tf.randomNormal([2, 4, 4, 2], 0, 1, 'float32', 5);
  const expected = await evalLogits(plain.spec, plain.weights, x);
  for (const [how, ratio] of [['input', 0.25], ['attribute', 0.4]] as const) {
    const imported = importOnnx(model(how, ratio), `${how}.onnx`);
    validateSpec(imported.spec);
    const node = imported.spec.nodes.find((n) => n.op === 'dropout');
    assert.ok(node && node.op === 'dropout' && Math.abs(node.rate - ratio) < 1e-7, JSON.stringify(imported.spec.nodes));
    assert.deepEqual(await evalLogits(imported.spec, imported.weights, x), expected, `${how}: eval logits as without the dropout`);
  }
  assert.equal(importOnnx(model('input', 0), 'zero.onnx').spec.nodes.some((n) => n.op === 'dropout'), false, 'ratio 0 is the identity');
  assert.throws(
    () => importOnnx(model('input', 1), 'all.onnx'),
    (e: unknown) => e instanceof ValidationError && /^all\.onnx: ONNX node '\/drop\/Dropout' \(op Dropout\) drops with ratio 1; a ratio in \[0, 1\) is supported$/.test(e.message),
  );
  x.dispose();
});
