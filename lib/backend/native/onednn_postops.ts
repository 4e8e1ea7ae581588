/**
 * oneDNN inference convolutions with post-ops, through Deno's FFI: `y = relu?(conv(x, W) + b [+ y₀])` in
 * one primitive, where `+ y₀` (oneDNN's `sum` post-op) adds what `y` held before the call — the residual
 * of a ResNet block — and `relu` is an `eltwise` post-op. NHWC activations, HWIO filters reordered to the
 * primitive's preferred layout (kept per filter tensor from its second use, ./reordered_weights.ts). Kept apart from `./onednn.ts`: the library
 * is opened once more with only the symbols this needs (the dynamic loader returns the same library).
 */
import { type ConvShape, geometryKey } from "./onednn.ts";

import {
  ARG_BIAS,
  ARG_DST,
  ARG_SRC,
  ARG_WEIGHTS,
  cell,
  COMMON_SYMBOLS,
  CONV_DIRECT,
  CONV_FORWARD_SYMBOLS,
  convImplsToAvoid,
  dims,
  DnnlSession,
  execArgs,
  F32,
  FORWARD_INFERENCE,
  layoutKey,
  MD_BYTES,
  OP_DESC_BYTES,
  openOneDnn,
  POST_OPS_SYMBOLS,
  type PostOps,
  ptrOf,
  QUERY_WEIGHTS_MD,
  TAG_A,
  TAG_ANY,
  TAG_HWIO,
  TAG_NHWC,
} from "./dnnl_api.ts";
import { reorderedFilter } from "./reordered_weights.ts";

const SYMBOLS = {
  ...COMMON_SYMBOLS,
  ...CONV_FORWARD_SYMBOLS,
  ...POST_OPS_SYMBOLS,
  dnnl_primitive_desc_query_md: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
  dnnl_memory_desc_equal: { parameters: ["pointer", "buffer"], result: "i32" },
  dnnl_memory_desc_get_size: { parameters: ["pointer"], result: "usize" },
  dnnl_reorder_primitive_desc_create: {
    parameters: ["buffer", "pointer", "pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

interface Prepared {
  prim: Deno.PointerValue;
  args: Uint8Array;
  src: Deno.PointerValue;
  dst: Deno.PointerValue;
  bias: Deno.PointerValue;
  /** Filter in the user's HWIO layout, reordered into `weights` (backed by `scratch`) when they differ. */
  userWeights: Deno.PointerValue;
  weights: Deno.PointerValue;
  reorder?: { prim: Deno.PointerValue; args: Uint8Array; scratch: Uint8Array; layout: string };
  impl: string;
}

/** Inference convolutions with post-ops, one cached primitive per geometry and post-op set. */
export class OneDnnPostOps extends DnnlSession {
  private readonly cache = new Map<string, Prepared>();

  constructor(private readonly lib: Lib) {
    super(lib);
  }

  private md(d: BigInt64Array, tag: number): Uint8Array {
    const md = new Uint8Array(MD_BYTES);
    this.check(
      "dnnl_memory_desc_init_by_tag",
      this.lib.dnnl_memory_desc_init_by_tag(md, d.length, d, F32, tag),
      "",
    );
    return md;
  }

  private prepare(g: ConvShape, post: PostOps): Prepared {
    const key = `${post.sum}|${post.relu}|${geometryKey(g)}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const src = this.md(dims(g.batchSize, g.inChannels, g.inHeight, g.inWidth), TAG_NHWC);
    const dst = this.md(dims(g.batchSize, g.outChannels, g.outHeight, g.outWidth), TAG_NHWC);
    const wDims = dims(g.outChannels, g.inChannels, g.filterHeight, g.filterWidth);
    const wUser = this.md(wDims, TAG_HWIO);
    const bias = this.md(dims(g.outChannels), TAG_A);
    const desc = new Uint8Array(OP_DESC_BYTES);
    this.check(
      "dnnl_dilated_convolution_forward_desc_init",
      this.lib.dnnl_dilated_convolution_forward_desc_init(
        desc,
        FORWARD_INFERENCE,
        CONV_DIRECT,
        src,
        this.md(wDims, TAG_ANY),
        bias,
        dst,
        dims(g.strideHeight, g.strideWidth),
        dims(g.dilationHeight - 1, g.dilationWidth - 1),
        dims(g.padInfo.top, g.padInfo.left),
        dims(g.padInfo.bottom, g.padInfo.right),
      ),
      key,
    );
    const { pd, prim } = this.primitive(
      desc,
      key,
      this.postOpsAttr(this.lib, post, key),
      null,
      convImplsToAvoid(g.inChannels),
    );
    const wPrim = this.lib.dnnl_primitive_desc_query_md(pd, QUERY_WEIGHTS_MD, 0);
    const userWeights = this.memory(wUser);
    let weights = userWeights;
    let reorder: Prepared["reorder"];
    if (this.lib.dnnl_memory_desc_equal(wPrim, wUser) !== 1) {
      weights = this.memory(wPrim);
      const scratch = new Uint8Array(Number(this.lib.dnnl_memory_desc_get_size(wPrim)) + 64);
      this.lib.dnnl_memory_set_data_handle(weights, Deno.UnsafePointer.of(scratch));
      const rpd = cell();
      this.check(
        "dnnl_reorder_primitive_desc_create",
        this.lib.dnnl_reorder_primitive_desc_create(
          rpd,
          Deno.UnsafePointer.of(wUser),
          this.engine,
          wPrim,
          this.engine,
          null,
        ),
        key,
      );
      reorder = {
        prim: this.primitiveOf(ptrOf(rpd), key),
        args: execArgs([[ARG_SRC, userWeights], [ARG_DST, weights]]),
        scratch,
        layout: layoutKey(wPrim),
      };
    }
    const [srcMem, dstMem, biasMem] = [this.memory(src), this.memory(dst), this.memory(bias)];
    const prepared: Prepared = {
      prim,
      args: execArgs([[ARG_SRC, srcMem], [ARG_WEIGHTS, weights], [ARG_BIAS, biasMem], [ARG_DST, dstMem]]),
      src: srcMem,
      dst: dstMem,
      bias: biasMem,
      userWeights,
      weights,
      reorder,
      impl: this.implName(pd),
    };
    this.cache.set(key, prepared);
    return prepared;
  }

  /** Runs `y = relu?(conv(x, filter) + bias [+ y])` on raw pointers `(x, filter HWIO, bias, y)`; with
   * `filterOwner` (the filter tensor's data id) its reorder is kept for the next calls
   * (./reordered_weights.ts). */
  conv(
    g: ConvShape,
    post: PostOps,
    ptrs: [Deno.PointerValue, Deno.PointerValue, Deno.PointerValue, Deno.PointerValue],
    filterOwner?: object,
  ) {
    const p = this.prepare(g, post);
    const set = (mem: Deno.PointerValue, ptr: Deno.PointerValue) =>
      this.lib.dnnl_memory_set_data_handle(mem, ptr);
    set(p.src, ptrs[0]);
    set(p.userWeights, ptrs[1]);
    set(p.bias, ptrs[2]);
    set(p.dst, ptrs[3]);
    const r = p.reorder;
    if (r) {
      const into = (buffer: Uint8Array) => set(p.weights, Deno.UnsafePointer.of(buffer));
      into(
        reorderedFilter(filterOwner, r.layout, r.scratch, (buffer) => {
          into(buffer);
          this.check(
            "dnnl_primitive_execute",
            this.lib.dnnl_primitive_execute(r.prim, this.stream, 2, r.args),
            "reorder",
          );
        }),
      );
    }
    this.check(
      "dnnl_primitive_execute",
      this.lib.dnnl_primitive_execute(p.prim, this.stream, 4, p.args),
      "conv post-ops",
    );
  }

  /** Name of the oneDNN implementation chosen (e.g. `brg:avx512_core`), for profiles. */
  implementation(g: ConvShape, post: PostOps): string {
    return this.prepare(g, post).impl;
  }
}

let loaded: OneDnnPostOps | null | undefined;

/** The post-op convolutions, or undefined when `libdnnl.so.2` cannot be opened, FFI is not permitted,
 * or `FREQLENS_NATIVE=0`. Loaded once. */
export function loadOneDnnPostOps(): OneDnnPostOps | undefined {
  if (loaded === undefined) loaded = openOneDnn(SYMBOLS, (lib) => new OneDnnPostOps(lib));
  return loaded ?? undefined;
}
