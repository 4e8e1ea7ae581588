/**
 * What every freqlens binding of oneDNN's v2.x C API shares (`./onednn.ts`, `./onednn_matmul.ts`,
 * `./onednn_postops.ts`): the API constants they use (dnnl_types.h, checked against libdnnl 2.6.3), the
 * FFI signatures of engine, stream, memory and primitive calls, and the helpers that build out-parameters
 * and `dnnl_exec_arg_t` arrays, the engine/stream/primitive calls ({@link DnnlSession}) and the loader. One place, so the three modules cannot disagree on an id or a signature.
 */
import { settleOpenMpWaiting } from "./threads.ts";

/** Data type, memory-format tags, propagation kinds and algorithms. */
export const F32 = 3, TAG_ANY = 1, TAG_A = 2, TAG_AB = 3, TAG_NHWC = 20, TAG_HWIO = 30;
export const FORWARD_INFERENCE = 96, CONV_DIRECT = 1, ELTWISE_RELU = 0x1f;
/** Engine kind and stream flags. */
export const CPU = 1, STREAM_DEFAULT = 1;
/** Execution argument ids. */
export const ARG_SRC = 1, ARG_DST = 17, ARG_WEIGHTS = 33, ARG_BIAS = 41;
/** Primitive-descriptor queries. */
export const QUERY_WEIGHTS_MD = 131, QUERY_IMPL_INFO_STR = 8;
/** Struct sizes of libdnnl 2.6 (x86-64): memory_desc_t 696 B, convolution_desc_t 5,976 B; the buffers are
 * oversized so a minor-version growth cannot overflow them. */
export const MD_BYTES = 1024, OP_DESC_BYTES = 8192;
/** Bytes of libdnnl 2.6's `dnnl_memory_desc_t` itself (see above). */
const MD_STRUCT_BYTES = 696;

/** A string naming the memory layout `md` describes (its descriptor's bytes: dims, data type, padding,
 * blocking), equal for equal descriptors; computed once per primitive, for keys. */
export function layoutKey(md: Deno.PointerValue): string {
  return new Uint32Array(new Deno.UnsafePointerView(md!).getArrayBuffer(MD_STRUCT_BYTES)).join(",");
}
/** Size of one `dnnl_exec_arg_t` (an int argument id, padded, then a memory pointer). */
export const EXEC_ARG_BYTES = 16;

/** FFI signatures of the engine, stream, memory and primitive calls every binding uses. */
export const COMMON_SYMBOLS = {
  dnnl_engine_create: { parameters: ["buffer", "i32", "usize"], result: "i32" },
  dnnl_stream_create: { parameters: ["buffer", "pointer", "u32"], result: "i32" },
  dnnl_primitive_desc_create: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_primitive_desc_query: { parameters: ["pointer", "i32", "i32", "buffer"], result: "i32" },
  dnnl_primitive_create: { parameters: ["buffer", "pointer"], result: "i32" },
  dnnl_primitive_execute: { parameters: ["pointer", "pointer", "i32", "buffer"], result: "i32" },
  dnnl_memory_create: { parameters: ["buffer", "pointer", "pointer", "pointer"], result: "i32" },
  dnnl_memory_set_data_handle: { parameters: ["pointer", "pointer"], result: "i32" },
  dnnl_primitive_desc_iterator_create: {
    parameters: ["buffer", "buffer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_primitive_desc_iterator_fetch: { parameters: ["pointer"], result: "pointer" },
  dnnl_primitive_desc_iterator_next: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_desc_iterator_destroy: { parameters: ["pointer"], result: "i32" },
  dnnl_primitive_desc_destroy: { parameters: ["pointer"], result: "i32" },
} as const;

/** FFI signatures of plain-layout memory descriptors and the forward convolution descriptor (the conv and
 * post-op bindings). */
export const CONV_FORWARD_SYMBOLS = {
  dnnl_memory_desc_init_by_tag: { parameters: ["buffer", "i32", "buffer", "i32", "i32"], result: "i32" },
  dnnl_dilated_convolution_forward_desc_init: {
    parameters: [
      "buffer",
      "i32",
      "i32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: "i32",
  },
} as const;

/** FFI signatures of primitive attributes with post-ops (a sum and a ReLU after the primitive's result). */
export const POST_OPS_SYMBOLS = {
  dnnl_primitive_attr_create: { parameters: ["buffer"], result: "i32" },
  dnnl_post_ops_create: { parameters: ["buffer"], result: "i32" },
  dnnl_post_ops_append_sum: { parameters: ["pointer", "f32"], result: "i32" },
  dnnl_post_ops_append_eltwise: { parameters: ["pointer", "f32", "i32", "f32", "f32"], result: "i32" },
  dnnl_primitive_attr_set_post_ops: { parameters: ["pointer", "pointer"], result: "i32" },
} as const;

/** Which post-ops follow a primitive's result. */
export interface PostOps {
  /** Add the destination's prior content (the residual). */
  sum: boolean;
  /** ReLU after everything else. */
  relu: boolean;
}

/** For a forward convolution with `inChannels` inputs, the implementations to pass over (see
 * `DnnlSession.primitive`): oneDNN 2.6 tries its brgemm convolution first even for an image's first layer,
 * 1–3 input channels, where its direct jit kernel is faster — the 3→16-channel 3×3 convolution of a CIFAR
 * ResNet (ReLU post-op) at batch 128 took 0.87 ms as `brgconv:avx512_core` and 0.50 ms as `jit:avx512_core`
 * (batch 32: 0.18 vs 0.12 ms; medians of 40 on this project's VM). Under AVX2 the jit kernel comes first
 * anyway. */
export function convImplsToAvoid(inChannels: number): ((impl: string) => boolean) | undefined {
  return inChannels < 4 ? (impl) => impl.startsWith("brgconv") : undefined;
}

/** The calls of {@link COMMON_SYMBOLS}, as every binding's library has them. */
type CommonSymbols = Deno.DynamicLibrary<typeof COMMON_SYMBOLS>["symbols"];

/**
 * What every binding does with oneDNN's common calls: a CPU engine and its default stream, status checks
 * that throw {@link OneDnnError}, memory objects, primitives from an op descriptor, and the name of the
 * implementation oneDNN chose. The bindings extend it.
 */
export class DnnlSession {
  protected readonly engine: Deno.PointerValue;
  protected readonly stream: Deno.PointerValue;

  constructor(private readonly common: CommonSymbols) {
    const e = cell();
    this.check("dnnl_engine_create", common.dnnl_engine_create(e, CPU, 0n));
    this.engine = ptrOf(e);
    const st = cell();
    this.check("dnnl_stream_create", common.dnnl_stream_create(st, this.engine, STREAM_DEFAULT));
    this.stream = ptrOf(st);
  }

  /** Throws {@link OneDnnError} when `status` is not success; `detail` says what was being computed. */
  protected check(call: string, status: number, detail = ""): void {
    if (status !== 0) throw new OneDnnError(call, status, detail);
  }

  /** A memory object on the engine for descriptor `md` (its data handle set at execution). */
  protected memory(md: Deno.PointerValue | Uint8Array, detail = ""): Deno.PointerValue {
    const m = cell();
    const p = md instanceof Uint8Array ? Deno.UnsafePointer.of(md) : md;
    this.check("dnnl_memory_create", this.common.dnnl_memory_create(m, p, this.engine, null), detail);
    return ptrOf(m);
  }

  /** Primitive attributes carrying `post` (through the {@link POST_OPS_SYMBOLS} calls of `lib`). */
  protected postOpsAttr(
    lib: Deno.DynamicLibrary<typeof POST_OPS_SYMBOLS>["symbols"],
    post: PostOps,
    detail: string,
  ): Deno.PointerValue {
    const a = cell();
    this.check("dnnl_primitive_attr_create", lib.dnnl_primitive_attr_create(a), detail);
    const ops = cell();
    this.check("dnnl_post_ops_create", lib.dnnl_post_ops_create(ops), detail);
    if (post.sum) {
      this.check("dnnl_post_ops_append_sum", lib.dnnl_post_ops_append_sum(ptrOf(ops), 1), detail);
    }
    if (post.relu) {
      this.check(
        "dnnl_post_ops_append_eltwise",
        lib.dnnl_post_ops_append_eltwise(ptrOf(ops), 1, ELTWISE_RELU, 0, 0),
        detail,
      );
    }
    this.check(
      "dnnl_primitive_attr_set_post_ops",
      lib.dnnl_primitive_attr_set_post_ops(ptrOf(a), ptrOf(ops)),
      detail,
    );
    return ptrOf(a);
  }

  /** The primitive descriptor and primitive of `desc` (with primitive attributes `attr` and a forward
   * `hint` for backward passes, both optional). With `avoid`, the first of oneDNN's implementations in its
   * own order whose name `avoid` does not match, if any does not (a fixed rule, so the choice and the bits
   * do not depend on timing). */
  protected primitive(
    desc: Uint8Array,
    detail: string,
    attr: Deno.PointerValue = null,
    hint: Deno.PointerValue = null,
    avoid?: (impl: string) => boolean,
  ): { pd: Deno.PointerValue; prim: Deno.PointerValue } {
    const pd = avoid
      ? this.preferredDesc(desc, detail, attr, hint, avoid)
      : this.firstDesc(desc, detail, attr, hint);
    return { pd, prim: this.primitiveOf(pd, detail) };
  }

  /** The descriptor of oneDNN's first implementation of `desc` (see {@link primitive}). */
  private firstDesc(
    desc: Uint8Array,
    detail: string,
    attr: Deno.PointerValue,
    hint: Deno.PointerValue,
  ): Deno.PointerValue {
    const out = cell();
    this.check(
      "dnnl_primitive_desc_create",
      this.common.dnnl_primitive_desc_create(out, desc, attr, this.engine, hint),
      detail,
    );
    return ptrOf(out);
  }

  /** The descriptor of oneDNN's first implementation of `desc` that `avoid` does not match, else of its
   * first (see {@link primitive}). */
  private preferredDesc(
    desc: Uint8Array,
    detail: string,
    attr: Deno.PointerValue,
    hint: Deno.PointerValue,
    avoid: (impl: string) => boolean,
  ): Deno.PointerValue {
    const c = this.common;
    const it = cell();
    this.check(
      "dnnl_primitive_desc_iterator_create",
      c.dnnl_primitive_desc_iterator_create(it, desc, attr, this.engine, hint),
      detail,
    );
    const iterator = ptrOf(it);
    let first: Deno.PointerValue = null;
    let chosen: Deno.PointerValue = null;
    do {
      const pd = c.dnnl_primitive_desc_iterator_fetch(iterator);
      if (first === null) first = pd;
      if (!avoid(this.implName(pd))) chosen = pd;
      else if (pd !== first) c.dnnl_primitive_desc_destroy(pd);
    } while (chosen === null && c.dnnl_primitive_desc_iterator_next(iterator) === 0);
    c.dnnl_primitive_desc_iterator_destroy(iterator);
    if (chosen === null) return first;
    if (chosen !== first) c.dnnl_primitive_desc_destroy(first);
    return chosen;
  }

  /** The primitive of an already created primitive descriptor (a reorder's, say). */
  protected primitiveOf(pd: Deno.PointerValue, detail = ""): Deno.PointerValue {
    const prim = cell();
    this.check("dnnl_primitive_create", this.common.dnnl_primitive_create(prim, pd), detail);
    return ptrOf(prim);
  }

  /** Name of the implementation oneDNN chose for `pd` (e.g. `brg:avx512_core`), `?` if it does not say. */
  protected implName(pd: Deno.PointerValue): string {
    const out = cell();
    const status = this.common.dnnl_primitive_desc_query(
      pd,
      QUERY_IMPL_INFO_STR,
      0,
      new Uint8Array(out.buffer),
    );
    return status === 0 ? Deno.UnsafePointerView.getCString(ptrOf(out)!) : "?";
  }
}

/**
 * A binding over `libdnnl.so.2` opened with `symbols` and made by `make`, or null when the library cannot
 * be opened, FFI is not permitted or `FREQLENS_NATIVE=0` (the callers then compute another way).
 */
export function openOneDnn<S extends Deno.ForeignLibraryInterface, T>(
  symbols: S,
  make: (lib: Deno.DynamicLibrary<S>["symbols"]) => T,
): T | null {
  try {
    if (Deno.env.get("FREQLENS_NATIVE") === "0") return null;
    settleOpenMpWaiting();
    return make(Deno.dlopen("libdnnl.so.2", symbols).symbols);
  } catch {
    return null;
  }
}

/** A oneDNN call returned an error status (names the call, the status and what it was computing). */
export class OneDnnError extends Error {
  constructor(call: string, status: number, detail: string) {
    super(`oneDNN ${call} failed with status ${status} (${detail})`);
    this.name = "OneDnnError";
  }
}

/** An out-parameter cell for a oneDNN handle. */
export const cell = (): BigUint64Array => new BigUint64Array(1);
/** The handle a call wrote into `c`. */
export const ptrOf = (c: BigUint64Array): Deno.PointerValue => Deno.UnsafePointer.create(c[0]);
/** A `dnnl_dims_t` of the given extents. */
export const dims = (...d: readonly number[]): BigInt64Array => new BigInt64Array(d.map(BigInt));

/** A `dnnl_exec_arg_t[]` binding each argument id to its memory object. */
export function execArgs(pairs: [number, Deno.PointerValue][]): Uint8Array {
  const buf = new Uint8Array(EXEC_ARG_BYTES * pairs.length);
  const view = new DataView(buf.buffer);
  pairs.forEach(([arg, mem], i) => {
    view.setInt32(EXEC_ARG_BYTES * i, arg, true);
    view.setBigUint64(EXEC_ARG_BYTES * i + 8, BigInt(Deno.UnsafePointer.value(mem)), true);
  });
  return buf;
}
