/**
 * `FreqlensDct2d` for the wasm backend: the 2-D DCT or its inverse of an NHWC float32 batch as two oneDNN
 * matrix products straight on the wasm heap (`../native/dct.ts`). Registered only when oneDNN loads;
 * otherwise `lib/dct/tensor.ts` runs its tfjs matmuls.
 */
import * as tf from "@tensorflow/tfjs-core";
import { DCT2D_KERNEL } from "../../dct/tensor.ts";
import { dctScratchLength, separableDct } from "../native/dct.ts";
import { loadOneDnnMatmul } from "../native/onednn_matmul.ts";
import { heapPointer } from "./native_bridge.ts";
import { release, type WasmBackendLike } from "./wasm_call.ts";

/** The kernel config (attrs: `inverse`); register only when {@link loadOneDnnMatmul} succeeds. */
export const dct2dConfig: tf.KernelConfig = {
  kernelName: DCT2D_KERNEL,
  backendName: "wasm",
  kernelFunc: ((args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => {
    const backend = args.backend as WasmBackendLike;
    const { x } = args.inputs as { x: tf.TensorInfo };
    const inverse = Boolean((args.attrs as { inverse?: boolean }).inverse);
    const shape = x.shape as [number, number, number, number];
    const out = backend.makeOutput(shape, "float32");
    if (tf.util.sizeFromShape(shape) === 0) return out;
    const tmp = backend.makeOutput([dctScratchLength(shape)], "float32");
    separableDct(
      loadOneDnnMatmul()!,
      shape,
      inverse,
      heapPointer(backend, x),
      heapPointer(backend, tmp),
      heapPointer(backend, out),
    );
    release(backend, tmp);
    return out;
  }) as unknown as tf.KernelFunc,
};
