/**
 * `FreqlensMomentumUpdate` `{value, accumulation, gradient, m, c}` → `[newValue, newAccumulation]` for the
 * wasm backend: one SGD-with-momentum update of one variable in one pass over the wasm heap, the same
 * float32 operations in the same order as tfjs' `MomentumOptimizer` (`a ← m·a + g`, `w ← c·a + w`, or with
 * Nesterov `w ← c·(g + a·m) + w`, `c = −lr`), so the same bits: each product and sum is computed in
 * float64 and rounded once to float32, which is the correctly rounded float32 result. It replaces four
 * tfjs ops per variable (260 kernel calls for a ResNet-20 step) by one (`../../training/fused_momentum.ts`).
 */
import type * as tf from "@tensorflow/tfjs-core";
import { heapFloats, type WasmBackendLike } from "./wasm_call.ts";

/** Name of the kernel. */
export const MOMENTUM_UPDATE = "FreqlensMomentumUpdate";

/** One update over float32 arrays: value `w`, accumulation `a` and gradient `g` in; `nw`, `na` out (they
 * may be `w` and `a` themselves: each element is read before it is written). */
function momentumPass(
  [w, a, g, nw, na]: Float32Array[],
  mu: number,
  c: number,
  nesterov: boolean,
): void {
  const f = Math.fround;
  for (let i = 0; i < w.length; i++) {
    const acc = f(f(mu * a[i]) + g[i]);
    na[i] = acc;
    nw[i] = f(f(c * (nesterov ? f(g[i] + f(acc * mu)) : acc)) + w[i]);
  }
}

function momentumUpdate(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { value, accumulation, gradient, m, c } = args.inputs as Record<string, tf.TensorInfo>;
  const { nesterov } = args.attrs as { nesterov: boolean };
  const newValue = backend.makeOutput(value.shape, "float32");
  const newAccumulation = backend.makeOutput(value.shape, "float32");
  const arrays = [value, accumulation, gradient, newValue, newAccumulation].map((t) =>
    heapFloats(backend, t)
  );
  momentumPass(arrays, heapFloats(backend, m)[0], heapFloats(backend, c)[0], nesterov);
  return [newValue, newAccumulation];
}

/**
 * The kernel's update without a kernel call (the same bits): the accumulation written over its own buffer
 * (the optimiser's private state), the new value into a new buffer, returned — a variable's data id keeps
 * its contents for life, as tfjs' `assign` leaves it, so kept copies of reordered filters and folded
 * weights (keyed on data ids) follow training. Undefined, writing nothing, where another tensor shares the
 * accumulation's buffer (a clone, a tensor a gradient tape kept), which would change with it.
 */
export function momentumUpdateOwnAccumulation(
  backend: WasmBackendLike,
  { value, accumulation, gradient, m, c }: Record<
    "value" | "accumulation" | "gradient" | "m" | "c",
    tf.TensorInfo
  >,
  nesterov: boolean,
): tf.TensorInfo | undefined {
  if (backend.refCount(accumulation.dataId) !== 1) return undefined;
  const newValue = backend.makeOutput(value.shape, "float32");
  const [w, a, g, nw] = [value, accumulation, gradient, newValue].map((t) => heapFloats(backend, t));
  momentumPass([w, a, g, nw, a], heapFloats(backend, m)[0], heapFloats(backend, c)[0], nesterov);
  return newValue;
}

/** Registration record for `tf.registerKernel`. */
export const momentumUpdateConfig: tf.KernelConfig = {
  kernelName: MOMENTUM_UPDATE,
  backendName: "wasm",
  kernelFunc: momentumUpdate as unknown as tf.KernelFunc,
};
