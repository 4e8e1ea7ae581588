/**
 * Gradient cases for the ops freqlens patches (inference batch-norm, the tfjs-layers training batch-norm,
 * `tf.fused.conv2d` and `tf.fused.matMul` under a tape, `tf.mean`), computed with tfjs only: this module never imports
 * lib/, so the same code gives freqlens' gradients in a process where `initBackend` installed the patches
 * and tfjs' stock gradients in one where nothing did (`./stock_gradients.ts`).
 *
 * Every case takes the loss L = Σ y·dy and returns `[y, ∂L/∂input…]` (and for training batch-norm the
 * updated moving mean and variance), flattened to plain number arrays.
 */
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";

/** `tf.batchNorm` (the `FusedBatchNorm` kernel) of NHWC `x`; gradients for x, mean, variance, offset, scale. */
export interface BnInferenceCase {
  kind: "bn_inference";
  shape: [number, number, number, number];
  x: number[];
  mean: number[];
  variance: number[];
  offset: number[];
  scale: number[];
  dy: number[];
  eps: number;
}

/** tfjs-layers `BatchNormalization` with `training: true`; gradients for x, gamma, beta, then the new
 * moving mean and variance. */
export interface BnTrainingCase {
  kind: "bn_training";
  shape: [number, number, number, number];
  x: number[];
  gamma: number[];
  beta: number[];
  movingMean: number[];
  movingVariance: number[];
  dy: number[];
  eps: number;
  momentum: number;
}

/** `tf.fused.conv2d` NHWC with bias and relu or no activation; gradients for x, filter, bias. (Under a tape
 * stock tfjs fuses only the linear case; freqlens un-fuses both.) */
export interface ConvCase {
  kind: "conv";
  activation: "relu" | "linear";
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: number;
  pad: "same" | "valid";
  x: number[];
  filter: number[];
  bias: number[];
  dy: number[];
}

/** `tf.fused.matMul` `a·bᵀ` (transposeB) with bias and relu or no activation; gradients for a, b, bias. */
export interface DenseCase {
  kind: "dense";
  activation: "relu" | "linear";
  aShape: [number, number];
  bShape: [number, number];
  a: number[];
  b: number[];
  bias: number[];
  dy: number[];
}

/** `tf.mean` of `x` over `axes` (a global average pooling over H, W); gradient for x. */
export interface MeanCase {
  kind: "mean";
  shape: number[];
  axes: number[];
  x: number[];
  dy: number[];
}

/** One gradient case. */
export type GradCase = BnInferenceCase | BnTrainingCase | ConvCase | DenseCase | MeanCase;

/** What {@link computeCase} returns: the output, the gradients (and moving statistics), and the kernels
 * the gradient computation ran. */
export interface CaseResult {
  arrays: number[][];
  kernels: string[];
}

const lossOf = (y: tf.Tensor, dy: number[]) => tf.sum(tf.mul(y, tf.tensor(dy, y.shape)));

function bnTraining(c: BnTrainingCase): tf.Tensor[] {
  const layer = tfl.layers.batchNormalization({ axis: 3, momentum: c.momentum, epsilon: c.eps });
  layer.build(c.shape);
  const vec = (v: number[]) => tf.tensor1d(v);
  layer.setWeights([vec(c.gamma), vec(c.beta), vec(c.movingMean), vec(c.movingVariance)]);
  const x = tf.variable(tf.tensor4d(c.x, c.shape));
  const [gamma, beta] = layer.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  let y: tf.Tensor | undefined;
  const { grads } = tf.variableGrads(() => {
    const out = layer.apply(x, { training: true }) as tf.Tensor;
    y = tf.keep(out);
    return lossOf(out, c.dy) as tf.Scalar;
  }, [x, gamma, beta]);
  const weights = layer.getWeights();
  const out = [y!, grads[x.name], grads[gamma.name], grads[beta.name], weights[2], weights[3]];
  x.dispose();
  return out;
}

/** `[y, ∂L/∂args…]` with y computed once, on the tape (so the profile shows only what a gradient runs). */
function withGradients(f: (...args: tf.Tensor[]) => tf.Tensor, args: tf.Tensor[], dy: number[]): tf.Tensor[] {
  let y: tf.Tensor | undefined;
  const grads = tf.grads((...a: tf.Tensor[]) => {
    const out = f(...a);
    y = tf.keep(out);
    return lossOf(out, dy);
  })(args);
  return [y!, ...grads];
}

function run(c: GradCase): tf.Tensor[] {
  switch (c.kind) {
    case "bn_inference": {
      const args = [
        tf.tensor4d(c.x, c.shape),
        ...[c.mean, c.variance, c.offset, c.scale].map((v) => tf.tensor1d(v)),
      ];
      const f = (x: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
        tf.batchNorm4d(
          x as tf.Tensor4D,
          m as tf.Tensor1D,
          v as tf.Tensor1D,
          o as tf.Tensor1D,
          s as tf.Tensor1D,
          c.eps,
        );
      return withGradients(f, args, c.dy);
    }
    case "bn_training":
      return bnTraining(c);
    case "conv": {
      const args = [tf.tensor4d(c.x, c.xShape), tf.tensor4d(c.filter, c.filterShape), tf.tensor1d(c.bias)];
      const f = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) =>
        tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: w as tf.Tensor4D,
          bias: b,
          strides: c.strides,
          pad: c.pad,
          activation: c.activation,
        });
      return withGradients(f, args, c.dy);
    }
    case "dense": {
      const args = [tf.tensor2d(c.a, c.aShape), tf.tensor2d(c.b, c.bShape), tf.tensor1d(c.bias)];
      const f = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) =>
        tf.fused.matMul({ a, b, bias, transposeB: true, activation: c.activation });
      return withGradients(f, args, c.dy);
    }
    case "mean":
      return withGradients((x: tf.Tensor) => tf.mean(x, c.axes), [tf.tensor(c.x, c.shape)], c.dy);
  }
}

/** Runs one case on the active tfjs backend. */
export async function computeCase(c: GradCase): Promise<CaseResult> {
  let out: tf.Tensor[] = [];
  const profile = await tf.profile(() => {
    out = tf.tidy(() => run(c));
  });
  const arrays = await Promise.all(out.map(async (t) => Array.from(await t.data())));
  tf.dispose(out);
  return { arrays, kernels: [...new Set(profile.kernels.map((k) => k.name))] };
}
