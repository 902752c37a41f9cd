// Saves a tfjs Layers model as tfjs's file handler lays it out — folder/model.json and folder/weights.bin —
// for the import tests (tfjs-node's `file://` handler is not needed). Returns model.json's path.
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
