/**
 * Checkpoint container formats, detected from the first bytes:
 * - the zip archive `torch.save` writes since PyTorch 1.6 (`<name>/data.pkl` + `<name>/data/<key>` storages),
 *   read with `fflate`, every entry checked against the CRC-32 the archive records;
 * - the legacy `torch.save` stream (`_use_new_zipfile_serialization=False`): magic-number, protocol and
 *   sys-info pickles, the object pickle, the storage-key list, then each storage as int64 count + bytes;
 * - safetensors (8-byte little-endian header length, JSON header, raw little-endian data).
 * Pickles go through the restricted unpickler; the result is an object tree of Maps, arrays, numbers,
 * strings and {@link TorchTensor}s.
 */
import { unzipSync } from "fflate";
import { BufferReader } from "pickleparser";
import { CheckpointFormatError } from "./errors.ts";
import { checkZipCrcs } from "./zip_crc.ts";
import { decodeElements, ITEMSIZE, numelOf, type TorchDtype, type TorchTensor } from "./tensor.ts";
import { materializeTensors, type StorageRef, TensorRef, unpickleRestricted } from "./unpickle.ts";

/** Which container a checkpoint came in. */
export type CheckpointFormat = "torch-zip" | "torch-legacy" | "safetensors";

/** A parsed checkpoint: the unpickled object (or, for safetensors, a Map of name → tensor). */
export interface ParsedCheckpoint {
  format: CheckpointFormat;
  root: unknown;
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
/** `torch.serialization.MAGIC_NUMBER` 0x1950a86a20f9469cfc6c as a pickled LONG1, little-endian. */
const LEGACY_MAGIC = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];

function startsWith(bytes: Uint8Array, magic: number[], at = 0): boolean {
  return bytes.length >= at + magic.length && magic.every((b, i) => bytes[at + i] === b);
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** Parses checkpoint bytes of any supported format; `file` names the source in errors. */
export function parseCheckpoint(bytes: Uint8Array, file: string): ParsedCheckpoint {
  if (startsWith(bytes, ZIP_MAGIC)) return { format: "torch-zip", root: parseTorchZip(bytes, file) };
  if (bytes[0] === 0x80 && startsWith(bytes, LEGACY_MAGIC, 2)) {
    return { format: "torch-legacy", root: parseTorchLegacy(bytes, file) };
  }
  if (new TextDecoder().decode(bytes.subarray(257, 262)) === "ustar") {
    throw new CheckpointFormatError(
      file,
      "this is the tar format of PyTorch < 0.4, which is not supported: load and re-save it with torch.save",
    );
  }
  if (bytes.length >= 9 && bytes[8] === 0x7b /* { */) {
    return { format: "safetensors", root: parseSafetensors(bytes, file) };
  }
  throw new CheckpointFormatError(
    file,
    `not a PyTorch checkpoint (zip or legacy torch.save) nor safetensors: first bytes ${
      hex(bytes.subarray(0, 8))
    }`,
  );
}

/** Largest uncompressed zip entry, and all entries together, a checkpoint may hold (2 GiB, 8 GiB). */
const MAX_ZIP_ENTRY_BYTES = 2 ** 31;
const MAX_ZIP_TOTAL_BYTES = 2 ** 33;

/** The zip archive of `torch.save`. */
function parseTorchZip(bytes: Uint8Array, file: string): unknown {
  let entries: Record<string, Uint8Array>;
  let inflated = 0;
  let oversized: string | null = null;
  try {
    entries = unzipSync(bytes, {
      // A deflated entry may expand without bound (a zip bomb); torch.save stores entries uncompressed.
      filter: (f) => {
        inflated += f.originalSize;
        if (f.originalSize > MAX_ZIP_ENTRY_BYTES || inflated > MAX_ZIP_TOTAL_BYTES) oversized ??= f.name;
        return oversized === null;
      },
    });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new CheckpointFormatError(file, `truncated or corrupt zip archive (${msg}; ${bytes.length} bytes)`);
  }
  if (oversized !== null) {
    throw new CheckpointFormatError(
      file,
      `zip entry '${oversized}' would expand past ${MAX_ZIP_ENTRY_BYTES} bytes per entry or ` +
        `${MAX_ZIP_TOTAL_BYTES} in all`,
    );
  }
  checkZipCrcs(bytes, entries, file);
  const pkl = Object.keys(entries).filter((n) => n === "data.pkl" || n.endsWith("/data.pkl"));
  if (pkl.length !== 1) {
    throw new CheckpointFormatError(file, `zip archive has ${pkl.length} data.pkl entries, expected 1`);
  }
  const prefix = pkl[0].slice(0, -"data.pkl".length);
  const byteorder = entries[`${prefix}byteorder`];
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== "little") {
    throw new CheckpointFormatError(file, "big-endian checkpoints are not supported");
  }
  const root = unpickleRestricted(new BufferReader(entries[pkl[0]]), file);
  return materializeTensors(root, file, (ref) => {
    const name = `${prefix}data/${ref.key}`;
    const data = entries[name];
    if (!data) {
      throw new CheckpointFormatError(file, `storage entry '${name}' is missing from the zip archive`);
    }
    return decodeStorage(data, ref, file, name);
  });
}

function decodeStorage(data: Uint8Array, ref: StorageRef, file: string, where: string) {
  const need = ref.numel * ITEMSIZE[ref.dtype];
  if (data.length < need) {
    throw new CheckpointFormatError(
      file,
      `storage ${where} holds ${data.length} bytes, needs ${need} (${ref.numel} × ${ref.dtype})`,
    );
  }
  return decodeElements(data, ref.dtype, ref.numel);
}

/** Storage key → dtype of every storage the unpickled tree's tensors refer to. */
function storageDtypes(root: unknown): Map<string, TorchDtype> {
  const out = new Map<string, TorchDtype>();
  const seen = new Set<unknown>();
  const walk = (x: unknown): void => {
    if (x instanceof TensorRef) {
      out.set(x.storage.view ? x.storage.view[0] : x.storage.key, x.storage.dtype);
      return;
    }
    if (x === null || typeof x !== "object" || seen.has(x)) return;
    seen.add(x);
    if (x instanceof Map) { for (const v of x.values()) walk(v); }
    else if (Array.isArray(x)) { for (const v of x) walk(v); }
    else if (!ArrayBuffer.isView(x)) { for (const v of Object.values(x)) walk(v); }
  };
  walk(root);
  return out;
}

/** The legacy (pre-1.6, or `_use_new_zipfile_serialization=False`) `torch.save` stream. */
function parseTorchLegacy(bytes: Uint8Array, file: string): unknown {
  const reader = new BufferReader(bytes);
  reader.skip(2 + LEGACY_MAGIC.length); // PROTO n, the magic number, STOP
  const protocol = unpickleRestricted(reader, file);
  if (protocol !== 1001) {
    throw new CheckpointFormatError(file, `unsupported legacy protocol version ${protocol}`);
  }
  const sysInfo = unpickleRestricted(reader, file);
  if (sysInfo instanceof Map && sysInfo.get("little_endian") === false) {
    throw new CheckpointFormatError(file, "big-endian checkpoints are not supported");
  }
  const root = unpickleRestricted(reader, file);
  const keys = unpickleRestricted(reader, file);
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) {
    throw new CheckpointFormatError(file, "legacy checkpoint: the storage key list is malformed");
  }
  // Storages follow one another as int64 element count + elements; the element size comes from the
  // storage type the object pickle gave each key.
  const dtypes = storageDtypes(root);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const raw = new Map<string, { data: Uint8Array; numel: number; dtype: TorchDtype }>();
  let pos = reader.position;
  for (const key of keys as string[]) {
    if (pos + 8 > bytes.length) {
      throw new CheckpointFormatError(
        file,
        `truncated: storage '${key}' header at byte ${pos} is past the end`,
      );
    }
    const numel = Number(view.getBigInt64(pos, true));
    const dtype = dtypes.get(key) ?? "uint8";
    const end = pos + 8 + numel * ITEMSIZE[dtype];
    if (numel < 0 || end > bytes.length) {
      throw new CheckpointFormatError(
        file,
        `truncated: storage '${key}' needs bytes ${pos + 8}..${end} but the file has ${bytes.length}`,
      );
    }
    raw.set(key, { data: bytes.subarray(pos + 8, end), numel, dtype });
    pos = end;
  }
  return materializeTensors(root, file, (ref) => {
    const rootKey = ref.view ? ref.view[0] : ref.key;
    const r = raw.get(rootKey);
    if (!r) throw new CheckpointFormatError(file, `legacy checkpoint: storage '${rootKey}' has no data`);
    const all = decodeElements(r.data, r.dtype, r.numel);
    return ref.view ? all.subarray(ref.view[1], ref.view[1] + ref.view[2]) : all;
  });
}

const SAFETENSORS_DTYPES: Record<string, TorchDtype> = {
  F32: "float32",
  F64: "float64",
  F16: "float16",
  BF16: "bfloat16",
  I64: "int64",
  I32: "int32",
  I16: "int16",
  I8: "int8",
  U8: "uint8",
  BOOL: "bool",
};

/** A safetensors file: a Map of tensor name → tensor (the `__metadata__` entry is skipped). */
function parseSafetensors(bytes: Uint8Array, file: string): Map<string, TorchTensor> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (8 + headerLen > bytes.length) {
    throw new CheckpointFormatError(
      file,
      `truncated safetensors: header of ${headerLen} bytes, file ${bytes.length}`,
    );
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)));
  } catch (err) {
    throw new CheckpointFormatError(file, `safetensors header is not JSON: ${(err as Error).message}`);
  }
  const data = bytes.subarray(8 + headerLen);
  const out = new Map<string, TorchTensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const e = entry as { dtype?: string; shape?: number[]; data_offsets?: number[] };
    const dtype = SAFETENSORS_DTYPES[e.dtype ?? ""];
    const [begin, end] = e.data_offsets ?? [];
    if (!dtype || !Array.isArray(e.shape) || !Number.isInteger(begin) || !Number.isInteger(end)) {
      throw new CheckpointFormatError(
        file,
        `safetensors entry '${name}' is malformed: ${JSON.stringify(entry)}`,
      );
    }
    const numel = numelOf(e.shape);
    if (end - begin !== numel * ITEMSIZE[dtype] || end > data.length || begin < 0) {
      throw new CheckpointFormatError(
        file,
        `safetensors entry '${name}': bytes ${begin}..${end} do not hold [${e.shape}] ${dtype} within ${data.length} bytes`,
      );
    }
    const values = decodeElements(data.subarray(begin, end), dtype, numel);
    out.set(name, Object.freeze({ dtype, shape: [...e.shape], data: values.slice() }));
  }
  return out;
}
