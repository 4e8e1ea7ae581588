/**
 * What every freqlens binding of oneDNN's v2.x C API shares (`./onednn.ts`, `./onednn_matmul.ts`,
 * `./onednn_postops.ts`): the API constants they use (dnnl_types.h, checked against libdnnl 2.6.3), the
 * FFI signatures of engine, stream, memory and primitive calls, and the helpers that build out-parameters
 * and `dnnl_exec_arg_t` arrays. One place, so the three modules cannot disagree on an id or a signature.
 */

/** Data type, memory-format tags, propagation kinds and algorithms. */
export const F32 = 3, TAG_ANY = 1, TAG_A = 2, TAG_NHWC = 20, TAG_HWIO = 30;
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

/** The engine and stream calls, as every binding declares them. */
type EngineSymbols = Deno.DynamicLibrary<
  Pick<typeof COMMON_SYMBOLS, "dnnl_engine_create" | "dnnl_stream_create">
>["symbols"];

/**
 * A CPU engine and its default stream; `check` turns a failed call's status into the binding's own error.
 */
export function engineAndStream(
  lib: EngineSymbols,
  check: (call: string, status: number) => void,
): { engine: Deno.PointerValue; stream: Deno.PointerValue } {
  const e = cell();
  check("dnnl_engine_create", lib.dnnl_engine_create(e, CPU, 0n));
  const engine = ptrOf(e);
  const s = cell();
  check("dnnl_stream_create", lib.dnnl_stream_create(s, engine, STREAM_DEFAULT));
  return { engine, stream: ptrOf(s) };
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
