/**
 * Tensors as read from a checkpoint: a dtype, a shape, and the elements in C (row-major) order.
 *
 * A PyTorch tensor is a view into a storage (`_rebuild_tensor_v2(storage, offset, size, stride)`), possibly
 * strided (a transposed or channels-last tensor) or offset into a larger storage; {@link viewOfStorage}
 * gathers such a view into a contiguous array. Storage bytes are little-endian (what `torch.save` writes on
 * every platform PyTorch runs on and what safetensors specifies).
 */

/** Element types a checkpoint may hold. */
export type TorchDtype =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int64"
  | "int32"
  | "int16"
  | "int8"
  | "uint8"
  | "bool";

/** A dense tensor in C order. Floating tensors hold float32 or float64 values; integer and bool ones float64. */
export interface TorchTensor {
  dtype: TorchDtype;
  shape: number[];
  data: Float32Array | Float64Array;
}

/** Bytes per element of each dtype. */
export const ITEMSIZE: Record<TorchDtype, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** IEEE 754 half precision bits to a number (exact). */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Decodes `numel` little-endian elements of `dtype` from `bytes` into a float array. */
export function decodeElements(
  bytes: Uint8Array,
  dtype: TorchDtype,
  numel: number,
): Float32Array | Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case "float32": {
      if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, numel);
      return new Float32Array(bytes.slice(0, numel * 4).buffer);
    }
    case "float64": {
      if (bytes.byteOffset % 8 === 0) return new Float64Array(bytes.buffer, bytes.byteOffset, numel);
      return new Float64Array(bytes.slice(0, numel * 8).buffer);
    }
    case "float16": {
      const out = new Float32Array(numel);
      for (let i = 0; i < numel; i++) out[i] = halfToNumber(view.getUint16(2 * i, true));
      return out;
    }
    case "bfloat16": {
      const bits = new Uint32Array(numel);
      for (let i = 0; i < numel; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      return new Float32Array(bits.buffer);
    }
    case "int64": {
      const out = new Float64Array(numel);
      for (let i = 0; i < numel; i++) out[i] = Number(view.getBigInt64(8 * i, true));
      return out;
    }
    case "int32":
      return Float64Array.from({ length: numel }, (_, i) => view.getInt32(4 * i, true));
    case "int16":
      return Float64Array.from({ length: numel }, (_, i) => view.getInt16(2 * i, true));
    case "int8":
      return Float64Array.from({ length: numel }, (_, i) => view.getInt8(i));
    case "uint8":
    case "bool":
      return Float64Array.from(bytes.subarray(0, numel));
  }
}

/** Contiguous (C-order) strides of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Number of elements of `shape` (1 for a scalar). */
export function numelOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Largest tensor a checkpoint may hold (2^28 elements, 1 GiB as float32): a zero-stride view of a tiny
 * storage could otherwise ask for any amount of memory.
 */
export const MAX_VIEW_ELEMENTS = 2 ** 28;

/**
 * Gathers the view `(offset, shape, stride)` of a storage's elements into a C-order array. `describe`
 * names the tensor in the error thrown (as a plain Error message) when the view reaches past the storage.
 */
export function viewOfStorage(
  storage: Float32Array | Float64Array,
  offset: number,
  shape: readonly number[],
  stride: readonly number[],
  describe: string,
): Float32Array | Float64Array {
  const n = numelOf(shape);
  if (!(n <= MAX_VIEW_ELEMENTS)) {
    throw new Error(
      `${describe}: size [${shape}] has ${n} elements, more than the ${MAX_VIEW_ELEMENTS} allowed`,
    );
  }
  if (shape.length !== stride.length) {
    throw new Error(`${describe}: size [${shape}] and stride [${stride}] differ in rank`);
  }
  if (n === 0) return new (storage.constructor as Float32ArrayConstructor)(0);
  let last = offset;
  for (let d = 0; d < shape.length; d++) last += (shape[d] - 1) * stride[d];
  if (offset < 0 || last >= storage.length || stride.some((s) => s < 0)) {
    throw new Error(
      `${describe}: view (offset ${offset}, size [${shape}], stride [${stride}]) exceeds its storage of ` +
        `${storage.length} elements`,
    );
  }
  const contiguous = contiguousStrides(shape);
  if (shape.every((d, i) => d === 1 || stride[i] === contiguous[i])) {
    return storage.slice(offset, offset + n);
  }
  const out = new (storage.constructor as Float32ArrayConstructor)(n);
  const idx = new Array<number>(shape.length).fill(0);
  let src = offset;
  for (let i = 0; i < n; i++) {
    out[i] = storage[src];
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      src += stride[d];
      if (idx[d] < shape[d]) break;
      src -= shape[d] * stride[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** The tensor's values as float32 (a copy when it is held as float64). */
export function toFloat32(t: TorchTensor): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
}
