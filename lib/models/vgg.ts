/**
 * VGG nets (Simonyan & Zisserman 2015) for 28–32 px images: stages of 3×3 conv → BN → ReLU blocks, each
 * stage followed by 2×2 max-pooling, then flatten → dense + ReLU layers (the last one named `features`)
 * → dense logits.
 *
 * Two ways to size one:
 * - `depth` 11, 13, 16 or 19: the paper's configurations A, B, D, E (torchvision's `vgg<depth>_bn`) as
 *   used on CIFAR-10 by the authors' code (`vgg_attack_CIFAR/vgg.py`): widths 64, 128, 256, 512, 512 with
 *   {@link VGG_CONVS}[depth] convs per stage — five poolings take 32×32 to 1×1 — and a 512 → 512 → 512
 *   classifier head; `widthMultiplier` scales every conv and hidden width (rounded, at least 1) so the
 *   same 19 layers fit a CPU budget. Differences from the authors' net: no dropout in the head (their two
 *   dropout 0.5 layers; freqlens trains without unseeded randomness) and no conv bias (a bias before
 *   batch-norm is cancelled by the BN mean; PyTorch's count is higher by the sum of conv widths).
 * - otherwise `widths`, `convsPerStage`, `hidden` directly (default a 3-stage 64/128/256 net, 2 convs per
 *   stage, one hidden layer of 256).
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

/** Convs per stage of the paper's VGG configurations by depth (A, B, D, E: weight layers = Σ + 3). */
export const VGG_CONVS: Readonly<Record<11 | 13 | 16 | 19, readonly number[]>> = {
  11: [1, 1, 2, 2, 2],
  13: [2, 2, 2, 2, 2],
  16: [2, 2, 3, 3, 3],
  19: [2, 2, 4, 4, 4],
};
/** Stage widths of the paper's VGG configurations. */
export const VGG_WIDTHS: readonly number[] = [64, 128, 256, 512, 512];
/** Hidden widths of the CIFAR VGG head (the authors' 512 → 512 → 512 classifier). */
export const VGG_HIDDEN: readonly number[] = [512, 512];

/** Options of {@link vggNet}. */
export interface VggOptions extends BaseArchOptions {
  /** One of the paper's configurations (11, 13, 16, 19); overrides `widths`, `convsPerStage`, `hidden`. */
  depth?: number;
  /** Scales every conv and hidden width of a `depth` configuration (default 1). */
  widthMultiplier?: number;
  /** Filters per stage (default [64, 128, 256]). */
  widths?: readonly number[];
  /** 3×3 convs per stage: one count for all stages or one per stage (default 2). */
  convsPerStage?: number | readonly number[];
  /** Widths of the dense ReLU layers after flatten, the last one `features` (default 256). */
  hidden?: number | readonly number[];
}

type T = tfl.SymbolicTensor;

/** The widths, convs per stage and hidden widths `options` describe (see the module doc). */
export function vggLayout(options: VggOptions): { widths: number[]; convs: number[]; hidden: number[] } {
  const positive = (what: string, v: readonly number[]) => {
    if (v.length === 0 || v.some((w) => !Number.isInteger(w) || w < 1)) {
      throw new ArchitectureError(`vgg: ${what} ${JSON.stringify(v)} must be positive integers`);
    }
    return [...v];
  };
  if (options.depth !== undefined) {
    const convs = VGG_CONVS[options.depth as keyof typeof VGG_CONVS];
    if (!convs) {
      throw new ArchitectureError(
        `vgg: depth ${options.depth} is not one of ${Object.keys(VGG_CONVS).join(", ")}`,
      );
    }
    const m = options.widthMultiplier ?? 1;
    if (!(m > 0) || !Number.isFinite(m)) throw new ArchitectureError(`vgg: widthMultiplier ${m} must be > 0`);
    const scale = (w: number) => Math.max(1, Math.round(w * m));
    return { widths: VGG_WIDTHS.map(scale), convs: [...convs], hidden: VGG_HIDDEN.map(scale) };
  }
  if (options.widthMultiplier !== undefined) {
    throw new ArchitectureError("vgg: widthMultiplier applies to a `depth` configuration only");
  }
  const widths = positive("widths", options.widths ?? [64, 128, 256]);
  const c = options.convsPerStage ?? 2;
  const convs = positive("convsPerStage", typeof c === "number" ? widths.map(() => c) : c);
  if (convs.length !== widths.length) {
    throw new ArchitectureError(`vgg: ${convs.length} convsPerStage entries for ${widths.length} stages`);
  }
  const h = options.hidden ?? 256;
  return { widths, convs, hidden: positive("hidden", typeof h === "number" ? [h] : h) };
}

/** Builds the VGG net (see the module doc); named `vgg<depth>` for a paper configuration, else `vgg`. */
export function vggNet(options: VggOptions): tfl.LayersModel {
  const { widths, convs, hidden } = vggLayout(options);
  const { input, normalized, seed } = inputAndNormalize(options);
  let x = normalized;
  widths.forEach((filters, s) => {
    for (let c = 0; c < convs[s]; c++) {
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
  hidden.forEach((units, k) => {
    const name = k === hidden.length - 1 ? FEATURES_LAYER : `hidden${k + 1}`;
    x = tfl.layers.dense({ units, activation: "relu", kernelInitializer: heInit(seed, name), name }).apply(
      x,
    ) as T;
  });
  const model = tfl.model({
    inputs: input,
    outputs: logitsHead(x, options.numClasses, seed),
    name: options.depth !== undefined ? `vgg${options.depth}` : "vgg",
  });
  assertFeaturesLayer(model);
  return model;
}
