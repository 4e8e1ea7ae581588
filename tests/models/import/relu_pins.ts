/**
 * Pinning the ReLU inputs that sit at a kink to the side float64 arithmetic puts them on, for gradient
 * parity tests. A ReLU network's input gradient jumps where a pre-activation crosses 0, and float32 rounding
 * (whose accumulation order differs between kernels and instruction sets) puts the odd unit within ~1e-7 of
 * its layer's scale on the other side: a 1e-2 change of that image's gradient that says nothing about the
 * kernels. The fixtures list every such unit with its float64 value (`scripts/torch_fixtures.py`,
 * `<name>.kinks.json`); here each is checked to be as close to its float64 value as rounding allows (a
 * wrong kernel moves it by O(1)) and then set to it, so that the gradient can be compared on every image.
 */
import * as tf from "@tensorflow/tfjs-core";
import { heapFloats, type WasmBackendLike } from "../../../lib/backend/kernels/wasm_call.ts";

/** A fixture's `<name>.kinks.json`: the ReLU layers in call order (NHWC shape, largest |input|), and the
 * units `[layer, n, h, w, c, float64 input]` within `margin · max` of 0. */
export interface Kinks {
  margin: number;
  layers: { shape: number[]; max: number }[];
  units: number[][];
}

/** The values of `t` as stored by the cpu or wasm backend (writes go to the tensor). */
function storage(backend: unknown, t: tf.TensorInfo): Float32Array {
  if ((backend as Partial<WasmBackendLike>).wasm) return heapFloats(backend as WasmBackendLike, t);
  return (backend as { data: { get(id: tf.DataId): { values: Float32Array } } }).data.get(t.dataId).values;
}

/** Runs `f` with the active backend's `Relu` kernel pinning the units `kinks` lists; throws when the ReLUs
 * run do not match the fixture's layers or a listed input is off its float64 value by more than the margin. */
export function withPinnedKinks<T>(kinks: Kinks, f: () => T): T {
  const name = tf.getBackend();
  const stock = tf.getKernel("Relu", name);
  if (!stock) throw new Error(`backend ${name} has no Relu kernel`);
  const problems: string[] = [];
  let layer = 0;
  const pinning: tf.KernelFunc = (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    const spec = kinks.layers[layer];
    if (!spec || spec.shape.join() !== x.shape.join()) {
      problems.push(`ReLU #${layer} has input [${x.shape}], the fixture [${spec?.shape ?? "none"}]`);
    } else {
      const values = storage(args.backend, x);
      const [, , h, w, c] = spec.shape.length === 4 ? [0, ...spec.shape] : [0, 0, 1, 1, spec.shape[1]];
      for (const [l, n, i, j, k, z] of kinks.units.filter((u) => u[0] === layer)) {
        const at = spec.shape.length === 4 ? ((n * h + i) * w + j) * c + k : n * c + i;
        if (Math.abs(values[at] - z) > kinks.margin * spec.max) {
          problems.push(`ReLU #${l} unit ${[n, i, j, k]}: input ${values[at]}, float64 ${z}`);
        }
        values[at] = z;
      }
    }
    layer++;
    return stock.kernelFunc(args);
  };
  tf.unregisterKernel("Relu", name);
  tf.registerKernel({ ...stock, kernelFunc: pinning });
  try {
    const result = f();
    if (layer !== kinks.layers.length) {
      problems.push(`${layer} ReLUs ran, the fixture has ${kinks.layers.length}`);
    }
    if (problems.length) throw new Error(`ReLU kinks: ${problems.join("; ")}`);
    return result;
  } finally {
    tf.unregisterKernel("Relu", name);
    tf.registerKernel(stock);
  }
}
