/** Transparent gzip: bytes that start with the gzip magic (1f 8b) are inflated, others returned as they are. */
import { gunzipSync } from "node:zlib";
import { DatasetFormatError } from "./types.ts";

/** True when `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Inflates gzip data (or returns non-gzip data unchanged); a corrupt stream raises a {@link DatasetFormatError}. */
export function maybeGunzip(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    throw new DatasetFormatError(
      file,
      0,
      `corrupt gzip stream (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}
