/**
 * The science workloads against PyTorch / SciPy in the same run, on the same weights: FGSM, PGD-10 (l∞ and
 * l2), Carlini–Wagner l2 with 50 Adam iterations, SimBA-DCT (model queries/s), Occluded Frequency over all
 * 63 bands (images × bands / s), representation-inversion steps (images × steps / s) on ResNet-20
 * (lib/models `cifarResNet`, seed 1, untrained: the cost of a step does not depend on the weights), and
 * the orthonormal 2-D DCT of 10,000 CIFAR-shaped images (into a new array, and into one reused array). Images are seeded uniform noise labelled with the
 * model's own predictions, so every image starts correctly classified.
 *
 * With `--reference`, the model's weights, the images and freqlens' logits go to
 * `outputs/bench/science/` (bench/science_export.ts) and `scripts/bench_torch_science.py` rebuilds the
 * model in PyTorch, checks its logits against freqlens', and runs the same workloads in both memory
 * layouts (and `scipy.fft.dctn(norm="ortho")` float32, 1 and all workers); each freqlens record gets the
 * ratio to PyTorch's (or SciPy's) best median, and each attack the check that both reach the same success
 * rate within sampling noise (two-proportion z at the 1 % level, or one image's worth for small batches).
 */
import * as tf from "@tensorflow/tfjs-core";
import { backendInfo, initBackend } from "../../lib/backend/mod.ts";
import { cifarResNet, classifierFromLayersModel } from "../../lib/models/mod.ts";
import { attackByName, type AttackName } from "../../lib/attacks/mod.ts";
import { occludedFrequency } from "../../lib/attribution/mod.ts";
import { synthesizeFromRepresentation } from "../../lib/synthesis/mod.ts";
import { dct2, dct2Into } from "../../lib/dct/mod.ts";
import { Rng } from "../../lib/stats/mod.ts";
import type { BenchOptions, BenchRecord, BenchSuite } from "../suite.ts";
import { type Spread, throughputSpread, timeReps } from "../spread.ts";
import { exportForReference } from "../science_export.ts";

const SHAPE = [32, 32, 3] as const;
const PER = SHAPE[0] * SHAPE[1] * SHAPE[2];

/** Sizes of one run; `--quick` shrinks them. */
function sizes(quick: boolean) {
  return quick
    ? {
      batch: 8,
      cwIterations: 50,
      simbaQueries: 40,
      ofImages: 8,
      inversionSteps: 3,
      dctImages: 1000,
      reps: 1,
    }
    : {
      batch: 32,
      cwIterations: 50,
      simbaQueries: 300,
      ofImages: 64,
      inversionSteps: 10,
      dctImages: 10000,
      reps: 3,
    };
}

interface AttackCase {
  name: string;
  method: AttackName;
  params: Record<string, unknown>;
}

function attackCases(cwIterations: number, simbaQueries: number): AttackCase[] {
  return [
    { name: "fgsm", method: "fgsm", params: { eps: 8 / 255 } },
    { name: "pgd-linf-10", method: "pgd", params: { norm: "linf", eps: 8 / 255, steps: 10 } },
    { name: "pgd-l2-10", method: "pgd", params: { norm: "l2", eps: 1, steps: 10 } },
    {
      name: `cw-l2-${cwIterations}it`,
      method: "cw",
      params: { binarySteps: 1, maxIterations: cwIterations, abortEarly: false, initialConst: 1 },
    },
    { name: `simba-dct-${simbaQueries}q`, method: "simba", params: { maxQueries: simbaQueries } },
  ];
}

/** One PyTorch / SciPy figure of `scripts/bench_torch_science.py`. */
interface ReferenceFigure {
  case: string;
  layout: string;
  /** Work items per second (images, queries, images × bands, images × steps), median. */
  rate: number;
  spread: Spread;
  success_rate?: number;
  [key: string]: unknown;
}

interface ReferenceOutput {
  parity: Record<string, number>;
  figures: ReferenceFigure[];
}

async function reference(dir: string, threads: number, reps: number): Promise<ReferenceOutput | string> {
  const script = new URL("../../scripts/bench_torch_science.py", import.meta.url).pathname;
  try {
    const out = await new Deno.Command("/usr/bin/python3", {
      args: [script, "--dir", dir, "--threads", String(threads), "--reps", String(reps)],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    if (!out.success) return `bench_torch_science.py failed: ${err.slice(-800)}`;
    return JSON.parse(new TextDecoder().decode(out.stdout)) as ReferenceOutput;
  } catch (e) {
    return `PyTorch reference unavailable: ${(e as Error).message}`;
  }
}

/** Whether two success rates over `n` images each agree within sampling noise (see the module doc). */
export function sameSuccessRate(a: number, b: number, n: number): { agree: boolean; tolerance: number } {
  const pooled = (a + b) / 2;
  const tolerance = Math.max(2 / n, 2.576 * Math.sqrt((pooled * (1 - pooled) * 2) / n));
  return { agree: Math.abs(a - b) <= tolerance + 1e-12, tolerance };
}

const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((s, v) => s + v, 0) / xs.length;

async function run(options: BenchOptions): Promise<BenchRecord[]> {
  await initBackend();
  const info = backendInfo();
  const z = sizes(options.quick);
  const net = cifarResNet({ inputShape: SHAPE, numClasses: 10, seed: 1 });
  const model = classifierFromLayersModel(net);
  const n = Math.max(z.batch, z.ofImages);
  const images = tf.tensor4d(new Rng(3).uniformArray(n * PER), [n, ...SHAPE]);
  const pred = tf.tidy(() => tf.argMax(model.logits(images), 1));
  const labels = new Int32Array(pred.dataSync());
  pred.dispose();
  const batchImages = tf.slice(images, [0, 0, 0, 0], [z.batch, ...SHAPE]) as tf.Tensor4D;
  const batchLabels = labels.slice(0, z.batch);
  const common = { model: "resnet20", backend: info.name, threads: info.threads };
  const records: BenchRecord[] = [];
  const freqlens: Record<string, Record<string, unknown>> = {};

  // Warm-up: kernels compiled, primitives created.
  (await attackByName("fgsm").run({ model, images: batchImages, labels: batchLabels, seed: 0 }, {
    eps: 0.01,
  }))
    .adversarial.dispose();

  for (const c of attackCases(z.cwIterations, z.simbaQueries)) {
    const attack = attackByName(c.method);
    const params = attack.params.parse(c.params);
    let success: Uint8Array = new Uint8Array(), queries = 0;
    const seconds = await timeReps(
      async () => {
        const res = await attack.run({ model, images: batchImages, labels: batchLabels, seed: 1 }, params);
        res.adversarial.dataSync();
        res.adversarial.dispose();
        success = res.success;
        queries = res.queries.reduce((a, q) => a + q, 0);
      },
      0,
      z.reps,
    );
    const items = attack.whiteBox ? z.batch : queries;
    const spread = throughputSpread(items, seconds);
    freqlens[c.name] = { success, ...(attack.whiteBox ? {} : { queries }) };
    records.push({
      suite: "science",
      case: c.name,
      ...common,
      batch: z.batch,
      images_per_s: spread.median,
      extra: {
        unit: attack.whiteBox ? "images/s" : "queries/s",
        params,
        spread,
        success_rate: mean(success),
      },
    });
  }

  // Occluded Frequency over all bands.
  const ofData = { data: images.dataSync() as Float32Array, shape: [z.ofImages, ...SHAPE] };
  ofData.data = ofData.data.subarray(0, z.ofImages * PER);
  let ofScores: Float32Array = new Float32Array();
  const ofSeconds = await timeReps(
    async () => {
      ofScores = (await occludedFrequency(model, ofData, labels.subarray(0, z.ofImages), { batchSize: 256 }))
        .scores;
    },
    1,
    z.reps,
  );
  const bands = ofScores.length / z.ofImages;
  const ofSpread = throughputSpread(z.ofImages * bands, ofSeconds);
  records.push({
    suite: "science",
    case: "occluded-frequency",
    ...common,
    batch: 256,
    images_per_s: ofSpread.median,
    extra: { unit: "images×bands/s", images: z.ofImages, bands, spread: ofSpread },
  });

  // Representation inversion (robust / non-robust synthesis).
  const invData = {
    data: (images.dataSync() as Float32Array).slice(0, z.batch * PER),
    shape: [z.batch, ...SHAPE],
  };
  const startIndices = Int32Array.from({ length: z.batch }, (_, i) => (i + 1) % z.batch);
  let finalLoss = 0;
  const invSeconds = await timeReps(
    () => {
      const r = synthesizeFromRepresentation(model, invData, batchLabels, {
        startIndices,
        iterations: z.inversionSteps,
        step: 0.1,
        batchSize: z.batch,
      });
      finalLoss = mean(r.finalLoss);
    },
    0,
    z.reps,
  );
  const invSpread = throughputSpread(z.batch * z.inversionSteps, invSeconds);
  records.push({
    suite: "science",
    case: "representation-inversion",
    ...common,
    batch: z.batch,
    images_per_s: invSpread.median,
    extra: { unit: "images×steps/s", steps: z.inversionSteps, spread: invSpread, final_loss: finalLoss },
  });

  // 2-D DCT of many CIFAR-shaped images (typed arrays).
  const dctShape = [z.dctImages, ...SHAPE] as const;
  const pixels = new Rng(5).uniformArray(z.dctImages * PER);
  const dctSpread = throughputSpread(z.dctImages, await timeReps(() => dct2(pixels, dctShape), 1, z.reps));
  records.push({
    suite: "science",
    case: `dct2-${z.dctImages}`,
    backend: "typed-array",
    images_per_s: dctSpread.median,
    extra: { unit: "images/s", shape: dctShape, spread: dctSpread },
  });
  // The same transform into one reused output array: the work without the allocation and first touch of
  // 123 MB of fresh memory, which on this project's VMs costs more than the transform (see README).
  const dctOut = new Float32Array(pixels.length);
  const intoSpread = throughputSpread(
    z.dctImages,
    await timeReps(() => dct2Into(pixels, dctShape, dctOut), 1, z.reps),
  );
  records.push({
    suite: "science",
    case: `dct2-${z.dctImages}-into`,
    backend: "typed-array",
    images_per_s: intoSpread.median,
    extra: { unit: "images/s", shape: dctShape, spread: intoSpread, reference_case: `dct2-${z.dctImages}` },
  });

  if (options.reference) {
    const dir = new URL("../../outputs/bench/science/", import.meta.url).pathname;
    await exportForReference(net, images, labels, dir, {
      batch: z.batch,
      attacks: attackCases(z.cwIterations, z.simbaQueries).map((c) => ({
        name: c.name,
        method: c.method,
        params: attackByName(c.method).params.parse(c.params),
      })),
      of_images: z.ofImages,
      of_scores: Array.from(ofScores),
      inversion: {
        steps: z.inversionSteps,
        step: 0.1,
        start_indices: Array.from(startIndices),
        final_loss: finalLoss,
      },
      dct_images: z.dctImages,
    });
    const ref = await reference(dir, navigator.hardwareConcurrency, z.reps);
    if (typeof ref === "string") console.error(`  ${ref}`);
    else if (!parityOk(ref.parity)) {
      console.error(`  PyTorch logits differ from freqlens': ${JSON.stringify(ref.parity)}`);
    } else records.push(...compare(records, ref, freqlens, z.batch));
  }
  tf.dispose([images, batchImages]);
  net.dispose();
  return records;
}

const theirRate = (f: ReferenceFigure) => f.success_rate;

/** Whether PyTorch's logits match freqlens' on the exported images (same weights, same model). */
function parityOk(p: Record<string, number>): boolean {
  return p.argmax_agreement === 1 && p.logits_max_abs_diff <= 1e-4 * (1 + p.logits_max_abs);
}

/** Reference records, and on each freqlens record its ratio to the best reference median and (attacks)
 * the success-rate check. */
function compare(
  mine: BenchRecord[],
  ref: ReferenceOutput,
  freqlens: Record<string, Record<string, unknown>>,
  batch: number,
): BenchRecord[] {
  const out: BenchRecord[] = [];
  for (const f of ref.figures) {
    out.push({
      suite: "science",
      case: f.case,
      model: f.case.startsWith("dct2") ? undefined : "resnet20",
      backend: f.case.startsWith("dct2") ? `scipy-${f.layout}` : `pytorch-${f.layout}`,
      images_per_s: f.rate,
      extra: { ...f, parity: ref.parity },
    });
  }
  for (const r of mine) {
    const refCase = (r.extra?.reference_case as string | undefined) ?? r.case;
    const theirs = ref.figures.filter((f) => f.case === refCase).sort((a, b) => b.rate - a.rate);
    if (theirs.length === 0) continue;
    r.ratio_to_pytorch = r.images_per_s! / theirs[0].rate;
    const extra: Record<string, unknown> = {
      ...r.extra,
      reference_best: theirs[0].layout,
      reference_rate: theirs[0].rate,
      reference_by_layout: Object.fromEntries(theirs.map((f) => [f.layout, f.rate])),
      logits_parity: { ...ref.parity, ok: parityOk(ref.parity) },
    };
    const mine = freqlens[r.case]?.success as Uint8Array | undefined;
    const theirs0 = theirs[0].success as number[] | undefined;
    if (mine && theirs0 && theirRate(theirs[0]) !== undefined) {
      const a = mean(mine), b = theirRate(theirs[0])!;
      extra.success_check = {
        freqlens: a,
        pytorch: b,
        ...sameSuccessRate(a, b, batch),
        per_image_agreement: mean(Array.from(mine, (v, i) => (v === theirs0[i] ? 1 : 0))),
      };
    }
    r.extra = extra;
  }
  return out;
}

const suite: BenchSuite = { name: "science", run };
export default suite;
