/**
 * The restricted unpickler and the tensor views on hand-made pickles (built opcode by opcode here, so the
 * expectations do not come from the code under test): strided and offset views against a brute-force
 * gather, float16 decoding against known bit patterns, the allow-list, and dict keys that must stay data.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { zipSync } from "fflate";
import {
  CheckpointFormatError,
  ForbiddenGlobalError,
  parseCheckpoint,
  type TorchTensor,
} from "../../../lib/models/import/mod.ts";
import { contiguousStrides, viewOfStorage } from "../../../lib/models/import/tensor.ts";

/** Writes pickle protocol-2 opcodes. */
class Pickle {
  private bytes: number[] = [0x80, 2];
  private op(...b: number[]) {
    this.bytes.push(...b);
    return this;
  }
  global(module: string, name: string) {
    return this.op(0x63, ...new TextEncoder().encode(`${module}\n${name}\n`));
  }
  str(s: string) {
    const b = new TextEncoder().encode(s);
    return this.op(0x58, b.length & 0xff, (b.length >> 8) & 0xff, 0, 0, ...b);
  }
  int(n: number) {
    return this.op(0x4a, n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff);
  }
  mark() {
    return this.op(0x28);
  }
  tuple() {
    return this.op(0x74);
  }
  emptyTuple() {
    return this.op(0x29);
  }
  emptyDict() {
    return this.op(0x7d);
  }
  setitem() {
    return this.op(0x73);
  }
  reduce() {
    return this.op(0x52);
  }
  persid() {
    return this.op(0x51);
  }
  false() {
    return this.op(0x89);
  }
  ints(xs: number[]) {
    this.mark();
    for (const x of xs) this.int(x);
    return this.tuple();
  }
  /** `_rebuild_tensor_v2(('storage', cls, key, 'cpu', numel), offset, size, stride, False, OrderedDict())`. */
  tensor(storageClass: string, key: string, numel: number, offset: number, size: number[], stride: number[]) {
    this.global("torch._utils", "_rebuild_tensor_v2").mark();
    this.mark().str("storage").global("torch", storageClass).str(key).str("cpu").int(numel).tuple().persid();
    this.int(offset).ints(size).ints(stride).false().global("collections", "OrderedDict").emptyTuple()
      .reduce();
    return this.tuple().reduce();
  }
  end(): Uint8Array {
    return new Uint8Array([...this.bytes, 0x2e]);
  }
}

function zipCheckpoint(pkl: Uint8Array, storages: Record<string, Uint8Array>): Uint8Array {
  const files: Record<string, Uint8Array> = {
    "archive/data.pkl": pkl,
    "archive/version": new TextEncoder().encode("3\n"),
  };
  for (const [k, v] of Object.entries(storages)) files[`archive/data/${k}`] = v;
  return zipSync(files, { level: 0 });
}

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

/** Brute-force strided gather: element [i0, i1, …] is storage[offset + Σ i_d · stride_d], in C order. */
function gather(storage: ArrayLike<number>, offset: number, size: number[], stride: number[]): number[] {
  const out: number[] = [];
  const rec = (d: number, at: number) => {
    if (d === size.length) return void out.push(storage[at]);
    for (let i = 0; i < size[d]; i++) rec(d + 1, at + i * stride[d]);
  };
  rec(0, offset);
  return out;
}

Deno.test("a strided, offset tensor in a zip checkpoint is gathered in C order", () => {
  const storage = Array.from({ length: 12 }, (_, i) => i * 1.5 - 4);
  const pkl = new Pickle().emptyDict().str("w").tensor("FloatStorage", "0", 12, 1, [2, 3], [1, 2]).setitem()
    .end();
  const { format, root } = parseCheckpoint(zipCheckpoint(pkl, { "0": f32Bytes(storage) }), "hand.pt");
  assert.equal(format, "torch-zip");
  const w = (root as Map<string, TorchTensor>).get("w")!;
  assert.deepEqual(w.shape, [2, 3]);
  assert.equal(w.dtype, "float32");
  assert.deepEqual(Array.from(w.data), gather(storage, 1, [2, 3], [1, 2]));
  assert.deepEqual(Array.from(w.data), [
    storage[1],
    storage[3],
    storage[5],
    storage[2],
    storage[4],
    storage[6],
  ]);
});

Deno.test("float16, float64 and int64 storages decode exactly", () => {
  const half = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000]).buffer);
  const dbl = new Uint8Array(new Float64Array([Math.PI, -1e-300]).buffer);
  const lng = new Uint8Array(new BigInt64Array([1234n, -5n]).buffer);
  const pkl = new Pickle().emptyDict()
    .str("h").tensor("HalfStorage", "0", 6, 0, [6], [1]).setitem()
    .str("d").tensor("DoubleStorage", "1", 2, 0, [2], [1]).setitem()
    .str("n").tensor("LongStorage", "2", 2, 1, [], []).setitem()
    .end();
  const root = parseCheckpoint(zipCheckpoint(pkl, { "0": half, "1": dbl, "2": lng }), "hand.pt").root as Map<
    string,
    TorchTensor
  >;
  assert.deepEqual(Array.from(root.get("h")!.data), [1, -2, 0.5, 65504, 2 ** -24, -0]);
  assert.deepEqual(Array.from(root.get("d")!.data), [Math.PI, -1e-300]);
  assert.equal(root.get("d")!.data instanceof Float64Array, true);
  assert.deepEqual(root.get("n")!.shape, []);
  assert.deepEqual(Array.from(root.get("n")!.data), [-5]);
});

Deno.test("globals outside the allow-list are refused by name before anything is built", () => {
  for (
    const [module, name] of [["builtins", "eval"], ["torch.nn.modules.conv", "Conv2d"], ["numpy", "dtype"]]
  ) {
    const pkl = new Pickle().global(module, name).str("1+1").tuple().reduce().end();
    assert.throws(
      () => parseCheckpoint(zipCheckpoint(pkl, {}), "evil.pt"),
      (e: unknown) => e instanceof ForbiddenGlobalError && e.global === `${module}.${name}`,
    );
  }
});

Deno.test("a view past its storage, an oversized view and a missing storage entry are format errors", () => {
  const past = new Pickle().emptyDict().str("w").tensor("FloatStorage", "0", 4, 2, [3], [1]).setitem().end();
  assert.throws(
    () => parseCheckpoint(zipCheckpoint(past, { "0": f32Bytes([1, 2, 3, 4]) }), "past.pt"),
    (e: unknown) => e instanceof CheckpointFormatError && /exceeds its storage of 4 elements/.test(e.message),
  );
  const huge = new Pickle().emptyDict().str("w").tensor("FloatStorage", "0", 1, 0, [65536, 65536], [0, 0])
    .setitem()
    .end();
  assert.throws(
    () => parseCheckpoint(zipCheckpoint(huge, { "0": f32Bytes([1]) }), "huge.pt"),
    (e: unknown) => e instanceof CheckpointFormatError && /more than the 268435456 allowed/.test(e.message),
  );
  assert.throws(
    () => parseCheckpoint(zipCheckpoint(past, {}), "nodata.pt"),
    (e: unknown) => e instanceof CheckpointFormatError && /archive\/data\/0' is missing/.test(e.message),
  );
});

Deno.test("dict keys such as __proto__ stay data in a Map", () => {
  const pkl = new Pickle().emptyDict().str("__proto__").str("polluted").setitem().end();
  const root = parseCheckpoint(zipCheckpoint(pkl, {}), "keys.pt").root;
  assert.ok(root instanceof Map);
  assert.equal(root.get("__proto__"), "polluted");
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("viewOfStorage equals a brute-force gather for permuted strides and offsets", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 0, max: 5 }),
      fc.nat(),
      (dims, offset, seed) => {
        // a permuted contiguous layout: what .permute() / .t() produce
        const perm = dims.map((_, i) => i).sort((a, b) =>
          ((a * 7919 + seed) % 13) - ((b * 7919 + seed) % 13)
        );
        const base = perm.map((p) => dims[p]);
        const baseStrides = contiguousStrides(base);
        const stride = dims.map((_, d) => baseStrides[perm.indexOf(d)]);
        const n = dims.reduce((a, b) => a * b, 1);
        const storage = Float32Array.from({ length: n + offset }, (_, i) => i);
        const got = viewOfStorage(storage, offset, dims, stride, "t");
        assert.deepEqual(Array.from(got), gather(storage, offset, dims, stride));
      },
    ),
  );
});

Deno.test("a zip entry declaring more than 2 GiB uncompressed is refused before inflating", () => {
  const zip = zipSync({ "archive/data.pkl": new Pickle().emptyDict().end() }, { level: 6 });
  // Patch the central directory's uncompressed size (offset 24 of its record) to 2^31 + 1.
  const view = new DataView(zip.buffer);
  let cd = zip.length - 22;
  while (view.getUint32(cd, true) !== 0x02014b50) cd--;
  view.setUint32(cd + 24, 2 ** 31 + 1, true);
  assert.throws(
    () => parseCheckpoint(zip, "bomb.pt"),
    (e: unknown) =>
      e instanceof CheckpointFormatError && /'archive\/data\.pkl' would expand past/.test(e.message),
  );
});
