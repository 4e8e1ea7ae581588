/**
 * A VGG-style net (Simonyan & Zisserman 2015, sized for 28–32 px images): stages of `convsPerStage`
 * 3×3 conv → BN → ReLU blocks, each stage followed by 2×2 max-pooling, then flatten → dense `hidden` + ReLU
 * (named `features`) → dense logits.
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

/** Options of {@link vggNet}. */
export interface VggOptions extends BaseArchOptions {
  /** Filters per stage (default [64, 128, 256]). */
  widths?: readonly number[];
  /** 3×3 convs per stage (default 2). */
  convsPerStage?: number;
  /** Width of the `features` layer (default 256). */
  hidden?: number;
}

type T = tfl.SymbolicTensor;

/** Builds the VGG-style net (see the module doc). */
export function vggNet(options: VggOptions): tfl.LayersModel {
  const widths = options.widths ?? [64, 128, 256];
  const convs = options.convsPerStage ?? 2;
  const hidden = options.hidden ?? 256;
  if (widths.length === 0 || widths.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new ArchitectureError(`vgg: widths ${JSON.stringify(widths)} must be positive integers`);
  }
  if (!Number.isInteger(convs) || convs < 1) {
    throw new ArchitectureError(`vgg: convsPerStage ${convs} invalid`);
  }
  if (!Number.isInteger(hidden) || hidden < 1) throw new ArchitectureError(`vgg: hidden ${hidden} invalid`);
  const { input, normalized, seed } = inputAndNormalize(options);
  let x = normalized;
  widths.forEach((filters, s) => {
    for (let c = 0; c < convs; c++) {
      const name = `stage${s + 1}_conv${c + 1}`;
      x = tfl.layers.conv2d({
        filters,
        kernelSize: 3,
        padding: "same",
        useBias: false,
        kernelInitializer: heInit(seed, name),
        name,
      }).apply(x) as T;
      x = batchNorm(`stage${s + 1}_bn${c + 1}`).apply(x) as T;
      x = tfl.layers.reLU({ name: `stage${s + 1}_relu${c + 1}` }).apply(x) as T;
    }
    x = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `stage${s + 1}_pool` }).apply(x) as T;
  });
  x = tfl.layers.flatten({ name: "flatten" }).apply(x) as T;
  const features = tfl.layers.dense({
    units: hidden,
    activation: "relu",
    kernelInitializer: heInit(seed, FEATURES_LAYER),
    name: FEATURES_LAYER,
  }).apply(x) as T;
  const model = tfl.model({
    inputs: input,
    outputs: logitsHead(features, options.numClasses, seed),
    name: "vgg",
  });
  assertFeaturesLayer(model);
  return model;
}
