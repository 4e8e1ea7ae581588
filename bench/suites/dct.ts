/**
 * 2-D DCT throughput (32×32×3 images, batch 128): `dct2d`, `idct2d` and the gradient of a loss through
 * `dct2d` as tfjs ops on every backend that starts here (lib/backend's `availableBackends`), and `dct2` on
 * plain Float32Array NHWC batches (float64 accumulation, single thread). Each figure is the median of
 * several timed repetitions after one warm-up; `--quick` uses fewer repetitions.
 */
import * as tf from "@tensorflow/tfjs-core";
import { availableBackends, backendInfo, initBackend } from "../../lib/backend/mod.ts";
import { dct2, dct2d, idct2d } from "../../lib/dct/mod.ts";
import { Rng } from "../../lib/stats/mod.ts";
import type { BenchOptions, BenchRecord, BenchSuite } from "../suite.ts";

const SHAPE: [number, number, number, number] = [128, 32, 32, 3];

/** Median wall time in seconds of `reps` calls of `fn` after one warm-up call. */
async function medianSeconds(fn: () => Promise<void> | void, reps: number): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await fn();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function run(options: BenchOptions): Promise<BenchRecord[]> {
  const reps = options.quick ? 3 : 10;
  const batch = SHAPE[0];
  const pixels = new Rng(1).uniformArray(SHAPE.reduce((a, b) => a * b, 1));
  const records: BenchRecord[] = [];
  const record = (c: string, backend: string, threads: number, seconds: number) =>
    records.push({
      suite: "dct",
      case: c,
      backend,
      threads,
      batch,
      images_per_s: batch / seconds,
      seconds,
      extra: { shape: SHAPE },
    });

  for (const name of await availableBackends()) {
    try {
      await initBackend(name);
    } catch (err) {
      console.error(`  dct: backend ${name} did not start: ${err instanceof Error ? err.message : err}`);
      continue;
    }
    const info = backendInfo();
    const x = tf.tensor4d(pixels, SHAPE);
    const weights = tf.tensor4d(new Rng(2).uniformArray(pixels.length), SHAPE);
    const sync = (t: tf.Tensor) => {
      t.dataSync();
      t.dispose();
    };
    record("dct2d", info.name, info.threads, await medianSeconds(() => sync(dct2d(x)), reps));
    record("idct2d", info.name, info.threads, await medianSeconds(() => sync(idct2d(x)), reps));
    // Gradient of Σ w·DCT(x) with respect to x: the forward and the backward pass (an inverse DCT).
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(weights, dct2d(t as tf.Tensor4D))));
    record("dct2d-grad", info.name, info.threads, await medianSeconds(() => sync(grad(x)), reps));
    tf.dispose([x, weights]);
  }
  record("dct2-typed-array", "typed-array", 1, await medianSeconds(() => void dct2(pixels, SHAPE), reps));
  return records;
}

const suite: BenchSuite = { name: "dct", run };
export default suite;
