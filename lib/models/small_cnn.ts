/**
 * A small CNN for 28×28×1 (MNIST, Fashion-MNIST) and 32×32×3 (CIFAR-10) images:
 * normalise → [conv 3×3 (+BN) → ReLU → max-pool 2×2] per entry of `channels` → flatten →
 * dense `hidden` + ReLU (named `features`) → dense logits. Cheap enough to train on a CPU.
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { FEATURES_LAYER } from "./layers_classifier.ts";
import {
  ArchitectureError,
  assertFeaturesLayer,
  type BaseArchOptions,
  batchNorm,
  inputAndNormalize,
  logitsHead,
} from "./arch_common.ts";
import { heInit } from "./init.ts";

/** Options of {@link smallCnn}. */
export interface SmallCnnOptions extends BaseArchOptions {
  /** Filters of each conv stage (default [32, 64]); each stage halves the resolution. */
  channels?: readonly number[];
  /** Width of the `features` layer (default 128). */
  hidden?: number;
  /** Batch normalisation after each conv (default false). */
  batchNorm?: boolean;
}

/** Builds the small CNN (see the module doc). */
export function smallCnn(options: SmallCnnOptions): tfl.LayersModel {
  const channels = options.channels ?? [32, 64];
  const hidden = options.hidden ?? 128;
  if (channels.length === 0 || channels.some((c) => !Number.isInteger(c) || c < 1)) {
    throw new ArchitectureError(`small_cnn: channels ${JSON.stringify(channels)} must be positive integers`);
  }
  if (!Number.isInteger(hidden) || hidden < 1) {
    throw new ArchitectureError(`small_cnn: hidden ${hidden} invalid`);
  }
  const { input, normalized, seed } = inputAndNormalize(options);
  let x = normalized;
  channels.forEach((filters, i) => {
    const name = `conv${i + 1}`;
    x = tfl.layers.conv2d({
      filters,
      kernelSize: 3,
      padding: "same",
      useBias: !options.batchNorm,
      kernelInitializer: heInit(seed, name),
      name,
    }).apply(x) as tfl.SymbolicTensor;
    if (options.batchNorm) x = batchNorm(`bn${i + 1}`).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.reLU({ name: `relu${i + 1}` }).apply(x) as tfl.SymbolicTensor;
    x = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${i + 1}` }).apply(
      x,
    ) as tfl.SymbolicTensor;
  });
  x = tfl.layers.flatten({ name: "flatten" }).apply(x) as tfl.SymbolicTensor;
  const features = tfl.layers.dense({
    units: hidden,
    activation: "relu",
    kernelInitializer: heInit(seed, FEATURES_LAYER),
    name: FEATURES_LAYER,
  }).apply(x) as tfl.SymbolicTensor;
  const model = tfl.model({
    inputs: input,
    outputs: logitsHead(features, options.numClasses, seed),
    name: "small_cnn",
  });
  assertFeaturesLayer(model);
  return model;
}
