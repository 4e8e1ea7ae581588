/**
 * `MaxPoolGrad` for the wasm backend. The stock kernel took ~43 ms for one 2×2 pool of a
 * [128, 28, 28, 32] map (a third of a small-CNN training step). Native: oneDNN recomputes the pooling with
 * its argmax workspace and scatters `dy` (~2 ms). Fallback: one pass over the windows on the wasm heap
 * (~14 ms).
 *
 * Same semantics as the cpu backend: the first strictly greater value in row-major window order wins and
 * each input position sums the gradients of the windows it wins. (A window holding only NaN or −∞ passes
 * no gradient on the cpu backend and in the fallback; oneDNN sends it to the window's first position.)
 */
import * as tf from "@tensorflow/tfjs-core";
import { poolGeometry } from "./max_pool.ts";
import { heapPointer, nativeConv } from "./native_bridge.ts";
import { heapFloats, type WasmBackendLike } from "./wasm_call.ts";

/** The kernel: inputs `{dy, input}` (`output` unused), attrs of `MaxPoolGrad`. */
export function maxPoolGrad(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const g = poolGeometry(input.shape, args.attrs as unknown as tf.MaxPoolGradAttrs);
  const out = backend.makeOutput(input.shape, "float32");
  if (tf.util.sizeFromShape(input.shape) === 0) return out;
  const dnn = nativeConv();
  if (dnn) {
    dnn.maxPoolGrad(g, [heapPointer(backend, input), heapPointer(backend, dy), heapPointer(backend, out)]);
    return out;
  }
  const dx = heapFloats(backend, out).fill(0);
  const x = heapFloats(backend, input);
  const dyv = heapFloats(backend, dy);
  const c = g.inChannels;
  const best = new Float32Array(c);
  const at = new Int32Array(c);
  let o = 0;
  for (let b = 0; b < g.batchSize; b++) {
    const batchBase = b * g.inHeight;
    for (let yr = 0; yr < g.outHeight; yr++) {
      const rCorner = yr * g.strideHeight - g.padInfo.top;
      const r0 = Math.max(0, rCorner);
      const r1 = Math.min(g.inHeight, rCorner + g.effectiveFilterHeight);
      for (let yc = 0; yc < g.outWidth; yc++, o += c) {
        const cCorner = yc * g.strideWidth - g.padInfo.left;
        const c0 = Math.max(0, cCorner);
        const c1 = Math.min(g.inWidth, cCorner + g.effectiveFilterWidth);
        best.fill(Number.NEGATIVE_INFINITY);
        at.fill(-1);
        for (let r = r0; r < r1; r++) {
          for (let col = c0; col < c1; col++) {
            const base = ((batchBase + r) * g.inWidth + col) * c;
            for (let d = 0; d < c; d++) {
              const v = x[base + d];
              if (v > best[d]) {
                best[d] = v;
                at[d] = base + d;
              }
            }
          }
        }
        for (let d = 0; d < c; d++) if (at[d] >= 0) dx[at[d]] += dyv[o + d];
      }
    }
  }
  return out;
}

/** Registration record for `tf.registerKernel`. */
export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: "wasm",
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};
