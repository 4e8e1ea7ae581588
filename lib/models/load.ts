/**
 * From a path on disk to an {@link ImageClassifier}: loads the LayersModel and checks freqlens'
 * convention (one NHWC image input, a single logits output, a layer named `features`).
 */
import type * as tfl from "@tensorflow/tfjs-layers";
import type { ImageClassifier } from "./classifier.ts";
import { classifierFromLayersModel, FEATURES_LAYER } from "./layers_classifier.ts";
import { loadModel, ModelFormatError } from "./io.ts";

/** Throws a {@link ModelFormatError} naming `source` when `model` breaks the classifier convention. */
export function checkClassifierConvention(model: tfl.LayersModel, source: string): void {
  if (model.inputs.length !== 1 || model.inputs[0].shape.length !== 4) {
    throw new ModelFormatError(
      source,
      `expected one image input [N,H,W,C], got ${JSON.stringify(model.inputs.map((i) => i.shape))}`,
    );
  }
  if (model.outputs.length !== 1 || model.outputs[0].shape.length !== 2) {
    throw new ModelFormatError(
      source,
      `expected a single logits output [N,classes], got ${JSON.stringify(model.outputs.map((o) => o.shape))}`,
    );
  }
  if (!model.layers.some((l) => l.name === FEATURES_LAYER)) {
    throw new ModelFormatError(
      source,
      `no layer named '${FEATURES_LAYER}' (name the penultimate layer '${FEATURES_LAYER}' so features() works)`,
    );
  }
}

/** A loaded model both as the tfjs LayersModel (to dispose or fine-tune) and as an ImageClassifier. */
export interface LoadedClassifier {
  model: tfl.LayersModel;
  classifier: ImageClassifier;
}

/** Loads the model under `path` (a model directory, a stage entry with `model/`, or a `model.json`). */
export async function loadClassifierModel(path: string): Promise<LoadedClassifier> {
  const model = await loadModel(path);
  checkClassifierConvention(model, path);
  return { model, classifier: classifierFromLayersModel(model) };
}

/** Loads the model under `path` as an {@link ImageClassifier} (images NHWC in [0, 1]). */
export async function loadClassifier(path: string): Promise<ImageClassifier> {
  return (await loadClassifierModel(path)).classifier;
}
