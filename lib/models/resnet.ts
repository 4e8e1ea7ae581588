/**
 * The CIFAR ResNet of He et al. 2016 (§4.2): depth 6n+2 — a 3×3 conv with 16 filters, three stages of n
 * basic blocks with 16, 32, 64 filters (the 2nd and 3rd stage start with stride 2), global average pooling
 * (named `features`) and a linear layer. Basic block: conv3×3 → BN → ReLU → conv3×3 → BN, plus the shortcut,
 * then ReLU. Shortcuts across a width change are option A by default (parameter-free: subsample and
 * zero-pad channels, the paper's CIFAR choice; ResNet-20 then has 269,722 trainable parameters ≈ 0.27M) or
 * option B (1×1 conv with stride + BN).
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
import { PadShortcut } from "./layers.ts";

/** Options of {@link cifarResNet}. */
export interface ResNetOptions extends BaseArchOptions {
  /** Total depth 6n+2 (20, 32, 44, 56, 110…); default 20. */
  depth?: number;
  /** Filters of the three stages (default [16, 32, 64]). */
  widths?: readonly [number, number, number];
  /** Shortcut across a width/stride change: `A` (zero-pad, default) or `B` (1×1 conv + BN). */
  shortcut?: "A" | "B";
}

type T = tfl.SymbolicTensor;

function conv3(x: T, filters: number, stride: number, name: string, seed: number): T {
  return tfl.layers.conv2d({
    filters,
    kernelSize: 3,
    strides: stride,
    padding: "same",
    useBias: false,
    kernelInitializer: heInit(seed, name),
    name,
  }).apply(x) as T;
}

function basicBlock(
  x: T,
  filters: number,
  stride: number,
  shortcut: "A" | "B",
  name: string,
  seed: number,
): T {
  const inChannels = x.shape[3] as number;
  let y = conv3(x, filters, stride, `${name}_conv1`, seed);
  y = batchNorm(`${name}_bn1`).apply(y) as T;
  y = tfl.layers.reLU({ name: `${name}_relu1` }).apply(y) as T;
  y = conv3(y, filters, 1, `${name}_conv2`, seed);
  y = batchNorm(`${name}_bn2`).apply(y) as T;
  let s = x;
  if (stride !== 1 || inChannels !== filters) {
    if (shortcut === "A") {
      s = new PadShortcut({ stride, outChannels: filters, name: `${name}_shortcut` }).apply(x) as T;
    } else {
      s = tfl.layers.conv2d({
        filters,
        kernelSize: 1,
        strides: stride,
        useBias: false,
        kernelInitializer: heInit(seed, `${name}_shortcut_conv`),
        name: `${name}_shortcut_conv`,
      }).apply(x) as T;
      s = batchNorm(`${name}_shortcut_bn`).apply(s) as T;
    }
  }
  const sum = tfl.layers.add({ name: `${name}_add` }).apply([y, s]) as T;
  return tfl.layers.reLU({ name: `${name}_relu2` }).apply(sum) as T;
}

/** Builds the CIFAR ResNet of depth 6n+2 (see the module doc). */
export function cifarResNet(options: ResNetOptions): tfl.LayersModel {
  const depth = options.depth ?? 20;
  const widths = options.widths ?? [16, 32, 64];
  const shortcut = options.shortcut ?? "A";
  if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
    throw new ArchitectureError(`resnet: depth ${depth} is not 6n+2 with n ≥ 1 (20, 32, 44, 56, 110…)`);
  }
  if (widths.length !== 3 || widths.some((w) => !Number.isInteger(w) || w < 1)) {
    throw new ArchitectureError(`resnet: widths ${JSON.stringify(widths)} must be three positive integers`);
  }
  if (shortcut !== "A" && shortcut !== "B") {
    throw new ArchitectureError(`resnet: shortcut '${shortcut}' not A or B`);
  }
  const n = (depth - 2) / 6;
  const { input, normalized, seed } = inputAndNormalize(options);
  let x = conv3(normalized, widths[0], 1, "conv1", seed);
  x = batchNorm("bn1").apply(x) as T;
  x = tfl.layers.reLU({ name: "relu1" }).apply(x) as T;
  widths.forEach((filters, stage) => {
    for (let b = 0; b < n; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      x = basicBlock(x, filters, stride, shortcut, `stage${stage + 1}_block${b + 1}`, seed);
    }
  });
  const features = tfl.layers.globalAveragePooling2d({ name: FEATURES_LAYER }).apply(x) as T;
  const model = tfl.model({
    inputs: input,
    outputs: logitsHead(features, options.numClasses, seed),
    name: `resnet${depth}`,
  });
  assertFeaturesLayer(model);
  return model;
}
