/**
 * The op behind folded inference (lib/models/folded_inference.ts): `relu?(conv2d(x, filter) + bias
 * [+ residual])`, NHWC, HWIO filter, dilation 1. On wasm with oneDNN it is one kernel
 * (`./kernels/conv_post_ops.ts`); elsewhere the same plain tfjs ops. Differentiable in `x` and `residual`
 * (what attacks and saliency need); `filter` and `bias` are treated as constants, so this op is for
 * inference only — training goes through the layers' own ops.
 */
import * as tf from "@tensorflow/tfjs-core";
import { CONV_POST_OPS, type ConvPostOpsAttrs } from "./kernels/conv_post_ops.ts";
import { nativeConv } from "./kernels/native_bridge.ts";
import { RELU_GRAD, reluGradAvailable } from "./kernels/relu_grad.ts";
import { tapeOn } from "./gradients.ts";

/**
 * Whether the active backend runs {@link convPostOps} as one fused kernel. Not on oneDNN's SSE4.1 code path:
 * there libdnnl 2.6.3 crashes (SIGSEGV) executing a 3×3 convolution with the `sum` post-op (a ResNet
 * block's residual add), so those CPUs take the plain ops.
 */
export function convPostOpsFused(): boolean {
  const dnn = nativeConv();
  return tf.getKernel(CONV_POST_OPS, tf.getBackend()) !== undefined && dnn !== undefined &&
    dnn.isa !== "sse41";
}

function forward(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D,
  residual: tf.Tensor4D | undefined,
  attrs: ConvPostOpsAttrs,
): tf.Tensor4D {
  if (convPostOpsFused()) {
    const inputs: tf.NamedTensorMap = residual ? { x, filter, bias, residual } : { x, filter, bias };
    return tf.engine().runKernel(CONV_POST_OPS, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
  }
  return tf.tidy(() => {
    let y: tf.Tensor4D = tf.add(tf.conv2d(x, filter, attrs.strides, attrs.pad), bias);
    if (residual) y = tf.add(y, residual);
    return attrs.relu ? tf.relu(y) : y;
  });
}

/** The gradients of {@link convPostOps} for its output gradient `dy`, from its output `y`: `masked` (`dy`
 * where `y > 0` with `relu`, else `dy` itself), the residual's gradient, and `dx`, the input's. */
export function convPostOpsBackward(
  dy: tf.Tensor,
  y: tf.Tensor,
  filter: tf.Tensor4D,
  xShape: number[],
  attrs: ConvPostOpsAttrs,
): { masked: tf.Tensor; dx: tf.Tensor4D } {
  const masked = !attrs.relu
    ? dy
    : reluGradAvailable()
    ? tf.engine().runKernel(RELU_GRAD, { dy, x: y }) as tf.Tensor
    : tf.mul(dy, tf.step(y));
  const dx = tf.conv2dTranspose(
    masked as tf.Tensor4D,
    filter,
    xShape as [number, number, number, number],
    attrs.strides,
    attrs.pad,
  );
  return { masked, dx };
}

/** `relu?(conv2d(x, filter, strides, pad) + bias [+ residual])` (see the module doc). */
export function convPostOps(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D,
  residual: tf.Tensor4D | undefined,
  attrs: ConvPostOpsAttrs,
): tf.Tensor4D {
  // Nothing to differentiate without a gradient tape: the kernel alone, without customGrad's bookkeeping.
  if (!tapeOn()) return forward(x, filter, bias, residual, attrs);
  // The filter reaches the gradient through `save` (a tensor captured by the closure may be disposed by
  // the time the backward pass runs).
  const gradOf = (dy: tf.Tensor, [y, w]: tf.Tensor[], xShape: number[]) =>
    convPostOpsBackward(dy, y, w as tf.Tensor4D, xShape, attrs);
  if (residual) {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [xi, ri, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
      const y = forward(xi, filter, bias, ri, attrs);
      save([y, filter]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const { masked, dx } = gradOf(dy, saved, xi.shape);
          return [dx, masked];
        },
      };
    });
    return op(x, residual) as tf.Tensor4D;
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    const y = forward(xi, filter, bias, undefined, attrs);
    save([y, filter]);
    return { value: y, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => gradOf(dy, saved, xi.shape).dx };
  });
  return op(x) as tf.Tensor4D;
}
