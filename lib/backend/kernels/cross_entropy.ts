/**
 * `FreqlensCrossEntropy` `{logits: [N, K], labels: [N] int32}` → `[N]`, each row's cross-entropy
 * `logsumexp(z) − z[label]`, and `FreqlensCrossEntropyGrad` `{logits, labels, dy: [N]}` → `[N, K]`,
 * `dy[n] · (softmax(z)[k] − [k = label])`, for the wasm backend: one JavaScript pass over the wasm heap each
 * (an attack's logits are a few hundred values). tfjs' composite (`logSoftmax`, `oneHot`, a product and a
 * sum) is ~10 kernel calls forward and ~12 backward, each with the engine's bookkeeping: ~1 ms of a 30 ms
 * PGD step at batch 32. Each row is computed in float64 from its float32 logits (max-shifted, so no
 * overflow) and rounded once: within an ulp or two of the composite, which rounds after every operation.
 * A NaN or +∞ logit makes its row NaN, as in the composite (a −∞ logit counts as probability 0 here, where
 * the composite's `−∞ · 0` gives NaN).
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapFloats, type WasmBackendLike } from "./wasm_call.ts";

/** Name of the forward kernel. */
export const CROSS_ENTROPY = "FreqlensCrossEntropy";
/** Name of the gradient kernel. */
export const CROSS_ENTROPY_GRAD = "FreqlensCrossEntropyGrad";

function heapInts(backend: WasmBackendLike, t: tf.TensorInfo): Int32Array {
  const offset = backend.dataIdMap.get(t.dataId).memoryOffset;
  return new Int32Array(backend.wasm.HEAPU8.buffer, offset, tf.util.sizeFromShape(t.shape));
}

/** Per row: the logits' maximum (NaN when any is NaN) and Σ exp(z − max), both float64. */
function rowStats(z: Float32Array, row: number, k: number): [number, number] {
  let max = -Infinity;
  for (let j = 0; j < k; j++) {
    const v = z[row + j];
    if (v > max || v !== v) max = v;
  }
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.exp(z[row + j] - max);
  return [max, sum];
}

/** The label of row `n`, checked against the `k` classes. */
function labelOf(labels: Int32Array, n: number, k: number): number {
  const y = labels[n];
  if (!(y >= 0 && y < k)) throw new RangeError(`cross-entropy: label ${y} of row ${n} is not in [0, ${k})`);
  return y;
}

function crossEntropy(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { logits, labels } = args.inputs as Record<string, tf.TensorInfo>;
  const [n, k] = logits.shape;
  const out = backend.makeOutput([n], "float32");
  const z = heapFloats(backend, logits);
  const y = heapInts(backend, labels);
  const loss = heapFloats(backend, out);
  for (let i = 0; i < n; i++) {
    const [max, sum] = rowStats(z, i * k, k);
    loss[i] = max + Math.log(sum) - z[i * k + labelOf(y, i, k)];
  }
  return out;
}

function crossEntropyGrad(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { logits, labels, dy } = args.inputs as Record<string, tf.TensorInfo>;
  const [n, k] = logits.shape;
  const out = backend.makeOutput([n, k], "float32");
  const z = heapFloats(backend, logits);
  const y = heapInts(backend, labels);
  const d = heapFloats(backend, dy);
  const g = heapFloats(backend, out);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    const [max, sum] = rowStats(z, row, k);
    const label = labelOf(y, i, k);
    for (let j = 0; j < k; j++) {
      g[row + j] = d[i] * (Math.exp(z[row + j] - max) / sum - (j === label ? 1 : 0));
    }
  }
  return out;
}

/** Registration records for `tf.registerKernel`. */
export const crossEntropyConfigs: tf.KernelConfig[] = [
  { kernelName: CROSS_ENTROPY, backendName: "wasm", kernelFunc: crossEntropy as unknown as tf.KernelFunc },
  {
    kernelName: CROSS_ENTROPY_GRAD,
    backendName: "wasm",
    kernelFunc: crossEntropyGrad as unknown as tf.KernelFunc,
  },
];
