/**
 * CRC-32 checks of zip entries. `fflate` inflates a zip without checking the CRC-32 its central directory
 * records, so a flipped byte inside a stored (uncompressed) tensor of a `torch.save` zip would import
 * silently; {@link checkZipCrcs} compares every entry against its recorded CRC.
 */
import { CheckpointFormatError } from "./errors.ts";

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zip uses it) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Entry name → CRC-32 recorded in the zip's central directory (zip64 archives included). */
export function centralDirectoryCrcs(bytes: Uint8Array, file: string): Map<string, number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let eocd = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 65535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    throw new CheckpointFormatError(file, "zip archive without an end of central directory record");
  }
  let count = view.getUint16(eocd + 10, true);
  let offset = view.getUint32(eocd + 16, true);
  if (
    (count === 0xffff || offset === 0xffffffff) && eocd >= 20 &&
    view.getUint32(eocd - 20, true) === 0x07064b50
  ) {
    const z64 = Number(view.getBigUint64(eocd - 20 + 8, true));
    count = Number(view.getBigUint64(z64 + 32, true));
    offset = Number(view.getBigUint64(z64 + 48, true));
  }
  const out = new Map<string, number>();
  const decoder = new TextDecoder();
  for (let k = 0, p = offset; k < count; k++) {
    if (p + 46 > bytes.length || view.getUint32(p, true) !== 0x02014b50) {
      throw new CheckpointFormatError(file, `zip central directory entry ${k} at byte ${p} is malformed`);
    }
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    out.set(decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen)), view.getUint32(p + 16, true));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** Throws a {@link CheckpointFormatError} naming the first entry whose bytes do not match their CRC-32. */
export function checkZipCrcs(bytes: Uint8Array, entries: Record<string, Uint8Array>, file: string): void {
  const crcs = centralDirectoryCrcs(bytes, file);
  for (const [name, data] of Object.entries(entries)) {
    const want = crcs.get(name);
    const got = crc32(data);
    if (want === undefined) {
      throw new CheckpointFormatError(file, `zip entry '${name}' is not in the central directory`);
    }
    if (want !== got) {
      const hex = (v: number) => v.toString(16).padStart(8, "0");
      throw new CheckpointFormatError(
        file,
        `zip entry '${name}' fails its CRC-32 check (recorded ${hex(want)}, computed ${
          hex(got)
        }): the file is corrupt`,
      );
    }
  }
}
