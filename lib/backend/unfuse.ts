/**
 * Un-fusing `tf.fused.conv2d` / `tf.fused.matMul` while a gradient tape records.
 *
 * tfjs-layers' Conv2D and Dense layers call the fused ops. Their gradient is one custom function that
 * always computes the input, filter and bias gradients together — so an input gradient (every attack)
 * also pays for a filter gradient nobody asked for. Composed of plain ops instead, the tape prunes the
 * branches that do not lead to the requested variables. Outside a tape (inference), the fused kernels
 * still run. Patches the shared `tf.fused` object once. The values are the fused ops' for freqlens'
 * architectures; on imported checkpoints the taped logits differed from the untaped ones in the last bits
 * (≤ 8e-7 on the parity fixtures' ResNet-18, 7e-6 on the ResNet-50).
 */
import * as tf from "@tensorflow/tfjs-core";

type FusedConvArgs = Parameters<typeof tf.fused.conv2d>[0];
type FusedMatMulArgs = Parameters<typeof tf.fused.matMul>[0];

function taping(): boolean {
  return (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
}

function activate(
  y: tf.Tensor,
  activation: string | undefined,
  prelu?: tf.Tensor | tf.TensorLike,
  leakyAlpha?: number,
): tf.Tensor {
  switch (activation ?? "linear") {
    case "linear":
      return y;
    case "relu":
      return tf.relu(y);
    case "relu6":
      return tf.relu6(y);
    case "elu":
      return tf.elu(y);
    case "sigmoid":
      return tf.sigmoid(y);
    case "leakyrelu":
      return tf.leakyRelu(y, leakyAlpha);
    case "prelu":
      return tf.prelu(y, prelu as tf.Tensor);
    default:
      throw new Error(`un-fused op: unknown activation '${activation}'`);
  }
}

let installed = false;

/** Installs the un-fusing wrappers on `tf.fused` (idempotent). */
export function installUnfusedGradients(): void {
  if (installed) return;
  const fused = tf.fused as { conv2d: typeof tf.fused.conv2d; matMul: typeof tf.fused.matMul };
  const fusedConv = fused.conv2d;
  const fusedMatMul = fused.matMul;
  fused.conv2d = ((args: FusedConvArgs) => {
    if (!taping() || (args.dataFormat ?? "NHWC") !== "NHWC") return fusedConv(args);
    return tf.tidy(() => {
      let y: tf.Tensor = tf.conv2d(
        args.x as tf.Tensor4D,
        args.filter as tf.Tensor4D,
        args.strides,
        args.pad,
        "NHWC",
        args.dilations,
        args.dimRoundingMode,
      );
      if (args.bias != null) y = tf.add(y, args.bias);
      return activate(y, args.activation, args.preluActivationWeights, args.leakyreluAlpha);
    });
  }) as typeof tf.fused.conv2d;
  fused.matMul = ((args: FusedMatMulArgs) => {
    if (!taping()) return fusedMatMul(args);
    return tf.tidy(() => {
      let y: tf.Tensor = tf.matMul(args.a, args.b, args.transposeA, args.transposeB);
      if (args.bias != null) y = tf.add(y, args.bias);
      return activate(y, args.activation, args.preluActivationWeights, args.leakyreluAlpha);
    });
  }) as typeof tf.fused.matMul;
  installed = true;
}
