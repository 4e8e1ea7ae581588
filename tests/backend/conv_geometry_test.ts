import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert";
import { conv2dGeometry } from "../../lib/backend/kernels/conv_geometry.ts";
import { geometryKey } from "../../lib/backend/native/onednn.ts";

Deno.test("remembered conv geometries equal tfjs' computeConv2DInfo, one object per geometry", () => {
  const cases: Parameters<typeof conv2dGeometry>[] = [
    [[2, 9, 7, 3], [3, 3, 3, 5], [1, 1], [1, 1], "same"],
    [[2, 9, 7, 3], [3, 3, 3, 5], [2, 2], [1, 1], "same"],
    [[2, 9, 7, 3], [3, 3, 3, 5], [2, 2], [1, 1], "valid"],
    [[2, 9, 7, 3], [3, 3, 3, 5], 1, [2, 2], "valid"],
    [[2, 9, 7, 3], [1, 1, 3, 5], 2, 1, 0],
    [[2, 9, 7, 3], [3, 2, 3, 5], [2, 1], 1, [[0, 0], [1, 2], [0, 1], [0, 0]]],
    [[2, 9, 7, 3], [3, 2, 3, 5], [2, 1], 1, [[0, 0], [2, 1], [0, 1], [0, 0]]],
    [[2, 9, 7, 3], [3, 3, 3, 5], 2, 1, 1, "ceil"],
    [[2, 9, 7, 3], [3, 3, 3, 5], 2, 1, 1, "floor"],
  ];
  const seen = new Set<object>();
  for (const args of cases) {
    const g = conv2dGeometry(...args);
    const want = tf.backend_util.computeConv2DInfo(
      ...(args as unknown as Parameters<typeof tf.backend_util.computeConv2DInfo>),
    );
    assert.deepStrictEqual(g, want, JSON.stringify(args));
    assert.strictEqual(conv2dGeometry(...args), g, "asked again: the same object");
    seen.add(g);
  }
  assert.strictEqual(seen.size, cases.length, "each geometry its own object");
});

Deno.test("oneDNN's primitive cache key tells apart geometries that differ in any one field", () => {
  const base = tf.backend_util.computeConv2DInfo([2, 9, 7, 3], [3, 3, 3, 5], [1, 1], [1, 1], "same");
  const keys = new Set([geometryKey(base)]);
  const numeric = [
    "batchSize",
    "inHeight",
    "inWidth",
    "inChannels",
    "outHeight",
    "outWidth",
    "outChannels",
    "filterHeight",
    "filterWidth",
    "strideHeight",
    "strideWidth",
    "dilationHeight",
    "dilationWidth",
  ] as const;
  for (const field of numeric) keys.add(geometryKey({ ...base, [field]: base[field] + 1 }));
  for (const side of ["top", "left", "bottom", "right"] as const) {
    keys.add(geometryKey({ ...base, padInfo: { ...base.padInfo, [side]: base.padInfo[side] + 1 } }));
  }
  assert.strictEqual(keys.size, 1 + numeric.length + 4);
  assert.strictEqual(geometryKey({ ...base }), geometryKey(base), "equal geometries, equal keys");
});
