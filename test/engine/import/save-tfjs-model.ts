// Saves a tfjs Layers model as tfjs's file handler lays it out — folder/model.json and folder/weights.bin —
// for the import tests (tfjs-node's `file://` handler is not needed). Returns model.json's path.
// saveTinyTfjsCnn: the small Fashion-MNIST-shaped CNN the CLI, API and UI import tests share.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs';

export async function saveTfjsModel(model: tfl.LayersModel, folder: string): Promise<string> {
  await model.save(tfl.io.withSaveHandler(async (a) => {
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
    writeFileSync(join(folder, 'model.json'), JSON.stringify({
      modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy ?? null,
      weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
    }));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return join(folder, 'model.json');
}

/** A small Fashion-MNIST-shaped CNN (`width` filters in its first conv, a softmax head), saved into `folder`. */
export async function saveTinyTfjsCnn(folder: string, width = 8): Promise<string> {
  await tfl.setBackend('cpu');
  const model = tfl.sequential({
    name: 'tiny_cnn',
    layers: [
      tfl.layers.conv2d({ inputShape: [28, 28, 1], filters: width, kernelSize: 3, padding: 'same', useBias: false, name: 'c1' }),
      tfl.layers.batchNormalization({ name: 'b1' }),
      tfl.layers.reLU({ name: 'r1' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'p1' }),
      tfl.layers.conv2d({ filters: 16, kernelSize: 3, padding: 'same', useBias: false, name: 'c2' }),
      tfl.layers.batchNormalization({ name: 'b2' }),
      tfl.layers.reLU({ name: 'r2' }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ units: 10, activation: 'softmax', name: 'out' }),
    ],
  });
  const path = await saveTfjsModel(model, folder);
  model.dispose();
  return path;
}
