/**
 * What every freqlens architecture builder shares: the input and normaliser at the front, the
 * `features` → logits head at the back, and option checking. Images are NHWC float32 in [0, 1].
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { FEATURES_LAYER } from "./layers_classifier.ts";
import { Normalize } from "./layers.ts";
import { glorotInit } from "./init.ts";

/** Options every architecture takes. */
export interface BaseArchOptions {
  /** `[H, W, C]` of the input images. */
  inputShape: readonly [number, number, number];
  /** Number of classes (logits). */
  numClasses: number;
  /** Per-channel mean subtracted inside the model (length C); default 0.5 per channel. */
  mean?: readonly number[];
  /** Per-channel standard deviation divided inside the model (length C); default 0.5 per channel. */
  std?: readonly number[];
  /** Initialisation seed: same seed, same weights (default 0). */
  seed?: number;
}

/** An architecture option that cannot be built; names the option and value. */
export class ArchitectureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArchitectureError";
  }
}

/** Validates the base options and returns the model input and the normalised tensor behind it. */
export function inputAndNormalize(
  options: BaseArchOptions,
): { input: tfl.SymbolicTensor; normalized: tfl.SymbolicTensor; seed: number } {
  const [h, w, c] = options.inputShape;
  for (
    const [name, v] of [["height", h], ["width", w], ["channels", c], ["numClasses", options.numClasses]]
  ) {
    if (!Number.isInteger(v) || (v as number) < 1) {
      throw new ArchitectureError(`${name} ${v} must be a positive integer`);
    }
  }
  const mean = [...(options.mean ?? new Array(c).fill(0.5))];
  const std = [...(options.std ?? new Array(c).fill(0.5))];
  if (mean.length !== c || std.length !== c) {
    throw new ArchitectureError(
      `mean (length ${mean.length}) and std (length ${std.length}) need ${c} channels`,
    );
  }
  const input = tfl.input({ shape: [h, w, c], name: "images" });
  const normalized = new Normalize({ mean, std, name: "normalize" }).apply(input) as tfl.SymbolicTensor;
  return { input, normalized, seed: options.seed ?? 0 };
}

/** The final linear layer on top of the `features` tensor; the model's single output is its logits. */
export function logitsHead(
  features: tfl.SymbolicTensor,
  numClasses: number,
  seed: number,
): tfl.SymbolicTensor {
  return tfl.layers.dense({
    units: numClasses,
    name: "logits",
    kernelInitializer: glorotInit(seed, "logits"),
    biasInitializer: "zeros",
  }).apply(features) as tfl.SymbolicTensor;
}

/** Asserts that the layer named `features` feeds the logits (the layers_classifier convention). */
export function assertFeaturesLayer(model: tfl.LayersModel): void {
  const layer = model.getLayer(FEATURES_LAYER);
  if (!layer) throw new ArchitectureError(`model '${model.name}' has no layer named '${FEATURES_LAYER}'`);
}

/** Batch normalisation with PyTorch's defaults (momentum 0.1 in PyTorch's convention, ε = 1e-5). */
export function batchNorm(name: string): tfl.layers.Layer {
  return tfl.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name });
}
