import assert from "node:assert/strict";
import { conv2dGeometry } from "../../lib/backend/kernels/conv_geometry.ts";
import { loadOneDnn } from "../../lib/backend/native/onednn.ts";
import { loadOneDnnPostOps } from "../../lib/backend/native/onednn_postops.ts";
import { nativeAvailable } from "./helpers.ts";

Deno.test({
  name:
    "an image's first convolution (3 input channels) passes over oneDNN's brgemm kernel; wider ones keep oneDNN's choice",
  ignore: !nativeAvailable(),
  fn: () => {
    const dnn = loadOneDnn()!;
    const post = loadOneDnnPostOps()!;
    const geometry = (ci: number) => conv2dGeometry([8, 32, 32, ci], [3, 3, ci, 16], [1, 1], 1, "same");
    const relu = { sum: false, relu: true };
    for (const impl of [dnn.implementation("forward", geometry(3)), post.implementation(geometry(3), relu)]) {
      assert.ok(!impl.startsWith("brgconv"), impl);
      assert.ok(impl.startsWith("jit"), impl);
    }
    // oneDNN 2.6 takes brgconv first on AVX-512 (jit under AVX2): unchanged for 16 channels.
    const wide = [dnn.implementation("forward", geometry(16)), post.implementation(geometry(16), relu)];
    for (const impl of wide) assert.equal(impl.startsWith("brgconv"), dnn.isa.startsWith("avx512"), impl);
  },
});
