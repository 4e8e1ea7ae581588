/**
 * Adapts a tfjs LayersModel to the {@link ImageClassifier} interface.
 *
 * Convention shared by every model freqlens builds or imports: the model's single output is the logits,
 * and the layer whose output is the penultimate representation (the input of the final linear layer) is
 * named {@link FEATURES_LAYER}. Saved models keep that name, so a model loaded from disk works too.
 * Where the backend fuses convolutions with their post-ops (wasm with oneDNN), `logits`
 * and `features` run the model with batch-norm folded into the convolutions (./folded_inference.ts).
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { type ImageClassifier, tapedObjectiveGradient } from "./classifier.ts";
import { foldedForward } from "./folded_inference.ts";
import { foldedObjectiveGradient } from "./folded_gradient.ts";
import { convPostOpsFused } from "../backend/conv_post_ops.ts";
import { tapeOn } from "../backend/gradients.ts";

/** Name of the layer whose output is the penultimate representation. */
export const FEATURES_LAYER = "features";

/** Wraps `model` (NHWC [0,1] input, logits output, a layer named `features`) as an ImageClassifier. */
export function classifierFromLayersModel(model: tfl.LayersModel): ImageClassifier {
  const input = model.inputs[0];
  const [, h, w, c] = input.shape;
  if (h == null || w == null || c == null) {
    throw new Error(`model '${model.name}': input shape ${JSON.stringify(input.shape)} is not [N,H,W,C]`);
  }
  const outShape = model.outputs[0].shape;
  const numClasses = outShape[outShape.length - 1];
  if (numClasses == null) throw new Error(`model '${model.name}': output has no class dimension`);
  let featureModel: tfl.LayersModel | undefined;
  const featuresOf = () => {
    if (!featureModel) {
      const layer = model.getLayer(FEATURES_LAYER);
      featureModel = tfl.model({ inputs: model.inputs, outputs: layer.output as tfl.SymbolicTensor });
    }
    return featureModel;
  };
  /** `m` in inference mode, batch-norm folded where the backend fuses (the plan made once per model). */
  const inference = (m: () => tfl.LayersModel) => {
    let folded: ((x: tf.Tensor) => tf.Tensor) | undefined | null = null;
    return (images: tf.Tensor4D) => {
      if (convPostOpsFused()) {
        if (folded === null) folded = foldedForward(m());
        if (folded) return folded(images) as tf.Tensor2D;
      }
      return m().apply(images, { training: false }) as tf.Tensor2D;
    };
  };
  const logits = inference(() => model);
  const features = inference(featuresOf);
  let explicit: ReturnType<typeof foldedObjectiveGradient> | null = null;
  // Attacks' gradient steps: without a tape over the network where the model folds (./folded_gradient.ts).
  const classifier: ImageClassifier = {
    inputShape: [h, w, c] as const,
    numClasses,
    logits,
    features,
    objectiveGradient: (images, objective) => {
      if (convPostOpsFused() && !tapeOn()) {
        if (explicit === null) explicit = foldedObjectiveGradient(model);
        if (explicit) return explicit(images, objective);
      }
      return tapedObjectiveGradient(classifier, images, objective);
    },
  };
  return classifier;
}
