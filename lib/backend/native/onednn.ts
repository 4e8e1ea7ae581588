/**
 * oneDNN (the kernel library under PyTorch's CPU path) through Deno's FFI: 2-D convolution forward,
 * backward-data and backward-weights over NHWC activations and HWIO filters, batch-norm, the max-pooling
 * gradient, the ReLU gradient and elementwise addition, reading and writing tfjs tensors in place (pointers into the wasm heap or
 * into typed arrays). Loaded from Debian's `libdnnl2`
 * (`libdnnl.so.2`, v2.x C API); {@link loadOneDnn} returns undefined when the library is absent or
 * `FREQLENS_NATIVE=0`, and freqlens falls back to wasm kernels.
 *
 * Primitives are created once per geometry and cached; activations stay in plain NHWC, filters are
 * reordered into oneDNN's preferred blocked layout when it differs (kept per filter tensor from its second
 * use, ./reordered_weights.ts).
 */

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
  ELTWISE_RELU,
  EXEC_ARG_BYTES,
  execArgs,
  F32,
  FORWARD_INFERENCE,
  layoutKey,
  MD_BYTES,
  OP_DESC_BYTES,
  openOneDnn,
  POST_OPS_SYMBOLS,
  ptrOf,
  QUERY_WEIGHTS_MD,
  TAG_A,
  TAG_AB,
  TAG_ANY,
  TAG_HWIO,
  TAG_NHWC,
} from "./dnnl_api.ts";
import { reorderedFilter } from "./reordered_weights.ts";

// The rest of oneDNN v2.x C API constants this binding uses (dnnl_types.h, checked against libdnnl 2.6.3).
const FORWARD_TRAINING = 64;
const ARG_DIFF_SRC = 129, ARG_DIFF_DST = 145, ARG_DIFF_WEIGHTS = 161;
const BACKWARD = 128, USE_GLOBAL_STATS = 1, FUSE_NORM_RELU = 4, USE_SCALE = 8, USE_SHIFT = 16;
const ARG_MEAN = 49,
  ARG_VARIANCE = 50,
  ARG_SCALE = 51,
  ARG_SHIFT = 52,
  ARG_DIFF_SCALE = 255,
  ARG_DIFF_SHIFT = 256;
const QUERY_DIFF_WEIGHTS_MD = 132, QUERY_WORKSPACE_MD = 135;
const POOLING_MAX = 0x1ff, ARG_WORKSPACE = 64;
const BINARY_ADD = 0x1fff0, BINARY_DIV = 0x1fff4, BINARY_SUB = 0x1fff5, ARG_SRC_1 = 2;

const SYMBOLS = {
  ...COMMON_SYMBOLS,
  ...CONV_FORWARD_SYMBOLS,
  dnnl_dilated_convolution_backward_data_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_dilated_convolution_backward_weights_desc_init: {
    parameters: [
      "buffer",
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
  dnnl_batch_normalization_forward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "f32", "u32"],
    result: "i32",
  },
  dnnl_batch_normalization_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "u32"],
    result: "i32",
  },
  dnnl_pooling_v2_forward_desc_init: {
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
    ],
    result: "i32",
  },
  dnnl_pooling_v2_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  dnnl_eltwise_forward_desc_init: {
    parameters: ["buffer", "i32", "i32", "buffer", "f32", "f32"],
    result: "i32",
  },
  dnnl_eltwise_backward_desc_init: {
    parameters: ["buffer", "i32", "buffer", "buffer", "f32", "f32"],
    result: "i32",
  },
  dnnl_binary_desc_init: { parameters: ["buffer", "i32", "buffer", "buffer", "buffer"], result: "i32" },
  ...POST_OPS_SYMBOLS,
  dnnl_primitive_desc_query_md: { parameters: ["pointer", "i32", "i32"], result: "pointer" },
  dnnl_memory_desc_equal: { parameters: ["pointer", "buffer"], result: "i32" },
  dnnl_memory_desc_get_size: { parameters: ["pointer"], result: "usize" },
  dnnl_reorder_primitive_desc_create: {
    parameters: ["buffer", "pointer", "pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  dnnl_version: { parameters: [], result: "pointer" },
  dnnl_get_effective_cpu_isa: { parameters: [], result: "i32" },
} as const;

/** `dnnl_cpu_isa_t` values of libdnnl 2.x (dnnl_types.h), named as oneDNN's implementation strings name them. */
const ISA_NAMES: Record<number, string> = {
  0x1: "sse41",
  0x3: "avx",
  0x7: "avx2",
  0x407: "avx2_vnni",
  0xf: "avx512_mic",
  0x1f: "avx512_mic_4ops",
  0x27: "avx512_core",
  0x67: "avx512_core_vnni",
  0xe7: "avx512_core_bf16",
  0x3e7: "avx512_core_amx",
};

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** Geometry of one NHWC conv2d (tfjs' `Conv2DInfo` fields that matter). */
export interface ConvShape {
  batchSize: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  outChannels: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padInfo: { top: number; left: number; bottom: number; right: number };
}

const geometryKeys = new WeakMap<ConvShape, string>();

/** A short cache key naming every field of `g` that shapes a primitive (kept per geometry object: tfjs'
 * geometries are remembered per shape, ../kernels/conv_geometry.ts), in place of serialising all of
 * tfjs' ~30 fields on every call. */
export function geometryKey(g: ConvShape): string {
  let key = geometryKeys.get(g);
  if (key === undefined) {
    const p = g.padInfo;
    key = [
      g.batchSize,
      g.inHeight,
      g.inWidth,
      g.inChannels,
      g.outHeight,
      g.outWidth,
      g.outChannels,
      g.filterHeight,
      g.filterWidth,
      g.strideHeight,
      g.strideWidth,
      g.dilationHeight,
      g.dilationWidth,
      p.top,
      p.left,
      p.bottom,
      p.right,
    ].join(",");
    geometryKeys.set(g, key);
  }
  return key;
}

/** Which of the three convolutions. */
export type ConvPass = "forward" | "backwardData" | "backwardWeights";

/** Batch-norm passes over NHWC data with per-channel scale and shift:
 * `inference` `(x, mean, variance, scale, shift, y)`, `training` `(x, scale, shift, y, mean, variance)`
 * (batch statistics, biased variance), `backward` `(x, mean, variance, dy, scale, shift, dx, dScale, dShift)`
 * (the full training-mode gradient, through the batch statistics). With a fused ReLU (training and
 * backward only) `y` is `max(BN(x), 0)`, `training` also writes and `backward` reads a workspace (which
 * outputs were positive; {@link OneDnn.batchNormWorkspaceBytes}) as the last pointer, and `dy` is the
 * gradient of that ReLU's output. */
export type BatchNormPass = "inference" | "training" | "backward";

/** A user-side plain buffer bound to a primitive argument, with an optional reorder to/from the
 * primitive's preferred layout. */
interface Binding {
  arg: number;
  mem: Deno.PointerValue;
  /** When set: the user memory is `userMem`, reordered into `mem` (before) or out of it (after). */
  reorder?: {
    prim: Deno.PointerValue;
    userMem: Deno.PointerValue;
    args: Uint8Array;
    after: boolean;
    scratch: Uint8Array;
    /** {@link layoutKey} of the primitive's side (where kept filter copies are looked up). */
    layout: string;
  };
}

interface Prepared {
  prim: Deno.PointerValue;
  bindings: Binding[];
  args: Uint8Array;
  impl: string;
  /** Bytes of the workspace it writes or reads (a batch-norm with a fused ReLU). */
  workspaceBytes?: number;
}

/** A pooling's strides, kernel, dilation (oneDNN counts from 0) and padding before and after, as
 * `dnnl_pooling_v2_*_desc_init` takes them. */
function poolingGeometry(g: ConvShape) {
  return [
    dims(g.strideHeight, g.strideWidth),
    dims(g.filterHeight, g.filterWidth),
    dims(g.dilationHeight - 1, g.dilationWidth - 1),
    dims(g.padInfo.top, g.padInfo.left),
    dims(g.padInfo.bottom, g.padInfo.right),
  ] as const;
}

/** Loaded oneDNN with a cache of primitives per geometry. */
export class OneDnn extends DnnlSession {
  readonly version: string;
  /** The instruction set oneDNN's kernels use here (the CPU's, capped by `ONEDNN_MAX_CPU_ISA`), e.g. `avx2`:
   * its kernels accumulate in different orders, so it decides the last bits of every result. */
  readonly isa: string;
  private readonly cache = new Map<string, Prepared>();
  private readonly pools = new Map<
    string,
    { forward: Prepared & { keep: Uint8Array[] }; backward: Prepared }
  >();

  constructor(private readonly lib: Lib) {
    super(lib);
    const v = new Int32Array(new Deno.UnsafePointerView(lib.dnnl_version()!).getArrayBuffer(12));
    this.version = `onednn@${v[0]}.${v[1]}.${v[2]}`;
    const isa = lib.dnnl_get_effective_cpu_isa();
    this.isa = ISA_NAMES[isa] ?? `isa0x${isa.toString(16)}`;
  }

  private md(d: BigInt64Array, tag: number): Uint8Array {
    const md = new Uint8Array(MD_BYTES);
    this.check(
      "dnnl_memory_desc_init_by_tag",
      this.lib.dnnl_memory_desc_init_by_tag(md, d.length, d, F32, tag),
    );
    return md;
  }

  /** Binds `arg` with user layout `userMd`; when the primitive prefers `primMd`, adds a reorder. */
  private bind(arg: number, userMd: Uint8Array, primMd: Deno.PointerValue, output: boolean): Binding {
    if (this.lib.dnnl_memory_desc_equal(primMd, userMd) === 1) return { arg, mem: this.memory(userMd) };
    const scratch = new Uint8Array(Number(this.lib.dnnl_memory_desc_get_size(primMd)) + 64);
    const mem = this.memory(primMd);
    const userMem = this.memory(userMd);
    const user = Deno.UnsafePointer.of(userMd);
    const { prim } = output ? this.reorder(primMd, user) : this.reorder(user, primMd);
    const args = execArgs([[ARG_SRC, output ? mem : userMem], [ARG_DST, output ? userMem : mem]]);
    return { arg, mem, reorder: { prim, userMem, args, after: output, scratch, layout: layoutKey(primMd) } };
  }

  /** A reorder from memory descriptor `src` to `dst`: its primitive descriptor and primitive. */
  private reorder(
    src: Deno.PointerValue,
    dst: Deno.PointerValue,
    detail = "",
  ): { pd: Deno.PointerValue; prim: Deno.PointerValue } {
    const rpd = cell();
    this.check(
      "dnnl_reorder_primitive_desc_create",
      this.lib.dnnl_reorder_primitive_desc_create(rpd, src, this.engine, dst, this.engine, null),
      detail,
    );
    return { pd: ptrOf(rpd), prim: this.primitiveOf(ptrOf(rpd), detail) };
  }

  /** The prepared primitive `prim` (of descriptor `pd`) with its bindings, cached under `key`. */
  private cached(key: string, prim: Deno.PointerValue, pd: Deno.PointerValue, bindings: Binding[]): Prepared {
    const prepared = {
      prim,
      bindings,
      args: execArgs(bindings.map((b) => [b.arg, b.mem])),
      impl: this.implName(pd),
    };
    this.cache.set(key, prepared);
    return prepared;
  }

  private prepare(pass: ConvPass, g: ConvShape, withBias: boolean): Prepared {
    const key = `${pass}|${withBias}|${geometryKey(g)}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const src = this.md(dims(g.batchSize, g.inChannels, g.inHeight, g.inWidth), TAG_NHWC);
    const dst = this.md(dims(g.batchSize, g.outChannels, g.outHeight, g.outWidth), TAG_NHWC);
    const wUser = this.md(dims(g.outChannels, g.inChannels, g.filterHeight, g.filterWidth), TAG_HWIO);
    const wAny = this.md(dims(g.outChannels, g.inChannels, g.filterHeight, g.filterWidth), TAG_ANY);
    const bias = this.md(dims(g.outChannels), TAG_A);
    const strides = dims(g.strideHeight, g.strideWidth);
    const dilates = dims(g.dilationHeight - 1, g.dilationWidth - 1);
    const padL = dims(g.padInfo.top, g.padInfo.left);
    const padR = dims(g.padInfo.bottom, g.padInfo.right);
    const detail = `${pass} ${key}`;
    const fwdDesc = new Uint8Array(OP_DESC_BYTES);
    this.check(
      "dnnl_dilated_convolution_forward_desc_init",
      this.lib.dnnl_dilated_convolution_forward_desc_init(
        fwdDesc,
        pass === "forward" ? FORWARD_INFERENCE : FORWARD_TRAINING,
        CONV_DIRECT,
        src,
        wAny,
        withBias ? bias : new Uint8Array(MD_BYTES),
        dst,
        strides,
        dilates,
        padL,
        padR,
      ),
      detail,
    );
    const fwd = this.primitive(fwdDesc, detail, null, null, convImplsToAvoid(g.inChannels));
    let prepared: Prepared;
    if (pass === "forward") {
      const bindings = [
        { arg: ARG_SRC, mem: this.memory(src) },
        this.bind(
          ARG_WEIGHTS,
          wUser,
          this.lib.dnnl_primitive_desc_query_md(fwd.pd, QUERY_WEIGHTS_MD, 0),
          false,
        ),
        { arg: ARG_DST, mem: this.memory(dst) },
        ...(withBias ? [{ arg: ARG_BIAS, mem: this.memory(bias) }] : []),
      ];
      prepared = {
        prim: fwd.prim,
        bindings,
        args: execArgs(bindings.map((b) => [b.arg, b.mem])),
        impl: this.implName(fwd.pd),
      };
    } else if (pass === "backwardData") {
      const desc = new Uint8Array(OP_DESC_BYTES);
      this.check(
        "dnnl_dilated_convolution_backward_data_desc_init",
        this.lib.dnnl_dilated_convolution_backward_data_desc_init(
          desc,
          CONV_DIRECT,
          src,
          wAny,
          dst,
          strides,
          dilates,
          padL,
          padR,
        ),
        detail,
      );
      const p = this.primitive(desc, detail, null, fwd.pd);
      const bindings = [
        { arg: ARG_DIFF_SRC, mem: this.memory(src) },
        this.bind(
          ARG_WEIGHTS,
          wUser,
          this.lib.dnnl_primitive_desc_query_md(p.pd, QUERY_WEIGHTS_MD, 0),
          false,
        ),
        { arg: ARG_DIFF_DST, mem: this.memory(dst) },
      ];
      prepared = {
        prim: p.prim,
        bindings,
        args: execArgs(bindings.map((b) => [b.arg, b.mem])),
        impl: this.implName(p.pd),
      };
    } else {
      const desc = new Uint8Array(OP_DESC_BYTES);
      this.check(
        "dnnl_dilated_convolution_backward_weights_desc_init",
        this.lib.dnnl_dilated_convolution_backward_weights_desc_init(
          desc,
          CONV_DIRECT,
          src,
          wAny,
          new Uint8Array(MD_BYTES),
          dst,
          strides,
          dilates,
          padL,
          padR,
        ),
        detail,
      );
      const p = this.primitive(desc, detail, null, fwd.pd);
      const bindings = [
        { arg: ARG_SRC, mem: this.memory(src) },
        this.bind(
          ARG_DIFF_WEIGHTS,
          wUser,
          this.lib.dnnl_primitive_desc_query_md(p.pd, QUERY_DIFF_WEIGHTS_MD, 0),
          true,
        ),
        { arg: ARG_DIFF_DST, mem: this.memory(dst) },
      ];
      prepared = {
        prim: p.prim,
        bindings,
        args: execArgs(bindings.map((b) => [b.arg, b.mem])),
        impl: this.implName(p.pd),
      };
    }
    this.cache.set(key, prepared);
    return prepared;
  }

  private prepareBatchNorm(pass: BatchNormPass, shape: number[], epsilon: number, relu: boolean): Prepared {
    const key = `bn|${pass}|${shape}|${epsilon}|${relu}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const [n, h, w, c] = shape;
    const data = this.md(dims(n, c, h, w), TAG_NHWC);
    const vec = this.md(dims(c), TAG_A);
    const stats = (pass === "inference" ? USE_GLOBAL_STATS : 0) | (relu ? FUSE_NORM_RELU : 0);
    const fwdDesc = new Uint8Array(OP_DESC_BYTES);
    this.check(
      "dnnl_batch_normalization_forward_desc_init",
      this.lib.dnnl_batch_normalization_forward_desc_init(
        fwdDesc,
        pass === "inference" ? FORWARD_INFERENCE : FORWARD_TRAINING,
        data,
        epsilon,
        stats | USE_SCALE | USE_SHIFT,
      ),
      key,
    );
    const fwd = this.primitive(fwdDesc, key);
    let prim = fwd.prim, pd = fwd.pd, argIds: number[];
    if (pass === "inference") {
      argIds = [ARG_SRC, ARG_MEAN, ARG_VARIANCE, ARG_SCALE, ARG_SHIFT, ARG_DST];
    } else if (pass === "training") {
      argIds = [ARG_SRC, ARG_SCALE, ARG_SHIFT, ARG_DST, ARG_MEAN, ARG_VARIANCE];
    } else {
      const desc = new Uint8Array(OP_DESC_BYTES);
      this.check(
        "dnnl_batch_normalization_backward_desc_init",
        this.lib.dnnl_batch_normalization_backward_desc_init(
          desc,
          BACKWARD,
          data,
          data,
          epsilon,
          USE_SCALE | USE_SHIFT | (relu ? FUSE_NORM_RELU : 0),
        ),
        key,
      );
      ({ prim, pd } = this.primitive(desc, key, null, fwd.pd));
      argIds = [
        ARG_SRC,
        ARG_MEAN,
        ARG_VARIANCE,
        ARG_DIFF_DST,
        ARG_SCALE,
        ARG_SHIFT,
        ARG_DIFF_SRC,
        ARG_DIFF_SCALE,
        ARG_DIFF_SHIFT,
      ];
    }
    const full = new Set([ARG_SRC, ARG_DST, ARG_DIFF_SRC, ARG_DIFF_DST]);
    const bindings = argIds.map((arg) => ({ arg, mem: this.memory(full.has(arg) ? data : vec) }));
    const ws = relu ? this.lib.dnnl_primitive_desc_query_md(fwd.pd, QUERY_WORKSPACE_MD, 0) : null;
    if (ws) bindings.push({ arg: ARG_WORKSPACE, mem: this.memory(ws) });
    const prepared = this.cached(key, prim, pd, bindings);
    if (ws) prepared.workspaceBytes = Number(this.lib.dnnl_memory_desc_get_size(ws));
    return prepared;
  }

  private prepareMaxPoolGrad(g: ConvShape): { forward: Prepared; backward: Prepared } {
    const key = `maxpool|${geometryKey(g)}`;
    const hit = this.pools.get(key);
    if (hit) return hit;
    const src = this.md(dims(g.batchSize, g.inChannels, g.inHeight, g.inWidth), TAG_NHWC);
    const dst = this.md(dims(g.batchSize, g.inChannels, g.outHeight, g.outWidth), TAG_NHWC);
    const geometry = poolingGeometry(g);
    const fwdDesc = new Uint8Array(OP_DESC_BYTES);
    this.check(
      "dnnl_pooling_v2_forward_desc_init",
      this.lib.dnnl_pooling_v2_forward_desc_init(
        fwdDesc,
        FORWARD_TRAINING,
        POOLING_MAX,
        src,
        dst,
        ...geometry,
      ),
      key,
    );
    const fwd = this.primitive(fwdDesc, key);
    const bwdDesc = new Uint8Array(OP_DESC_BYTES);
    this.check(
      "dnnl_pooling_v2_backward_desc_init",
      this.lib.dnnl_pooling_v2_backward_desc_init(bwdDesc, POOLING_MAX, src, dst, ...geometry),
      key,
    );
    const bwd = this.primitive(bwdDesc, key, null, fwd.pd);
    // The workspace (each window's argmax) and the recomputed pooled values live in buffers of their own.
    const wsMd = this.lib.dnnl_primitive_desc_query_md(fwd.pd, QUERY_WORKSPACE_MD, 0);
    const workspace = this.memory(wsMd);
    const wsBytes = new Uint8Array(Number(this.lib.dnnl_memory_desc_get_size(wsMd)) + 64);
    this.lib.dnnl_memory_set_data_handle(workspace, Deno.UnsafePointer.of(wsBytes));
    const pooled = this.memory(dst);
    const pooledBytes = new Uint8Array(4 * g.batchSize * g.inChannels * g.outHeight * g.outWidth + 64);
    this.lib.dnnl_memory_set_data_handle(pooled, Deno.UnsafePointer.of(pooledBytes));
    // Bindings are the user buffers set per call; the workspace and pooled values stay bound.
    const x = this.memory(src), dy = this.memory(dst), dx = this.memory(src);
    const prepared = {
      forward: {
        prim: fwd.prim,
        bindings: [{ arg: ARG_SRC, mem: x }],
        args: execArgs([[ARG_SRC, x], [ARG_DST, pooled], [ARG_WORKSPACE, workspace]]),
        impl: this.implName(fwd.pd),
        keep: [wsBytes, pooledBytes], // referenced here so they live as long as the primitive
      },
      backward: {
        prim: bwd.prim,
        bindings: [{ arg: ARG_DIFF_DST, mem: dy }, { arg: ARG_DIFF_SRC, mem: dx }],
        args: execArgs([[ARG_DIFF_DST, dy], [ARG_WORKSPACE, workspace], [ARG_DIFF_SRC, dx]]),
        impl: this.implName(bwd.pd),
      },
    };
    this.pools.set(key, prepared);
    return prepared;
  }

  private prepareMaxPool(g: ConvShape): Prepared {
    const key = `maxpool_inference|${geometryKey(g)}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const src = this.md(dims(g.batchSize, g.inChannels, g.inHeight, g.inWidth), TAG_NHWC);
    const dst = this.md(dims(g.batchSize, g.inChannels, g.outHeight, g.outWidth), TAG_NHWC);
    const desc = new Uint8Array(OP_DESC_BYTES);
    this.check(
      "dnnl_pooling_v2_forward_desc_init",
      this.lib.dnnl_pooling_v2_forward_desc_init(
        desc,
        FORWARD_INFERENCE,
        POOLING_MAX,
        src,
        dst,
        ...poolingGeometry(g),
      ),
      key,
    );
    const { pd, prim } = this.primitive(desc, key);
    return this.cached(key, prim, pd, [{ arg: ARG_SRC, mem: this.memory(src) }, {
      arg: ARG_DST,
      mem: this.memory(dst),
    }]);
  }

  /** 2-D max pooling over NHWC data on raw pointers `(x, y)`; `g` is its geometry in tfjs' `Conv2DInfo`
   * form (padding positions never win). */
  maxPool(g: ConvShape, ptrs: [Deno.PointerValue, Deno.PointerValue]): void {
    this.run(this.prepareMaxPool(g), ptrs, "max pooling");
  }

  /**
   * Gradient of a 2-D max pooling over NHWC data on raw pointers `(x, dy, dx)`: recomputes the pooling to
   * find each window's first maximum, then routes `dy` there (`dx` is overwritten). `g` is the pooling's
   * geometry in tfjs' `Conv2DInfo` form.
   */
  maxPoolGrad(g: ConvShape, ptrs: [Deno.PointerValue, Deno.PointerValue, Deno.PointerValue]): void {
    const p = this.prepareMaxPoolGrad(g);
    this.run(p.forward, [ptrs[0]], "max pooling");
    this.run(p.backward, [ptrs[1], ptrs[2]], "max pooling backward");
  }

  /** The primitive `make` builds over `size` contiguous floats, cached under `key`, with one plain memory
   * bound to each of `argIds` (the elementwise passes: ReLU gradient, addition). */
  private elementwise(
    key: string,
    size: number,
    argIds: number[],
    make: (data: Uint8Array) => { prim: Deno.PointerValue; pd: Deno.PointerValue },
  ): Prepared {
    const hit = this.cache.get(key);
    if (hit) return hit;
    const data = this.md(dims(size), TAG_A);
    const { prim, pd } = make(data);
    const bindings = argIds.map((arg) => ({ arg, mem: this.memory(data) }));
    return this.cached(key, prim, pd, bindings);
  }

  private prepareReluGrad(size: number): Prepared {
    const key = `relu_grad|${size}`;
    return this.elementwise(key, size, [ARG_SRC, ARG_DIFF_DST, ARG_DIFF_SRC], (data) => {
      const fwdDesc = new Uint8Array(OP_DESC_BYTES);
      this.check(
        "dnnl_eltwise_forward_desc_init",
        this.lib.dnnl_eltwise_forward_desc_init(fwdDesc, FORWARD_TRAINING, ELTWISE_RELU, data, 0, 0),
        key,
      );
      const fwd = this.primitive(fwdDesc, key);
      const desc = new Uint8Array(OP_DESC_BYTES);
      this.check(
        "dnnl_eltwise_backward_desc_init",
        this.lib.dnnl_eltwise_backward_desc_init(desc, ELTWISE_RELU, data, data, 0, 0),
        key,
      );
      return this.primitive(desc, key, null, fwd.pd);
    });
  }

  /** Gradient of ReLU over `size` contiguous floats on raw pointers `(x, dy, dx)`: `dx = x > 0 ? dy : 0`. */
  reluGrad(size: number, ptrs: [Deno.PointerValue, Deno.PointerValue, Deno.PointerValue]): void {
    this.run(this.prepareReluGrad(size), ptrs, "relu backward");
  }

  private prepareAdd(size: number, relu: boolean): Prepared {
    const key = `add|${size}|${relu}`;
    return this.elementwise(key, size, [ARG_SRC, ARG_SRC_1, ARG_DST], (data) => {
      const desc = new Uint8Array(OP_DESC_BYTES);
      this.check(
        "dnnl_binary_desc_init",
        this.lib.dnnl_binary_desc_init(desc, BINARY_ADD, data, data, data),
        key,
      );
      return this.primitive(desc, key, relu ? this.postOpsAttr(this.lib, { sum: false, relu }, key) : null);
    });
  }

  /** `c = a + b` over `size` contiguous floats on raw pointers `(a, b, c)` (each sum rounded once, as any
   * IEEE float32 addition; `c` may not overlap `a` or `b` unless it equals one of them), with `relu`
   * `c = max(a + b, 0)` in the same pass (a residual block's sum and its ReLU). */
  add(size: number, ptrs: [Deno.PointerValue, Deno.PointerValue, Deno.PointerValue], relu = false): void {
    this.run(this.prepareAdd(size, relu), ptrs, relu ? "add+relu" : "add");
  }

  private prepareCopy(size: number): Prepared {
    const key = `copy|${size}`;
    return this.elementwise(key, size, [ARG_SRC, ARG_DST], (data) => {
      const md = Deno.UnsafePointer.of(data);
      return this.reorder(md, md, key);
    });
  }

  /** Copies `size` contiguous floats from `src` to `dst` (raw pointers, not overlapping) on every thread:
   * a oneDNN reorder between identical layouts. */
  copy(size: number, ptrs: [Deno.PointerValue, Deno.PointerValue]): void {
    this.run(this.prepareCopy(size), ptrs, "copy");
  }

  private prepareChannelBinary(alg: number, rows: number, channels: number, relu = false): Prepared {
    const key = `channel-binary|${alg}|${rows}|${channels}|${relu}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const data = this.md(dims(rows, channels), TAG_AB);
    const perChannel = this.md(dims(1, channels), TAG_AB);
    const desc = new Uint8Array(OP_DESC_BYTES);
    this.check(
      "dnnl_binary_desc_init",
      this.lib.dnnl_binary_desc_init(desc, alg, data, perChannel, data),
      key,
    );
    const { prim, pd } = this.primitive(
      desc,
      key,
      relu ? this.postOpsAttr(this.lib, { sum: false, relu }, key) : null,
    );
    const bindings = [
      { arg: ARG_SRC, mem: this.memory(data) },
      { arg: ARG_SRC_1, mem: this.memory(perChannel) },
      { arg: ARG_DST, mem: this.memory(data) },
    ];
    return this.cached(key, prim, pd, bindings);
  }

  /** `y[r][i] = x[r][i] + b[i]` over `rows` rows of `channels` contiguous floats on raw pointers `(x, b, y)`
   * (`b` one row; `y` may be `x`), each sum one IEEE float32 addition (a bias added to every position), with
   * `relu` `y = max(x + b, 0)` in the same pass. */
  channelAdd(
    rows: number,
    channels: number,
    ptrs: [Deno.PointerValue, Deno.PointerValue, Deno.PointerValue],
    relu = false,
  ): void {
    this.run(
      this.prepareChannelBinary(BINARY_ADD, rows, channels, relu),
      ptrs,
      relu ? "bias+relu" : "bias add",
    );
  }

  /** `y[r][i] = (x[r][i] − mean[i]) / std[i]` over `rows` rows of `channels` contiguous floats on raw
   * pointers `(x, mean, std, y)` (`mean` and `std` one row each): a subtraction then a division, each one
   * IEEE float32 operation, as the plain ops. */
  normalize(
    rows: number,
    channels: number,
    ptrs: [Deno.PointerValue, Deno.PointerValue, Deno.PointerValue, Deno.PointerValue],
  ): void {
    const [x, mean, std, y] = ptrs;
    this.run(this.prepareChannelBinary(BINARY_SUB, rows, channels), [x, mean, y], "normalize");
    this.run(this.prepareChannelBinary(BINARY_DIV, rows, channels), [y, std, y], "normalize");
  }

  /** Runs one batch-norm pass over NHWC `shape` on raw pointers, in the order {@link BatchNormPass} lists
   * (with `relu`, followed by the workspace). */
  batchNorm(
    pass: BatchNormPass,
    shape: number[],
    epsilon: number,
    ptrs: Deno.PointerValue[],
    relu = false,
  ): void {
    this.run(this.prepareBatchNorm(pass, shape, epsilon, relu), ptrs, pass);
  }

  /** Bytes of the workspace a training batch-norm with a fused ReLU over NHWC `shape` writes. */
  batchNormWorkspaceBytes(shape: number[], epsilon: number): number {
    return this.prepareBatchNorm("training", shape, epsilon, true).workspaceBytes!;
  }

  private run(p: Prepared, ptrs: Deno.PointerValue[], what: string): void {
    for (const [i, b] of p.bindings.entries()) this.lib.dnnl_memory_set_data_handle(b.mem, ptrs[i]);
    this.check(
      "dnnl_primitive_execute",
      this.lib.dnnl_primitive_execute(p.prim, this.stream, p.args.length / EXEC_ARG_BYTES, p.args),
      what,
    );
  }

  /** Name of the oneDNN implementation chosen for a pass (e.g. `brg:avx512_core`), for profiles. */
  implementation(pass: ConvPass, g: ConvShape, withBias = false): string {
    return this.prepare(pass, g, withBias).impl;
  }

  /**
   * Runs one convolution pass on raw pointers, in the argument order of the pass:
   * forward `(x, filter, y, bias?)`, backwardData `(dx, filter, dy)`, backwardWeights `(x, dFilter, dy)`.
   * `filterOwner` (the filter tensor's data id, forward and backwardData) lets its reorder into the
   * primitive's layout be kept for the next calls (./reordered_weights.ts).
   */
  conv(pass: ConvPass, g: ConvShape, ptrs: Deno.PointerValue[], filterOwner?: object): void {
    const withBias = ptrs.length > 3;
    const p = this.prepare(pass, g, withBias);
    const { lib, stream } = this;
    for (const [i, b] of p.bindings.entries()) {
      if (!b.reorder) {
        lib.dnnl_memory_set_data_handle(b.mem, ptrs[i]);
        continue;
      }
      const r = b.reorder;
      lib.dnnl_memory_set_data_handle(r.userMem, ptrs[i]);
      const into = (buffer: Uint8Array) =>
        lib.dnnl_memory_set_data_handle(b.mem, Deno.UnsafePointer.of(buffer));
      if (r.after) {
        into(r.scratch);
        continue;
      }
      const owner = b.arg === ARG_WEIGHTS ? filterOwner : undefined;
      into(reorderedFilter(owner, r.layout, r.scratch, (buffer) => {
        into(buffer);
        this.exec(r.prim, r.args);
      }));
    }
    this.check(
      "dnnl_primitive_execute",
      lib.dnnl_primitive_execute(p.prim, stream, p.bindings.length, p.args),
      pass,
    );
    for (const b of p.bindings) {
      if (b.reorder?.after) this.exec(b.reorder.prim, b.reorder.args);
    }
  }

  private exec(prim: Deno.PointerValue, args: Uint8Array): void {
    this.check(
      "dnnl_primitive_execute",
      this.lib.dnnl_primitive_execute(prim, this.stream, 2, args),
      "reorder",
    );
  }
}

let loaded: OneDnn | null | undefined;

/** oneDNN, or undefined when `libdnnl.so.2` cannot be opened, FFI is not permitted, or
 * `FREQLENS_NATIVE=0`. Loaded once. */
export function loadOneDnn(): OneDnn | undefined {
  if (loaded === undefined) loaded = openOneDnn(SYMBOLS, (lib) => new OneDnn(lib));
  return loaded ?? undefined;
}
