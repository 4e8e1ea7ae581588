/**
 * The custom tfjs layers freqlens' own architectures use, registered with `tf.serialization.registerClass`
 * so that a saved model loads back by class name:
 * - {@link Normalize}: per-channel `(x − mean) / std` inside the model, so every attack, synthesis and
 *   attribution works in [0, 1] pixel space (the normaliser is part of the differentiated function);
 * - {@link PadShortcut}: the parameter-free "option A" shortcut of He et al. 2016 (§4.2) — subsample by the
 *   stride, then zero-pad the new channels — which the CIFAR ResNets use when the width changes.
 * Both keep their constants in the layer config (model.json), not in the weights.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { normalizeChannels } from "../backend/normalize.ts";

type LayerArgs = ConstructorParameters<typeof tfl.layers.Layer>[0];
type Shape = (number | null)[];

/** A layer config that cannot be honoured (wrong lengths, non-positive std, …); names the value. */
export class LayerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LayerConfigError";
  }
}

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

function singleShape(shape: Shape | Shape[]): Shape {
  return Array.isArray(shape[0]) ? (shape[0] as Shape) : (shape as Shape);
}

/** Config of {@link Normalize}: one mean and one standard deviation per channel (last axis). */
export interface NormalizeArgs extends NonNullable<LayerArgs> {
  mean: number[];
  std: number[];
}

/** Per-channel input normalisation `(x − mean[c]) / std[c]` over the last axis (NHWC). */
export class Normalize extends tfl.layers.Layer {
  static className = "FreqlensNormalize";
  readonly mean: number[];
  readonly std: number[];

  constructor(args: NormalizeArgs) {
    super(args);
    if (!Array.isArray(args.mean) || !Array.isArray(args.std) || args.mean.length !== args.std.length) {
      throw new LayerConfigError(
        `Normalize: mean ${JSON.stringify(args.mean)} and std ${
          JSON.stringify(args.std)
        } must be arrays of equal length`,
      );
    }
    const bad = args.std.findIndex((s) => !(s > 0) || !Number.isFinite(s));
    if (bad >= 0) throw new LayerConfigError(`Normalize: std[${bad}] = ${args.std[bad]} must be > 0`);
    this.mean = [...args.mean];
    this.std = [...args.std];
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs);
      const c = x.shape[x.shape.length - 1];
      if (c !== this.mean.length) {
        throw new LayerConfigError(
          `Normalize '${this.name}': input has ${c} channels, mean has ${this.mean.length}`,
        );
      }
      return normalizeChannels(x, this.mean, this.std);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mean: this.mean, std: this.std };
  }
}

/**
 * The 1×1 filter `[1, 1, c, out]` that copies input channel k to output channel `before + k` and leaves the
 * other output channels zero: with stride s and "valid" padding, `conv2d(x, filter)` is `x[:, ::s, ::s, :]`
 * zero-padded on the channel axis. Each output is one input times 1 plus zeros, so the values are exact;
 * the convolution (and its input gradient) runs as one fast kernel where the backend has one (oneDNN on
 * wasm), where a strided slice and a pad ran as generic per-element copies (most of a PGD step at batch 32).
 */
function placementFilter(c: number, out: number, before: number): tf.Tensor4D {
  const w = new Float32Array(c * out);
  for (let k = 0; k < c; k++) w[k * out + before + k] = 1;
  return tf.tensor4d(w, [1, 1, c, out]);
}

/** Config of {@link PadShortcut}: spatial stride and the number of output channels. */
export interface PadShortcutArgs extends NonNullable<LayerArgs> {
  stride: number;
  outChannels: number;
}

/**
 * He et al.'s option-A shortcut for NHWC input: `x[:, ::s, ::s, :]`, then zeros on the channel axis,
 * ⌊(out − in)/2⌋ before and the rest after (as the common PyTorch CIFAR ResNet pads `planes // 4` on each
 * side), computed as one strided 1×1 convolution with a fixed 0/1 filter (see `placementFilter`; a NaN or
 * infinite input value also reaches the zero channels at its position, 0·NaN, where its own channel is NaN
 * anyway). No parameters.
 */
export class PadShortcut extends tfl.layers.Layer {
  static className = "FreqlensPadShortcut";
  readonly stride: number;
  readonly outChannels: number;
  private placement?: tf.Tensor4D;

  constructor(args: PadShortcutArgs) {
    super(args);
    if (!Number.isInteger(args.stride) || args.stride < 1) {
      throw new LayerConfigError(`PadShortcut: stride ${args.stride} must be a positive integer`);
    }
    if (!Number.isInteger(args.outChannels) || args.outChannels < 1) {
      throw new LayerConfigError(`PadShortcut: outChannels ${args.outChannels} must be a positive integer`);
    }
    this.stride = args.stride;
    this.outChannels = args.outChannels;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const [n, h, w, c] = singleShape(inputShape);
    if (c != null && c > this.outChannels) {
      throw new LayerConfigError(`PadShortcut: ${c} input channels exceed outChannels ${this.outChannels}`);
    }
    const down = (d: number | null) => (d == null ? null : Math.ceil(d / this.stride));
    return [n, down(h), down(w), this.outChannels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = single(inputs) as tf.Tensor4D;
      const c = x.shape[3];
      if (this.stride === 1 && c === this.outChannels) return tf.clone(x);
      return tf.conv2d(x, this.filterFor(c), this.stride, "valid");
    });
  }

  /** The placement filter for `c` input channels, made once and kept (a constant: the convolution
   * kernels then also keep its reordered form, lib/backend/native/reordered_weights.ts). */
  private filterFor(c: number): tf.Tensor4D {
    if (this.placement?.shape[2] !== c) {
      this.placement?.dispose();
      this.placement = tf.keep(placementFilter(c, this.outChannels, Math.floor((this.outChannels - c) / 2)));
    }
    return this.placement;
  }

  override dispose(): ReturnType<tfl.layers.Layer["dispose"]> {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) {
      this.placement?.dispose();
      this.placement = undefined;
    }
    return result;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), stride: this.stride, outChannels: this.outChannels };
  }
}

tf.serialization.registerClass(Normalize);
tf.serialization.registerClass(PadShortcut);
