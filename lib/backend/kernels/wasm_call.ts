/**
 * Calling tfjs-backend-wasm's own registered kernels from inside freqlens kernels, on `TensorInfo`s
 * (no tfjs tensors, no gradient tape, no scope bookkeeping), and freeing the intermediates.
 */
import * as tf from "@tensorflow/tfjs-core";

/** The part of tfjs-backend-wasm's `BackendWasm` the freqlens kernels use. */
export interface WasmBackendLike extends tf.KernelBackend {
  wasm: { HEAPU8: Uint8Array; HEAPF32: Float32Array };
  dataIdMap: { get(dataId: tf.DataId): { id: number; memoryOffset: number; shape: number[] } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
  /** Tensors sharing the buffer of `dataId` (reshapes and clones share it). */
  refCount(dataId: tf.DataId): number;
  incRef(dataId: tf.DataId): void;
}

/** Runs the kernel registered as `name` for the `wasm` backend (the stock one unless freqlens replaced
 * it) and returns its output. */
export function callWasm(
  backend: WasmBackendLike,
  name: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const kernel = tf.getKernel(name, "wasm");
  if (!kernel) throw new Error(`kernel '${name}' is not registered for backend 'wasm'`);
  return kernel.kernelFunc({ inputs, backend, attrs }) as tf.TensorInfo;
}

/** `t`'s values as a view into the wasm heap (zero-copy; take it after the last allocation, which may grow
 * the heap and detach older views). */
export function heapFloats(backend: WasmBackendLike, t: tf.TensorInfo): Float32Array {
  const offset = backend.dataIdMap.get(t.dataId).memoryOffset;
  return new Float32Array(backend.wasm.HEAPF32.buffer, offset, tf.util.sizeFromShape(t.shape));
}

/** Frees intermediate outputs of {@link callWasm}. */
export function release(backend: WasmBackendLike, ...infos: tf.TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** `x` reshaped (shares memory; release the result like any other). */
export function reshape(backend: WasmBackendLike, x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return callWasm(backend, "Reshape", { x }, { shape });
}

/** `x` with axes permuted. */
export function transpose(backend: WasmBackendLike, x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
  return callWasm(backend, "Transpose", { x }, { perm });
}

/** `x[begin : begin+size]`. */
export function slice(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
): tf.TensorInfo {
  return callWasm(backend, "Slice", { x }, { begin, size });
}

/** Stock wasm conv2d, NHWC, with explicit `[[top, bottom], [left, right]]` zero padding. */
export function conv2dExplicit(
  backend: WasmBackendLike,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  strides: [number, number],
  dilations: [number, number],
  pad: [[number, number], [number, number]],
): tf.TensorInfo {
  return callWasm(backend, "Conv2D", { x, filter }, {
    strides,
    dilations,
    pad: [[0, 0], pad[0], pad[1], [0, 0]],
    dataFormat: "NHWC",
    dimRoundingMode: undefined as unknown as string,
  } as unknown as tf.NamedAttrMap);
}

/** Whether `x` may hold a NaN: its sum is NaN (one vectorised wasm reduction, far cheaper than a JS pass
 * over the wasm heap; a NaN always makes the sum NaN, a sum of +∞ and −∞ only costs the exact pass). */
export function mayHoldNaN(backend: WasmBackendLike, x: tf.TensorInfo): boolean {
  const flat = reshape(backend, x, [tf.util.sizeFromShape(x.shape)]);
  const sum = callWasm(backend, "Sum", { x: flat }, { axis: [0], keepDims: false });
  const isNaN = Number.isNaN(heapFloats(backend, sum)[0]);
  release(backend, flat, sum);
  return isNaN;
}
