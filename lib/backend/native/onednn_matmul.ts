/**
 * oneDNN's matrix multiplication through Deno's FFI, on strided float32 views of raw memory (pointers into
 * the wasm heap or into typed arrays): `dst[b] = src[b] · weights[b]` with any strides, batch dimensions of
 * size 1 broadcast. One primitive per geometry, cached. Kept apart from `./onednn.ts` (convolutions and
 * the rest): the library is opened once more with only the symbols this needs, which the dynamic loader
 * resolves to the same loaded `libdnnl.so.2`.
 */
import {
  ARG_DST,
  ARG_SRC,
  ARG_WEIGHTS,
  cell,
  COMMON_SYMBOLS,
  dims,
  DnnlSession,
  execArgs,
  F32,
  MD_BYTES,
  OP_DESC_BYTES,
  openOneDnn,
  ptrOf,
} from "./dnnl_api.ts";

const SYMBOLS = {
  ...COMMON_SYMBOLS,
  dnnl_memory_desc_init_by_strides: {
    parameters: ["buffer", "i32", "buffer", "i32", "buffer"],
    result: "i32",
  },
  dnnl_matmul_desc_init: { parameters: ["buffer", "buffer", "buffer", "buffer", "buffer"], result: "i32" },
  dnnl_reorder_primitive_desc_create: {
    parameters: ["buffer", "buffer", "pointer", "buffer", "pointer", "pointer"],
    result: "i32",
  },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** A strided view of float32 memory of any rank; strides in elements. */
export interface StridedView {
  dims: readonly number[];
  strides: readonly number[];
}

/** A strided 3-D view `[batch, rows, cols]` of float32 memory; strides in elements. A batch of 1 with
 * stride 0 is broadcast over the other operand's batch. */
export interface MatrixView {
  dims: readonly [number, number, number];
  strides: readonly [number, number, number];
}

interface Prepared {
  prim: Deno.PointerValue;
  mems: Deno.PointerValue[];
  args: Uint8Array;
  impl: string;
}

/** oneDNN matmul with a cache of primitives per geometry. */
export class OneDnnMatmul extends DnnlSession {
  private readonly cache = new Map<string, Prepared>();

  constructor(private readonly lib: Lib) {
    super(lib);
  }

  private md(v: StridedView, detail: string): Uint8Array {
    const md = new Uint8Array(MD_BYTES);
    this.check(
      "dnnl_memory_desc_init_by_strides",
      this.lib.dnnl_memory_desc_init_by_strides(md, v.dims.length, dims(...v.dims), F32, dims(...v.strides)),
      detail,
    );
    return md;
  }

  private prepare(src: MatrixView, weights: MatrixView, dst: MatrixView): Prepared {
    const key = JSON.stringify([src, weights, dst]);
    const hit = this.cache.get(key);
    if (hit) return hit;
    const mds = [this.md(src, key), this.md(weights, key), this.md(dst, key)];
    const desc = new Uint8Array(OP_DESC_BYTES);
    this.check(
      "dnnl_matmul_desc_init",
      this.lib.dnnl_matmul_desc_init(desc, mds[0], mds[1], new Uint8Array(MD_BYTES), mds[2]),
      key,
    );
    const { pd, prim } = this.primitive(desc, key);
    const mems = mds.map((md) => this.memory(md, key));
    const args = execArgs([[ARG_SRC, mems[0]], [ARG_WEIGHTS, mems[1]], [ARG_DST, mems[2]]]);
    const prepared = { prim, mems, args, impl: this.implName(pd) };
    this.cache.set(key, prepared);
    return prepared;
  }

  /** `dst[b] = src[b] · weights[b]` on raw pointers (`[b, m, k]` · `[b, k, n]` → `[b, m, n]`). */
  matmul(
    src: MatrixView,
    weights: MatrixView,
    dst: MatrixView,
    ptrs: [Deno.PointerValue, Deno.PointerValue, Deno.PointerValue],
  ): void {
    const p = this.prepare(src, weights, dst);
    ptrs.forEach((ptr, i) => this.lib.dnnl_memory_set_data_handle(p.mems[i], ptr));
    this.check(
      "dnnl_primitive_execute",
      this.lib.dnnl_primitive_execute(p.prim, this.stream, 3, p.args),
      "matmul",
    );
  }

  /** `dst = src` element by element between two strided views of the same dims (a oneDNN reorder): a
   * transposition when the strides order the dimensions differently. */
  copy(src: StridedView, dst: StridedView, ptrs: [Deno.PointerValue, Deno.PointerValue]): void {
    const key = JSON.stringify(["copy", src, dst]);
    let p = this.cache.get(key);
    if (!p) {
      const mds = [this.md(src, key), this.md(dst, key)];
      const pd = cell();
      this.check(
        "dnnl_reorder_primitive_desc_create",
        this.lib.dnnl_reorder_primitive_desc_create(pd, mds[0], this.engine, mds[1], this.engine, null),
        key,
      );
      const prim = this.primitiveOf(ptrOf(pd), key);
      const mems = mds.map((md) => this.memory(md, key));
      p = {
        prim,
        mems,
        args: execArgs([[ARG_SRC, mems[0]], [ARG_DST, mems[1]]]),
        impl: this.implName(ptrOf(pd)),
      };
      this.cache.set(key, p);
    }
    ptrs.forEach((ptr, i) => this.lib.dnnl_memory_set_data_handle(p!.mems[i], ptr));
    this.check(
      "dnnl_primitive_execute",
      this.lib.dnnl_primitive_execute(p.prim, this.stream, 2, p.args),
      "copy",
    );
  }

  /** Name of the oneDNN implementation chosen for a geometry (e.g. `brg:avx512_core`), for profiles. */
  implementation(src: MatrixView, weights: MatrixView, dst: MatrixView): string {
    return this.prepare(src, weights, dst).impl;
  }
}

let loaded: OneDnnMatmul | null | undefined;

/** oneDNN's matmul, or undefined when `libdnnl.so.2` cannot be opened, FFI is not permitted, or
 * `FREQLENS_NATIVE=0`. Loaded once. */
export function loadOneDnnMatmul(): OneDnnMatmul | undefined {
  if (loaded === undefined) loaded = openOneDnn(SYMBOLS, (lib) => new OneDnnMatmul(lib));
  return loaded ?? undefined;
}
