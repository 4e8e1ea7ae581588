/**
 * Occluded Frequency throughput: OF of every band (63 for 32×32) of CIFAR-sized images on ResNet-20,
 * against the cost of the same number of plain forward passes at this bench's forward rate (same model,
 * backend and batch). Target: OF ≤ 1.15 × (N·bands forward passes). Full size: 1,000 images (63,000
 * occluded copies); `--quick`: 16 images.
 *
 * On a shared machine the load drifts over minutes, so the two are measured interleaved: OF on a slice of
 * 64 images, then 4 forward batches, and so on; the forward rate is the total over all its batches. Both
 * wall time and process CPU time (Linux `/proc/self/stat`, all threads) are recorded; `ratio_to_forward`
 * is the wall-time ratio and `extra.cpu_ratio_to_forward` the CPU-time one, which other processes on the
 * machine disturb less. Also times the band decomposition alone (DCT, per-band contributions and batch
 * assembly, no model): the part OF adds to the forward passes.
 */
import * as tf from "@tensorflow/tfjs-core";
import { backendInfo, initBackend } from "../../lib/backend/mod.ts";
import { cifarResNet } from "../../lib/models/mod.ts";
import { classifierFromLayersModel } from "../../lib/models/layers_classifier.ts";
import { BandDecomposer, occludedFrequency } from "../../lib/attribution/mod.ts";
import { Rng } from "../../lib/stats/mod.ts";
import type { BenchOptions, BenchRecord, BenchSuite } from "../suite.ts";

const SHAPE = [32, 32, 3] as const;
const BATCH = 256;
const SLICE = 64;
const FORWARD_BATCHES_PER_SLICE = 4;

/** Process CPU seconds (user + system, all threads), or NaN where /proc is absent. */
function cpuSeconds(): number {
  try {
    const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Wall and CPU seconds of `f`. */
async function timed(f: () => unknown): Promise<[number, number]> {
  const [w0, c0] = [performance.now(), cpuSeconds()];
  await f();
  return [(performance.now() - w0) / 1000, cpuSeconds() - c0];
}

async function run(options: BenchOptions): Promise<BenchRecord[]> {
  await initBackend();
  const info = backendInfo();
  const n = options.quick ? 16 : 1000;
  const per = SHAPE[0] * SHAPE[1] * SHAPE[2];
  const images = new Rng(1).uniformArray(n * per);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  const model = cifarResNet({ inputShape: SHAPE, numClasses: 10, seed: 1 });
  const classifier = classifierFromLayersModel(model);

  // Forward passes at the batch OF uses, on a batch already on the backend (as the backend suite measures).
  const x = tf.tidy(() => tf.tensor4d(new Rng(2).uniformArray(BATCH * per), [BATCH, ...SHAPE]));
  const forward = () => tf.tidy(() => classifier.logits(x).dataSync());
  const slice = (lo: number, hi: number) => ({
    data: images.subarray(lo * per, hi * per),
    shape: [hi - lo, ...SHAPE],
  });
  forward();
  await occludedFrequency(classifier, slice(0, 2), labels.subarray(0, 2));

  let [ofWall, ofCpu, fwWall, fwCpu, fwImages] = [0, 0, 0, 0, 0];
  for (let lo = 0; lo < n; lo += SLICE) {
    const hi = Math.min(n, lo + SLICE);
    const [w, c] = await timed(() =>
      occludedFrequency(classifier, slice(lo, hi), labels.subarray(lo, hi), { batchSize: BATCH })
    );
    ofWall += w;
    ofCpu += c;
    const [fw, fc] = await timed(() => {
      for (let b = 0; b < FORWARD_BATCHES_PER_SLICE; b++) forward();
    });
    fwWall += fw;
    fwCpu += fc;
    fwImages += FORWARD_BATCHES_PER_SLICE * BATCH;
  }
  x.dispose();

  // Band decomposition and batch assembly alone: every occluded copy written into a buffer.
  const decomposer = new BandDecomposer({ data: images, shape: [n, ...SHAPE] });
  const bands = decomposer.layout.bands;
  const buffer = new Float32Array(per);
  const [assemblyWall, assemblyCpu] = await timed(() => {
    for (let i = 0; i < n; i++) for (let k = 0; k < bands; k++) decomposer.ablate(i, (b) => b === k, buffer);
  });
  model.dispose();

  const copies = n * bands;
  const forwardRate = fwImages / fwWall;
  const reference = copies / forwardRate;
  const cpuReference = (copies * fwCpu) / fwImages;
  const common = { model: "resnet20", backend: info.name, threads: info.threads, batch: BATCH };
  return [
    {
      suite: "occlusion",
      case: "forward",
      ...common,
      images_per_s: forwardRate,
      extra: { images: fwImages, cpu_seconds_per_image: fwCpu / fwImages },
    },
    {
      suite: "occlusion",
      case: "occluded_frequency",
      ...common,
      seconds: ofWall,
      images_per_s: n / ofWall,
      extra: {
        images: n,
        bands,
        occluded_copies_per_s: copies / ofWall,
        forward_equivalent_seconds: reference,
        ratio_to_forward: ofWall / reference,
        cpu_seconds: ofCpu,
        cpu_forward_equivalent_seconds: cpuReference,
        cpu_ratio_to_forward: ofCpu / cpuReference,
        target_ratio: 1.15,
        band_decomposition_seconds: assemblyWall,
        band_decomposition_cpu_seconds: assemblyCpu,
      },
    },
  ];
}

const suite: BenchSuite = { name: "occlusion", run };
export default suite;
