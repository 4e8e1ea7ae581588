/**
 * A restricted unpickler for PyTorch checkpoints, built on `pickleparser`.
 *
 * Only the globals a tensor checkpoint needs resolve: `torch._utils._rebuild_tensor_v2` (and its older and
 * parameter variants), the typed storage classes (`torch.FloatStorage`, …), `collections.OrderedDict` and
 * `torch.Size`; every other global (`os.system`, a model class, `numpy` objects, …) stops unpickling with a
 * {@link ForbiddenGlobalError} naming it. Resolved globals are plain JavaScript functions that build data:
 * nothing from the checkpoint is ever executed. Dicts become `Map`s (so no key can touch an object's
 * prototype), tuples and lists arrays, tensors frozen {@link TensorRef}s that point into storages, which the
 * container format ({@link materializeTensors}) fills in afterwards.
 */
import { BufferReader, Parser } from "pickleparser";
import { CheckpointFormatError, ForbiddenGlobalError } from "./errors.ts";
import { type TorchDtype, type TorchTensor, viewOfStorage } from "./tensor.ts";

/** The storage classes a pickle may name, and the dtype of their elements. */
const STORAGE_TYPES: Record<string, TorchDtype> = {
  FloatStorage: "float32",
  DoubleStorage: "float64",
  HalfStorage: "float16",
  BFloat16Storage: "bfloat16",
  LongStorage: "int64",
  IntStorage: "int32",
  ShortStorage: "int16",
  CharStorage: "int8",
  ByteStorage: "uint8",
  BoolStorage: "bool",
};

/** A storage named by a persistent id: its key in the container, element type and element count. */
export class StorageRef {
  constructor(
    readonly key: string,
    readonly dtype: TorchDtype,
    readonly numel: number,
    /** Legacy-format view into another storage: `[rootKey, elementOffset, elementCount]`. */
    readonly view: readonly [string, number, number] | null,
  ) {
    Object.freeze(this);
  }
}

/** A tensor as pickled: a strided view of a storage, materialised once the storage bytes are known. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {
    Object.freeze(this);
  }
}

type Fn = (...args: unknown[]) => unknown;

function isIntArray(x: unknown): x is number[] {
  return Array.isArray(x) && x.every((v) => Number.isInteger(v) && v >= 0);
}

function rebuildTensor(storage: unknown, offset: unknown, size: unknown, stride: unknown): TensorRef {
  if (!(storage instanceof StorageRef)) throw new Error("_rebuild_tensor: first argument is not a storage");
  if (!Number.isInteger(offset) || !isIntArray(size) || !isIntArray(stride)) {
    throw new Error(
      `_rebuild_tensor: malformed offset/size/stride ${JSON.stringify([offset, size, stride])}`,
    );
  }
  return new TensorRef(storage, offset as number, [...size], [...stride]);
}

/** The allow-list: fully qualified Python name → the function standing in for it. */
function allowedGlobals(): Map<string, Fn> {
  const globals = new Map<string, Fn>([
    ["collections.OrderedDict", () => new Map()],
    ["torch._utils._rebuild_tensor_v2", (s, o, size, stride) => rebuildTensor(s, o, size, stride)],
    ["torch._utils._rebuild_tensor", (s, o, size, stride) => rebuildTensor(s, o, size, stride)],
    ["torch._utils._rebuild_parameter", (data) => {
      if (!(data instanceof TensorRef)) throw new Error("_rebuild_parameter: data is not a tensor");
      return data;
    }],
    ["torch.Size", (dims) => {
      if (!isIntArray(dims)) throw new Error("torch.Size: dims are not integers");
      return [...dims];
    }],
  ]);
  return globals;
}

/** Stands in for a storage class; only ever used as data inside a persistent id, never called. */
function storageClass(): never {
  throw new Error("a storage class cannot be called");
}

/**
 * Reads one pickle from `reader` (advancing it past the STOP opcode) with the restricted resolver.
 * `file` names the checkpoint in errors. Storage persistent ids become {@link StorageRef}s, one per key.
 */
export function unpickleRestricted(reader: BufferReader, file: string): unknown {
  const globals = allowedGlobals();
  const storages = new Map<string, StorageRef>();
  const storageDtype = new Map<Fn, TorchDtype>();
  for (const [name, dtype] of Object.entries(STORAGE_TYPES)) {
    // one distinct function object per storage class, so a persistent id tells them apart
    const fn = (() => storageClass()) as Fn;
    storageDtype.set(fn, dtype);
    globals.set(`torch.${name}`, fn);
  }
  const parser = new Parser({
    unpicklingTypeOfDictionary: "Map",
    unpicklingTypeOfSet: "array",
    nameResolver: {
      resolve(module: string, name: string) {
        const fn = globals.get(`${module}.${name}`);
        if (!fn) throw new ForbiddenGlobalError(file, `${module}.${name}`);
        return fn;
      },
    },
    persistentResolver: {
      resolve(pid: unknown) {
        if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length < 5) {
          throw new Error(`unsupported persistent id ${JSON.stringify(pid)}`);
        }
        const [, cls, key, , numel, view] = pid;
        const dtype = storageDtype.get(cls as Fn);
        if (!dtype) throw new Error(`persistent id names no storage class: ${JSON.stringify(pid)}`);
        if (typeof key !== "string" || !Number.isInteger(numel) || (numel as number) < 0) {
          throw new Error(`malformed storage persistent id ${JSON.stringify(pid)}`);
        }
        let viewOf: [string, number, number] | null = null;
        if (view != null) {
          if (!Array.isArray(view) || typeof view[0] !== "string" || !isIntArray(view.slice(1, 3))) {
            throw new Error(`malformed storage view ${JSON.stringify(view)}`);
          }
          viewOf = [view[0], view[1], view[2]];
        }
        const cached = storages.get(key);
        if (cached) return cached;
        const ref = new StorageRef(key, dtype, numel as number, viewOf);
        storages.set(key, ref);
        return ref;
      },
    },
  });
  try {
    return parser.read(reader);
  } catch (err) {
    if (err instanceof ForbiddenGlobalError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw new CheckpointFormatError(file, `malformed pickle near byte ${reader.position}: ${msg}`);
  }
}

/**
 * Replaces every {@link TensorRef} in an unpickled object tree by a {@link TorchTensor}, reading storage
 * elements through `storageData` (called once per storage key). Maps, arrays and plain objects are walked;
 * shared sub-trees are visited once. Throws {@link CheckpointFormatError} naming the file on a bad view.
 */
export function materializeTensors(
  root: unknown,
  file: string,
  storageData: (ref: StorageRef) => Float32Array | Float64Array,
): unknown {
  const storageCache = new Map<string, Float32Array | Float64Array>();
  const data = (ref: StorageRef) => {
    let d = storageCache.get(ref.key);
    if (!d) {
      d = storageData(ref);
      storageCache.set(ref.key, d);
    }
    return d;
  };
  // Views are shared by identity and by value: robustness' `attacker.model.*` repeats every `model.*`
  // tensor as a separate view of the same storage, which need not be copied twice.
  const byView = new Map<string, TorchTensor>();
  const seen = new Set<unknown>();
  const convert = (x: unknown): unknown => {
    if (x instanceof TensorRef) {
      const viewKey = `${x.storage.key}|${x.offset}|${x.shape}|${x.stride}`;
      let t = byView.get(viewKey);
      if (!t) {
        const what = `tensor in storage '${x.storage.key}'`;
        let values: Float32Array | Float64Array;
        try {
          values = viewOfStorage(data(x.storage), x.offset, x.shape, x.stride, what);
        } catch (err) {
          if (err instanceof CheckpointFormatError) throw err;
          throw new CheckpointFormatError(file, err instanceof Error ? err.message : String(err));
        }
        t = Object.freeze({ dtype: x.storage.dtype, shape: [...x.shape], data: values });
        byView.set(viewKey, t);
      }
      return t;
    }
    if (x === null || typeof x !== "object" || seen.has(x)) return x;
    seen.add(x);
    if (x instanceof Map) {
      for (const [k, v] of x) x.set(k, convert(v));
    } else if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) x[i] = convert(x[i]);
    } else if (!ArrayBuffer.isView(x)) {
      const obj = x as Record<string, unknown>;
      for (const k of Object.keys(obj)) obj[k] = convert(obj[k]);
    }
    return x;
  };
  return convert(root);
}
