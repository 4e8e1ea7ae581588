/**
 * Minimal saving and loading of a LayersModel in the TensorFlow.js format on the local file system:
 * `model.json` (topology + weights manifest, `format: "layers-model"`) and one `weights.bin`, the layout
 * `tf.io` file handlers write, written atomically. (freqlens' general `lib/models` save/load had not landed
 * when the importer was written; any standard tfjs loader reads these files.)
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { join } from "node:path";
import { writeFileAtomic } from "../../io/atomic.ts";

/** Writes `model` to `dir` (created if needed) as `model.json` + `weights.bin`. */
export async function saveLayersModelToDir(model: tfl.LayersModel, dir: string): Promise<void> {
  await Deno.mkdir(dir, { recursive: true });
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    const weightData = artifacts.weightData;
    const buffers = weightData == null ? [] : Array.isArray(weightData) ? weightData : [weightData];
    const bytes = new Uint8Array(tf.io.concatenateArrayBuffers(buffers));
    await writeFileAtomic(join(dir, "weights.bin"), bytes);
    const modelJson = {
      modelTopology: artifacts.modelTopology,
      format: artifacts.format ?? "layers-model",
      generatedBy: artifacts.generatedBy,
      convertedBy: "freqlens lib/models/import",
      weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs ?? [] }],
    };
    await writeFileAtomic(join(dir, "model.json"), JSON.stringify(modelJson));
    return {
      modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON", weightDataBytes: bytes.length },
    };
  }));
}

/** Loads a LayersModel saved by {@link saveLayersModelToDir} (or any single-directory tfjs save). */
export async function loadLayersModelFromDir(dir: string): Promise<tfl.LayersModel> {
  const modelJson = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: ArrayBuffer[] = [];
  for (const group of modelJson.weightsManifest as tf.io.WeightsManifestConfig) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push((await Deno.readFile(join(dir, p))).slice().buffer);
  }
  return await tfl.loadLayersModel(tf.io.fromMemory({
    modelTopology: modelJson.modelTopology,
    weightSpecs: specs,
    weightData: tf.io.concatenateArrayBuffers(buffers),
    format: modelJson.format,
  }));
}
