/**
 * Builds tfjs-layers graphs whose layers carry PyTorch module names, so a state_dict maps onto them.
 *
 * Every layer with weights is named by its PyTorch module path (`layer1.0.conv1`) and recorded with the
 * tensors PyTorch stores for it, their shapes, and how they become tfjs weights: conv OIHW → HWIO, linear
 * [out, in] → [in, out], batch norm (weight, bias, running_mean, running_var) → (gamma, beta, moving mean,
 * moving variance) with PyTorch's eps 1e-5. Padding follows PyTorch exactly: a 3×3 stride-1 conv with
 * padding 1 is tfjs 'same' (symmetric for odd kernels), any other padded conv gets an explicit symmetric
 * zero-padding layer and 'valid' (tfjs 'same' pads asymmetrically for strided convs on even inputs).
 */
import * as tfl from "@tensorflow/tfjs-layers";
import { FEATURES_LAYER } from "../../layers_classifier.ts";

type Sym = tfl.SymbolicTensor;

/** How the tensors of one PyTorch module become the weights of one tfjs layer. */
export interface ModuleSpec {
  /** PyTorch module path, e.g. `layer1.0.conv1`; also the tfjs layer name. */
  module: string;
  kind: "conv" | "bn" | "linear";
  layer: tfl.layers.Layer;
  /** Tensor suffix → shape PyTorch stores, in the order of the tfjs layer's weights. */
  tensors: [string, number[]][];
}

/** Batch-norm epsilon of `torch.nn.BatchNorm2d`. */
export const TORCH_BN_EPS = 1e-5;

/** Records layers with PyTorch names while a model is wired up. */
export class TorchGraph {
  readonly modules: ModuleSpec[] = [];
  private count = 0;

  /** A fresh name for a weightless helper layer (relu, add, pad), derived from `base`. */
  private helper(base: string): string {
    return `${base}__${++this.count}`;
  }

  /** `nn.Conv2d(inC, outC, k, stride, padding, bias)` on NHWC input. */
  conv(
    x: Sym,
    module: string,
    o: { inC: number; outC: number; k: number; stride: number; padding: number; bias?: boolean },
  ): Sym {
    const bias = o.bias ?? false;
    const same = o.stride === 1 && o.k % 2 === 1 && o.padding === (o.k - 1) / 2 && o.padding > 0;
    let input = x;
    if (o.padding > 0 && !same) {
      input = tfl.layers.zeroPadding2d({ padding: o.padding, name: this.helper(`${module}.pad`) }).apply(
        x,
      ) as Sym;
    }
    const layer = tfl.layers.conv2d({
      filters: o.outC,
      kernelSize: o.k,
      strides: o.stride,
      padding: same ? "same" : "valid",
      useBias: bias,
      name: module,
    });
    const tensors: [string, number[]][] = [["weight", [o.outC, o.inC, o.k, o.k]]];
    if (bias) tensors.push(["bias", [o.outC]]);
    this.modules.push({ module, kind: "conv", layer, tensors });
    return layer.apply(input) as Sym;
  }

  /** `nn.BatchNorm2d(channels)` in eval mode (running statistics). */
  bn(x: Sym, module: string, channels: number): Sym {
    const layer = tfl.layers.batchNormalization({ axis: -1, epsilon: TORCH_BN_EPS, name: module });
    this.modules.push({
      module,
      kind: "bn",
      layer,
      tensors: [["weight", [channels]], ["bias", [channels]], ["running_mean", [channels]], ["running_var", [
        channels,
      ]]],
    });
    return layer.apply(x) as Sym;
  }

  /** `nn.Linear(inF, outF)`. */
  linear(x: Sym, module: string, inF: number, outF: number, bias = true): Sym {
    const layer = tfl.layers.dense({ units: outF, useBias: bias, name: module });
    const tensors: [string, number[]][] = [["weight", [outF, inF]]];
    if (bias) tensors.push(["bias", [outF]]);
    this.modules.push({ module, kind: "linear", layer, tensors });
    return layer.apply(x) as Sym;
  }

  relu(x: Sym, base: string): Sym {
    return tfl.layers.reLU({ name: this.helper(`${base}.relu`) }).apply(x) as Sym;
  }

  add(a: Sym, b: Sym, base: string): Sym {
    return tfl.layers.add({ name: this.helper(`${base}.add`) }).apply([a, b]) as Sym;
  }

  /** `F.avg_pool2d(x, size)` then `view(N, -1)`: the penultimate representation, named `features`. */
  poolFeatures(x: Sym, size: number): Sym {
    const pooled = tfl.layers.averagePooling2d({
      poolSize: size,
      strides: size,
      padding: "valid",
      name: "avg_pool",
    })
      .apply(x) as Sym;
    return tfl.layers.flatten({ name: FEATURES_LAYER }).apply(pooled) as Sym;
  }
}

/** Name of the input-normalisation layer, `(x − mean) / std` per channel, when a model has one. */
export const NORMALIZE_LAYER = "normalize";

/**
 * The input normaliser as a 1×1 convolution with a diagonal kernel (1/std) and bias −mean/std: a stock
 * tfjs layer, so a saved model loads anywhere without custom classes, and one whose input gradient every
 * backend has (tfjs-backend-wasm has no depthwise-convolution gradient).
 */
export function normalizeLayer(x: Sym, channels: number): { out: Sym; layer: tfl.layers.Layer } {
  const layer = tfl.layers.conv2d({ filters: channels, kernelSize: 1, useBias: true, name: NORMALIZE_LAYER });
  return { out: layer.apply(x) as Sym, layer };
}
