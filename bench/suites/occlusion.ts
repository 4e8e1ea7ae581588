/**
 * Occluded Frequency throughput: OF of every band (63 for 32×32) of CIFAR-sized images on ResNet-20,
 * against the cost of the same number of plain forward passes at this bench's forward rate (same model,
 * backend and batch). Target: OF ≤ 1.15 × (N·bands forward passes). Full size: 1,000 images (63,000
 * occluded copies); `--quick`: 16 images. Also times the band decomposition alone (DCT, per-band
 * contributions and batch assembly, no model), the part OF adds to the forward passes.
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

async function run(options: BenchOptions): Promise<BenchRecord[]> {
  await initBackend();
  const info = backendInfo();
  const n = options.quick ? 16 : 1000;
  const per = SHAPE[0] * SHAPE[1] * SHAPE[2];
  const images = {
    data: new Rng(1).uniformArray(n * per),
    shape: [n, ...SHAPE] as [number, number, number, number],
  };
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  const model = cifarResNet({ inputShape: SHAPE, numClasses: 10, seed: 1 });
  const classifier = classifierFromLayersModel(model);

  // Forward rate at the batch OF uses, on a batch already on the backend (as the backend suite measures).
  const x = tf.tidy(() => tf.tensor4d(new Rng(2).uniformArray(BATCH * per), [BATCH, ...SHAPE]));
  const forward = () => tf.tidy(() => classifier.logits(x).dataSync());
  forward();
  const reps = options.quick ? 2 : 8;
  let t0 = performance.now();
  for (let r = 0; r < reps; r++) forward();
  const forwardRate = (reps * BATCH) / ((performance.now() - t0) / 1000);
  x.dispose();

  // Band decomposition and batch assembly alone: every occluded copy written into a buffer.
  const decomposer = new BandDecomposer(images);
  const bands = decomposer.layout.bands;
  const buffer = new Float32Array(per);
  t0 = performance.now();
  for (let i = 0; i < n; i++) for (let k = 0; k < bands; k++) decomposer.ablate(i, (b) => b === k, buffer);
  const assembly = (performance.now() - t0) / 1000;

  await occludedFrequency(
    classifier,
    { data: images.data.slice(0, 4 * per), shape: [4, ...SHAPE] },
    labels.slice(0, 4),
  );
  t0 = performance.now();
  await occludedFrequency(classifier, images, labels, { maxBatch: BATCH });
  const seconds = (performance.now() - t0) / 1000;
  const reference = (n * bands) / forwardRate;
  model.dispose();
  const common = { model: "resnet20", backend: info.name, threads: info.threads, batch: BATCH };
  return [
    { suite: "occlusion", case: "forward", ...common, images_per_s: forwardRate },
    {
      suite: "occlusion",
      case: "occluded_frequency",
      ...common,
      seconds,
      images_per_s: n / seconds,
      extra: {
        images: n,
        bands,
        occluded_copies_per_s: (n * bands) / seconds,
        forward_equivalent_seconds: reference,
        ratio_to_forward: seconds / reference,
        target_ratio: 1.15,
        band_decomposition_seconds: assembly,
      },
    },
  ];
}

const suite: BenchSuite = { name: "occlusion", run };
export default suite;
