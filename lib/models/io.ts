/**
 * Saving and loading LayersModels in the TensorFlow.js format on the local file system, with Deno file I/O
 * (tfjs' own `file://` handlers need tfjs-node): a directory holding `model.json` (topology, weights
 * manifest, `format: "layers-model"`) and `weights.bin`. Both files are written atomically, weights first,
 * so a directory with a `model.json` always holds a complete model. Loading accepts any tfjs LayersModel
 * directory (several weight groups and shards too) and registers freqlens' custom layers first.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { dirname, isAbsolute, join, normalize, relative } from "node:path";
import { writeFileAtomic } from "../io/atomic.ts";
import { assertFiniteWeights } from "./finite.ts";
import "./layers.ts";

/** Name of the topology file inside a model directory. */
export const MODEL_JSON = "model.json";
/** Name of the weights file freqlens writes. */
export const WEIGHTS_BIN = "weights.bin";

/** A model directory that is missing, unreadable or malformed; names the file. */
export class ModelFormatError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
    this.name = "ModelFormatError";
  }
}

function bytesOf(weightData: tf.io.WeightData | undefined): Uint8Array {
  if (weightData == null) return new Uint8Array(0);
  const buffers = Array.isArray(weightData) ? weightData : [weightData];
  return new Uint8Array(tf.io.concatenateArrayBuffers(buffers));
}

async function readBytes(file: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(file);
  } catch (err) {
    throw new ModelFormatError(file, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * A `tf.io.IOHandler` over a directory: `save` writes `model.json` + `weights.bin` atomically (creating
 * the directory), `load` reads them back (or any tfjs LayersModel directory).
 */
export function fileSystemHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new ModelFormatError(
          join(dir, MODEL_JSON),
          "binary (graph-model) topologies are not supported",
        );
      }
      await Deno.mkdir(dir, { recursive: true });
      const weights = bytesOf(artifacts.weightData);
      await writeFileAtomic(join(dir, WEIGHTS_BIN), weights);
      const json: Record<string, unknown> = {
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? "freqlens lib/models",
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig) json.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata) json.userDefinedMetadata = artifacts.userDefinedMetadata;
      const text = JSON.stringify(json);
      await writeFileAtomic(join(dir, MODEL_JSON), text);
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: "JSON",
          modelTopologyBytes: text.length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weights.length,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const file = join(dir, MODEL_JSON);
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(new TextDecoder().decode(await readBytes(file)));
      } catch (err) {
        if (err instanceof ModelFormatError) throw err;
        throw new ModelFormatError(
          file,
          `not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      if (json.modelTopology == null || typeof json.modelTopology !== "object") {
        throw new ModelFormatError(file, "no modelTopology object (is this a TensorFlow.js LayersModel?)");
      }
      if (json.format != null && json.format !== "layers-model") {
        throw new ModelFormatError(file, `format '${json.format}' is not a layers-model`);
      }
      const manifest = (json.weightsManifest ?? []) as tf.io.WeightsManifestConfig;
      if (!Array.isArray(manifest)) throw new ModelFormatError(file, "weightsManifest is not an array");
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      for (const group of manifest) {
        specs.push(...group.weights);
        for (const p of group.paths) {
          const target = normalize(join(dir, p));
          if (isAbsolute(p) || relative(dir, target).startsWith("..")) {
            throw new ModelFormatError(file, `weight path '${p}' leaves the model directory`);
          }
          buffers.push((await readBytes(target)).slice().buffer);
        }
      }
      const weightData = tf.io.concatenateArrayBuffers(buffers);
      const expected = specs.reduce((sum, s) => sum + weightBytes(s), 0);
      if (expected !== weightData.byteLength) {
        throw new ModelFormatError(
          file,
          `weights manifest needs ${expected} bytes but the weight files hold ${weightData.byteLength}`,
        );
      }
      return {
        modelTopology: json.modelTopology as object,
        format: json.format as string | undefined,
        generatedBy: json.generatedBy as string | undefined,
        convertedBy: json.convertedBy as string | undefined,
        trainingConfig: json.trainingConfig as tf.io.TrainingConfig | undefined,
        userDefinedMetadata: json.userDefinedMetadata as tf.io.ModelArtifacts["userDefinedMetadata"],
        weightSpecs: specs,
        weightData,
      };
    },
  };
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, string: 0 };

function weightBytes(spec: tf.io.WeightsManifestEntry): number {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.quantization) {
    const q = spec.quantization.dtype;
    return size * (q === "uint8" ? 1 : q === "uint16" || q === "float16" ? 2 : 4);
  }
  return size * (DTYPE_BYTES[spec.dtype] ?? 4);
}

/**
 * Saves `model` to directory `dir` in the TensorFlow.js LayersModel format (atomic writes). A model with
 * a non-finite weight is refused ({@link assertFiniteWeights}) before anything is written.
 */
export async function saveModel(model: tfl.LayersModel, dir: string): Promise<void> {
  assertFiniteWeights(model, `saving model to ${dir}`);
  await model.save(fileSystemHandler(dir));
}

/** The model directory a path names: a directory holding `model.json`, a stage entry holding `model/`,
 * or the `model.json` file itself. */
export async function resolveModelDir(path: string): Promise<string> {
  if (path.endsWith(".json")) return dirname(path);
  for (const candidate of [path, join(path, "model")]) {
    try {
      const st = await Deno.stat(join(candidate, MODEL_JSON));
      if (st.isFile) return candidate;
    } catch {
      // not here; try the next candidate
    }
  }
  throw new ModelFormatError(path, `no ${MODEL_JSON} here or in ${join(path, "model")}`);
}

/**
 * Loads a TensorFlow.js LayersModel from `path` (see {@link resolveModelDir}) — one freqlens saved, or a
 * user's own (any layers-model directory, e.g. written by `tfjs.converters.save_keras_model`). A model
 * with a non-finite weight is refused with a `NonFiniteWeightsError` naming the layer.
 */
export async function loadModel(path: string): Promise<tfl.LayersModel> {
  const dir = await resolveModelDir(path);
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(fileSystemHandler(dir));
  } catch (err) {
    if (err instanceof ModelFormatError) throw err;
    throw new ModelFormatError(
      join(dir, MODEL_JSON),
      `cannot build the model: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  try {
    assertFiniteWeights(model, join(dir, WEIGHTS_BIN));
  } catch (err) {
    model.dispose();
    throw err;
  }
  return model;
}
