/**
 * The IDX format of MNIST and Fashion-MNIST (LeCun et al.): magic `00 00 TT DD` (TT the element type, 08 =
 * unsigned byte; DD the number of dimensions), DD big-endian uint32 sizes, then the elements in row-major
 * order. Files may be gzipped (detected by content, not by name); offsets in errors then refer to the
 * inflated bytes.
 */
import { maybeGunzip } from "./gzip.ts";
import { DatasetFormatError } from "./types.ts";

/** A decoded unsigned-byte IDX array. */
export interface IdxArray {
  data: Uint8Array;
  shape: number[];
}

const TYPE_NAMES: Record<number, string> = {
  0x09: "signed byte",
  0x0b: "int16",
  0x0c: "int32",
  0x0d: "float32",
  0x0e: "float64",
};

/** Decodes IDX bytes (gzipped or not); only unsigned-byte data (type 0x08) is supported. */
export function decodeIdx(raw: Uint8Array, file = "<bytes>"): IdxArray {
  const bytes = maybeGunzip(raw, file);
  if (bytes.length < 4) {
    throw new DatasetFormatError(file, bytes.length, `file ends inside the 4-byte IDX magic`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const got = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new DatasetFormatError(file, 0, `bad IDX magic ${got} (expected 00 00 08 <ndim>)`);
  }
  if (bytes[2] !== 0x08) {
    const kind = TYPE_NAMES[bytes[2]] ?? "unknown type";
    throw new DatasetFormatError(
      file,
      2,
      `unsupported IDX element type 0x${
        bytes[2].toString(16).padStart(2, "0")
      } (${kind}); only 0x08 unsigned byte is supported`,
    );
  }
  const ndim = bytes[3];
  if (ndim === 0) throw new DatasetFormatError(file, 3, "IDX array with 0 dimensions");
  const headerEnd = 4 + 4 * ndim;
  if (bytes.length < headerEnd) {
    throw new DatasetFormatError(
      file,
      bytes.length,
      `file ends inside the dimension sizes (needs ${headerEnd} header bytes)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndim }, (_, d) => view.getUint32(4 + 4 * d, false));
  const size = shape.reduce((a, b) => a * b, 1);
  const have = bytes.length - headerEnd;
  if (have < size) {
    throw new DatasetFormatError(
      file,
      bytes.length,
      `truncated: shape [${shape}] needs ${size} data bytes from offset ${headerEnd}, found ${have}`,
    );
  }
  if (have > size) {
    throw new DatasetFormatError(
      file,
      headerEnd + size,
      `${have - size} unexpected bytes after the data of shape [${shape}]`,
    );
  }
  return { data: bytes.subarray(headerEnd), shape };
}

/** Reads and decodes an IDX file (see {@link decodeIdx}). */
export async function readIdx(path: string): Promise<IdxArray> {
  return decodeIdx(await Deno.readFile(path), path);
}
