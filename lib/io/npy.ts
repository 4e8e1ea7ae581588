/**
 * NumPy `.npy` arrays: the on-disk format of every tensor a stage writes, so a user can `numpy.load` it.
 *
 * Supported: dtypes float32 (`<f4`), float64 (`<f8`), uint8 (`|u1`), int32 (`<i4`); little-endian; C order.
 * Written with header version 1.0 (2.0 only when the header exceeds 65535 bytes, as NumPy does); read with
 * versions 1.0, 2.0 and 3.0. The header is padded so the data starts at a multiple of 64 bytes, byte for
 * byte what `numpy.save` writes. Fortran order, big-endian data and other dtypes are rejected with an
 * {@link NpyError} naming the file. Assumes a little-endian host (every platform Deno runs on).
 */
import { writeChunksAtomic } from "./atomic.ts";

/** The dtypes freqlens reads and writes. */
export type NpyDtype = "float32" | "float64" | "uint8" | "int32";

/** The typed array that holds each dtype. */
export interface NpyDataOf {
  float32: Float32Array;
  float64: Float64Array;
  uint8: Uint8Array;
  int32: Int32Array;
}

/** An n-d array in C (row-major) order: `data.length` equals the product of `shape`. */
export interface NpyArray<D extends NpyDtype = NpyDtype> {
  data: NpyDataOf[D];
  shape: number[];
  dtype: D;
}

/** What {@link encodeNpy} and {@link writeNpy} take: the dtype follows from the typed array's type. */
export interface NpyInput {
  data: Float32Array | Float64Array | Uint8Array | Int32Array;
  shape: readonly number[];
}

/** A malformed, truncated or unsupported `.npy` file, or an inconsistent array to write. */
export class NpyError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
    this.name = "NpyError";
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const ALIGN = 64;

const DESCR: Record<NpyDtype, string> = { float32: "<f4", float64: "<f8", uint8: "|u1", int32: "<i4" };
const FROM_DESCR: Record<string, NpyDtype> = {
  "<f4": "float32",
  "<f8": "float64",
  "|u1": "uint8",
  "<u1": "uint8",
  "<i4": "int32",
};
const ITEMSIZE: Record<NpyDtype, number> = { float32: 4, float64: 8, uint8: 1, int32: 4 };

/** The dtype of a typed array, or null when it is not one of the four supported kinds. */
export function dtypeOf(data: unknown): NpyDtype | null {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Uint8Array) return "uint8";
  if (data instanceof Int32Array) return "int32";
  return null;
}

/** Python's repr of a tuple of ints: `()`, `(3,)`, `(2, 3)`. */
function shapeRepr(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(", ")})`;
}

function checkShape(file: string, shape: readonly number[], length: number): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new NpyError(file, `invalid shape [${shape}]: dimension ${d}`);
  }
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== length) {
    throw new NpyError(file, `shape [${shape}] holds ${size} elements but data has ${length}`);
  }
}

/**
 * The header bytes (magic, version, length, padded dict) for this dtype and shape, as NumPy >= 1.23 writes
 * them: the dict, spare spaces so the first axis can grow to 21 digits in place, padding to a multiple of
 * 64 bytes (NumPy's rule: 1..64 spaces), then a newline.
 */
export function npyHeader(dtype: NpyDtype, shape: readonly number[]): Uint8Array {
  const dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeRepr(shape)}, }`;
  const growth = shape.length > 0 ? Math.max(0, 21 - String(shape[0]).length) : 0;
  const hlen = dict.length + growth + 1;
  let version = 1;
  let lenBytes = 2;
  let pad = ALIGN - ((MAGIC.length + 2 + lenBytes + hlen) % ALIGN);
  if (hlen + pad > 0xffff) {
    version = 2;
    lenBytes = 4;
    pad = ALIGN - ((MAGIC.length + 2 + lenBytes + hlen) % ALIGN);
  }
  const text = dict + " ".repeat(growth + pad) + "\n";
  const out = new Uint8Array(MAGIC.length + 2 + lenBytes + text.length);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (lenBytes === 2) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  for (let i = 0; i < text.length; i++) out[MAGIC.length + 2 + lenBytes + i] = text.charCodeAt(i);
  return out;
}

function validated(array: NpyInput, file: string): { dtype: NpyDtype; bytes: Uint8Array } {
  const dtype = dtypeOf(array.data);
  if (!dtype) {
    throw new NpyError(file, `unsupported data type ${Object.prototype.toString.call(array.data)}`);
  }
  checkShape(file, array.shape, array.data.length);
  const d = array.data;
  return { dtype, bytes: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) };
}

/** Encodes an array as the bytes of a `.npy` file (identical to `numpy.save` for the same array). */
export function encodeNpy(array: NpyInput): Uint8Array {
  const { dtype, bytes } = validated(array, "<encode>");
  const header = npyHeader(dtype, array.shape);
  const out = new Uint8Array(header.length + bytes.length);
  out.set(header, 0);
  out.set(bytes, header.length);
  return out;
}

/** Parses the Python dict literal of a `.npy` header into descr, fortran_order and shape. */
function parseHeaderDict(file: string, text: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descr || !fortran || !shape || !/^\s*\{/.test(text)) {
    throw new NpyError(file, `malformed header dict ${JSON.stringify(text.trim())}`);
  }
  const dims = shape[1].split(",").map((s) => s.trim()).filter((s) => s !== "");
  const parsed = dims.map((s) => (/^\d+L?$/.test(s) ? parseInt(s, 10) : NaN));
  if (parsed.some((d) => Number.isNaN(d))) {
    throw new NpyError(file, `malformed shape (${shape[1]}) in header`);
  }
  return { descr: descr[1], fortran: fortran[1] === "True", shape: parsed };
}

/**
 * Decodes the bytes of a `.npy` file. `file` only names the source in errors. The returned data is a
 * view into `bytes` when its offset is aligned for the dtype, else a copy.
 */
export function decodeNpy(bytes: Uint8Array, file = "<bytes>"): NpyArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    const got = Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new NpyError(
      file,
      `not a .npy file: bad magic at offset 0 (got ${got || "nothing"}, want 93 4e 55 4d 50 59)`,
    );
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError(file, `truncated header: file has ${bytes.length} bytes`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new NpyError(file, `unsupported .npy format version ${major}.${bytes[7]} at offset 6`);
  }
  const dataStart = headerStart + headerLen;
  if (bytes.length < dataStart) {
    throw new NpyError(
      file,
      `truncated header: header ends at byte ${dataStart} but the file has ${bytes.length} bytes`,
    );
  }
  const text = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(
    bytes.subarray(headerStart, dataStart),
  );
  const { descr, fortran, shape } = parseHeaderDict(file, text);
  const dtype = FROM_DESCR[descr];
  if (!dtype) {
    const why = descr.startsWith(">") ? "big-endian data is not supported" : "supported: <f4 <f8 |u1 <i4";
    throw new NpyError(file, `unsupported dtype '${descr}' (${why})`);
  }
  if (fortran) throw new NpyError(file, "Fortran-order arrays are not supported (save with C order)");
  const size = shape.reduce((a, b) => a * b, 1);
  const itemsize = ITEMSIZE[dtype];
  const expected = size * itemsize;
  const actual = bytes.length - dataStart;
  if (actual !== expected) {
    const what = actual < expected ? "truncated data" : "trailing bytes after data";
    throw new NpyError(
      file,
      `${what}: shape [${shape}] of ${dtype} needs ${expected} bytes from offset ${dataStart}, found ${actual}`,
    );
  }
  const abs = bytes.byteOffset + dataStart;
  const buffer = abs % itemsize === 0 ? bytes.buffer : bytes.slice(dataStart).buffer;
  const offset = abs % itemsize === 0 ? abs : 0;
  const data = dtype === "float32"
    ? new Float32Array(buffer, offset, size)
    : dtype === "float64"
    ? new Float64Array(buffer, offset, size)
    : dtype === "int32"
    ? new Int32Array(buffer, offset, size)
    : new Uint8Array(buffer, offset, size);
  return { data, shape, dtype } as NpyArray;
}

/** Narrows a decoded array to `dtype`, or throws an {@link NpyError} naming the file and both dtypes. */
export function expectDtype<D extends NpyDtype>(array: NpyArray, dtype: D, file = "<bytes>"): NpyArray<D> {
  if (array.dtype !== dtype) throw new NpyError(file, `expected dtype ${dtype}, found ${array.dtype}`);
  return array as NpyArray<D>;
}

/**
 * Reads a `.npy` file. With `dtype`, also checks the file holds that dtype and narrows the type, e.g.
 * `readNpy(p, "float32").data` is a Float32Array.
 */
export async function readNpy(path: string): Promise<NpyArray>;
export async function readNpy<D extends NpyDtype>(path: string, dtype: D): Promise<NpyArray<D>>;
export async function readNpy(path: string, dtype?: NpyDtype): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    throw new NpyError(path, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  const array = decodeNpy(bytes, path);
  return dtype ? expectDtype(array, dtype, path) : array;
}

/** Writes an array to `path` as `.npy`, atomically (temp file in the same directory, then rename). */
export async function writeNpy(path: string, array: NpyInput): Promise<void> {
  const { dtype, bytes } = validated(array, path);
  await writeChunksAtomic(path, [npyHeader(dtype, array.shape), bytes]);
}
