/**
 * A small model trained in seconds on the planted-frequency dataset (lib/datasets), for tests that need a
 * trained model with a known right answer: dense 32 (ReLU, named `features`) → dense logits, Adam, seeded.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { plantedDataset } from "../../lib/datasets/planted.ts";
import type { Dataset } from "../../lib/datasets/types.ts";
import type { ImageClassifier } from "../../lib/models/classifier.ts";
import { classifierFromLayersModel } from "../../lib/models/layers_classifier.ts";

/** The planted dataset (12×12, 1 channel, 4 classes) and a model trained on it. */
export async function trainedPlantedModel(): Promise<
  { data: Dataset; model: tfl.LayersModel; classifier: ImageClassifier }
> {
  const data = plantedDataset({ size: 12, numClasses: 4, trainPerClass: 150, testPerClass: 25, seed: 1 });
  const [n, h, w, c] = data.train.shape;
  const input = tfl.input({ shape: [h, w, c] });
  const flat = tfl.layers.flatten().apply(input) as tfl.SymbolicTensor;
  const init = (seed: number) => tfl.initializers.glorotUniform({ seed });
  const features = tfl.layers.dense({
    units: 32,
    activation: "relu",
    name: "features",
    kernelInitializer: init(1),
  })
    .apply(flat) as tfl.SymbolicTensor;
  const logits = tfl.layers.dense({ units: 4, kernelInitializer: init(2) }).apply(
    features,
  ) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: input, outputs: logits });
  // The model outputs logits, so the loss is softmax cross-entropy on one-hot labels.
  model.compile({ optimizer: tf.train.adam(0.01), loss: tf.losses.softmaxCrossEntropy });
  const x = tf.tensor4d(data.train.images, [n, h, w, c]);
  const y = tf.oneHot(tf.tensor1d(data.train.labels, "int32"), 4);
  await model.fit(x, y, { epochs: 15, batchSize: 50, shuffle: false, verbose: 0 });
  tf.dispose([x, y]);
  return { data, model, classifier: classifierFromLayersModel(model) };
}
