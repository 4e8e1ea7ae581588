import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../lib/backend/mod.ts";
import { selectImages } from "../../lib/attacks/loop.ts";
import { Rng } from "../../lib/stats/mod.ts";

for (const backend of ["cpu", "wasm"]) {
  Deno.test(`${backend}: selectImages takes whole images from a where the mask holds, bit for bit, NaN in the other untouched`, async () => {
    await initBackend(backend);
    const [n, per] = [5, 4 * 3 * 2];
    const a = new Rng(1).uniformArray(n * per);
    const b = new Rng(2).uniformArray(n * per);
    b[per + 3] = NaN; // image 1 comes from a: b's NaN must not leak into it
    a[2 * per] = Infinity; // image 2 comes from b
    const mask = [true, true, false, true, false];
    const out = tf.tidy(() =>
      selectImages(tf.tensor1d(mask, "bool"), tf.tensor4d(a, [n, 4, 3, 2]), tf.tensor4d(b, [n, 4, 3, 2]))
        .dataSync()
    );
    for (let i = 0; i < n * per; i++) {
      const want = mask[Math.floor(i / per)] ? a[i] : b[i];
      assert.ok(Object.is(out[i], want), `element ${i}: ${out[i]} != ${want}`);
    }
  });
}
