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

function momentumUpdate(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { value, accumulation, gradient, m, c } = args.inputs as Record<string, tf.TensorInfo>;
  const { nesterov } = args.attrs as { nesterov: boolean };
  const newValue = backend.makeOutput(value.shape, "float32");
  const newAccumulation = backend.makeOutput(value.shape, "float32");
  const [w, a, g, nw, na] = [value, accumulation, gradient, newValue, newAccumulation].map((t) =>
    heapFloats(backend, t)
  );
  const mu = heapFloats(backend, m)[0], cc = heapFloats(backend, c)[0];
  const f = Math.fround;
  for (let i = 0; i < w.length; i++) {
    const acc = f(f(mu * a[i]) + g[i]);
    na[i] = acc;
    nw[i] = f(f(cc * (nesterov ? f(g[i] + f(acc * mu)) : acc)) + w[i]);
  }
  return [newValue, newAccumulation];
}

/** Registration record for `tf.registerKernel`. */
export const momentumUpdateConfig: tf.KernelConfig = {
  kernelName: MOMENTUM_UPDATE,
  backendName: "wasm",
  kernelFunc: momentumUpdate as unknown as tf.KernelFunc,
};
