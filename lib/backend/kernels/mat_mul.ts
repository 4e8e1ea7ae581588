/**
 * `BatchMatMul` and `_FusedMatMul` for the wasm backend.
 *
 * Large float32 products go to oneDNN's matmul (`../native/onednn_matmul.ts`) on every core, transposed
 * operands read through strides: the stock kernel runs on one thread (under Deno tfjs-backend-wasm has no
 * threads), and a small CNN's first dense layer (128×3136 by 3136×128) with its two gradients was a
 * quarter of a training step. The fused kernel's bias and ReLU then run as the stock `Add` and `Relu`.
 * Smaller products stay on the stock kernels, where a transposed operand is materialised first: the
 * stock kernels multiply a transposed operand in place through a slow path (a dense layer's gradients
 * `dy·Wᵀ`, `xᵀ·dy` ran 12× slower than the same products untransposed: 45 vs 3.7 ms); transposing
 * explicitly (about 1 ms) and calling the stock kernel with both flags off computes the same products.
 */
import * as tf from "@tensorflow/tfjs-core";
import { loadOneDnnMatmul, type MatrixView } from "../native/onednn_matmul.ts";
import { heapPointer, nativeConv } from "./native_bridge.ts";
import { callWasm, release, transpose, type WasmBackendLike } from "./wasm_call.ts";

/** Products of fewer multiply-adds stay on the stock kernel (one FFI call and oneDNN's dispatch cost
 * more than they save there). */
export const NATIVE_MATMUL_MIN_MACS = 1 << 18;

/** `x` with its last two axes swapped. */
function swapLastTwo(backend: WasmBackendLike, x: tf.TensorInfo): tf.TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return transpose(backend, x, perm);
}

/** `a·b` (rank 2, or rank 3 with equal batches or a batch of 1 broadcast) in oneDNN, or undefined when
 * oneDNN is off, the shapes are other, or the product is small. */
function nativeProduct(
  backend: WasmBackendLike,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): tf.TensorInfo | undefined {
  const mm = nativeConv() && loadOneDnnMatmul();
  const rank = a.shape.length;
  if (!mm || rank !== b.shape.length || rank < 2 || rank > 3 || a.dtype !== "float32") return undefined;
  const [batchA, batchB] = rank === 3 ? [a.shape[0], b.shape[0]] : [1, 1];
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return undefined;
  const [ra, ca] = a.shape.slice(-2), [rb, cb] = b.shape.slice(-2);
  const [m, k] = transposeA ? [ca, ra] : [ra, ca];
  const n = transposeB ? rb : cb;
  if ((transposeB ? cb : rb) !== k) return undefined; // the stock kernel reports the mismatch
  const batch = Math.max(batchA, batchB);
  if (batch * m * k * n < NATIVE_MATMUL_MIN_MACS) return undefined;
  // Each operand as [batch, rows, cols] in the product's orientation, by strides over its stored layout
  // (oneDNN broadcasts a batch of 1).
  const view = (rows: number, cols: number, t: boolean, own: number): MatrixView => ({
    dims: [own, t ? cols : rows, t ? rows : cols],
    strides: [rows * cols, t ? 1 : cols, t ? cols : 1],
  });
  const out = backend.makeOutput(rank === 3 ? [batch, m, n] : [m, n], "float32");
  const p = (t: tf.TensorInfo) => heapPointer(backend, t);
  mm.matmul(view(ra, ca, transposeA, batchA), view(rb, cb, transposeB, batchB), {
    dims: [batch, m, n],
    strides: [m * n, n, 1],
  }, [p(a), p(b), p(out)]);
  return out;
}

/** Builds the kernel config around a stock matmul kernel (inputs `a`, `b`, and for `_FusedMatMul` `bias`
 * and `preluActivationWeights`; attrs `transposeA/B`, `activation`). */
export function matMulConfig(stock: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]) => {
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean; activation?: string };
    const inputs = args.inputs as Record<string, tf.TensorInfo | undefined>;
    const backend = args.backend as WasmBackendLike;
    const activation = attrs.activation ?? "linear";
    if ((activation === "linear" || activation === "relu") && !inputs.preluActivationWeights) {
      const product = nativeProduct(backend, inputs.a!, inputs.b!, !!attrs.transposeA, !!attrs.transposeB);
      if (product) {
        let out = product;
        if (inputs.bias) {
          out = callWasm(backend, "Add", { a: product, b: inputs.bias });
          release(backend, product);
        }
        if (activation === "relu") {
          const before = out;
          out = callWasm(backend, "Relu", { x: before });
          release(backend, before);
        }
        return out;
      }
    }
    if ((!attrs.transposeA && !attrs.transposeB) || inputs.a!.dtype !== "float32") {
      return stock.kernelFunc(args);
    }
    const a = attrs.transposeA ? swapLastTwo(backend, inputs.a!) : inputs.a!;
    const b = attrs.transposeB ? swapLastTwo(backend, inputs.b!) : inputs.b!;
    try {
      return stock.kernelFunc({
        ...args,
        inputs: { ...inputs, a, b } as tf.NamedTensorInfoMap,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      if (a !== inputs.a) release(backend, a);
      if (b !== inputs.b) release(backend, b);
    }
  };
  return { ...stock, kernelFunc: kernelFunc as unknown as tf.KernelFunc };
}
