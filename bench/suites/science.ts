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
import { REFERENCE_MALLOC_ENV, ReferenceWorker } from "../reference_worker.ts";
import { exportForReference } from "../science_export.ts";

const SHAPE = [32, 32, 3] as const;
const PER = SHAPE[0] * SHAPE[1] * SHAPE[2];
/** V8's full garbage collection, when Deno runs with `--v8-flags=--expose-gc` (see the DCT workload). */
const collect = (globalThis as { gc?: () => void }).gc;

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
      rounds: 1,
      reps: 1,
      minSeconds: 0,
    }
    : {
      batch: 32,
      cwIterations: 50,
      simbaQueries: 300,
      ofImages: 64,
      inversionSteps: 10,
      dctImages: 10000,
      rounds: 4,
      reps: 2,
      /** Per round and workload: short ones (FGSM, ~45 ms) get more timings, on both sides. */
      minSeconds: 0.5,
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

/** The pooled timings of one PyTorch / SciPy case of `scripts/bench_torch_science.py`, with its last
 * call's results. */
interface ReferenceTimed {
  case: string;
  layout: string;
  /** Work items per timed call, and the seconds of each call. */
  items: number;
  seconds: number[];
  success_rate?: number;
  [key: string]: unknown;
}

/** One PyTorch / SciPy figure: its timings and the median rate. */
interface ReferenceFigure extends ReferenceTimed {
  /** Work items per second (images, queries, images × bands, images × steps), median. */
  rate: number;
  spread: Spread;
}

interface ReferenceOutput {
  parity: Record<string, number>;
  figures: ReferenceFigure[];
}

/** The PyTorch / SciPy reference on the exported model and data in `dir`, running and ready for
 * requests, or why it is not. */
function startReference(dir: string, threads: number): Promise<ReferenceWorker | string> {
  const script = new URL("../../scripts/bench_torch_science.py", import.meta.url).pathname;
  return ReferenceWorker.start(
    "/usr/bin/python3",
    [script, "--dir", dir, "--threads", String(threads)],
    REFERENCE_MALLOC_ENV,
  );
}

/** The reference's timings of every case and layout so far, and its last call's results. */
type ReferenceTimings = Map<string, ReferenceTimed>;

/** Times `caseName` in every layout the reference has for it (`warmup` untimed calls, then as
 * {@link timeReps}), adding to `into`. */
async function timeReference(
  ref: ReferenceWorker,
  caseName: string,
  warmup: number,
  z: ReturnType<typeof sizes>,
  into: ReferenceTimings,
): Promise<void> {
  const layouts = (ref.hello.layouts as Record<string, string[]>)[caseName] ?? [];
  for (const layout of layouts) {
    const reply = await ref.request({
      case: caseName,
      layout,
      warmup,
      reps: z.reps,
      min_seconds: z.minSeconds,
    });
    const key = `${caseName}|${layout}`;
    const seconds = [...(into.get(key)?.seconds ?? []), ...reply.seconds as number[]];
    into.set(key, { ...reply, case: caseName, layout, items: reply.items as number, seconds });
  }
}

/** Whether two success rates over `n` images each agree within sampling noise (see the module doc). */
export function sameSuccessRate(a: number, b: number, n: number): { agree: boolean; tolerance: number } {
  const pooled = (a + b) / 2;
  const tolerance = Math.max(2 / n, 2.576 * Math.sqrt((pooled * (1 - pooled) * 2) / n));
  return { agree: Math.abs(a - b) <= tolerance + 1e-12, tolerance };
}

const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((s, v) => s + v, 0) / xs.length;

/** A freqlens figure of one round: its record (figure and spread filled in after pooling), the work items
 * per timed call and the seconds of each call. */
interface Timed {
  record: BenchRecord;
  items: number;
  seconds: number[];
}

/** The model, data and sizes every round measures on. */
interface Setup {
  z: ReturnType<typeof sizes>;
  model: ReturnType<typeof classifierFromLayersModel>;
  images: tf.Tensor4D;
  batchImages: tf.Tensor4D;
  labels: Int32Array;
  batchLabels: Int32Array;
  common: Pick<BenchRecord, "model" | "backend" | "threads">;
  pixels: Float32Array;
  dctOut: Float32Array;
}

/** One round of every freqlens workload, `reps` timed calls each, each followed by `after(case, warmup)`
 * (the reference's timing of the same case with the same warm-up); `freqlens` receives each attack's
 * success flags (and SimBA's queries), and `checks` the OF scores and inversion loss. */
async function measureOnce(
  u: Setup,
  reps: number,
  freqlens: Record<string, Record<string, unknown>>,
  checks: { ofScores: Float32Array; finalLoss: number; startIndices: Int32Array },
  after: (caseName: string, warmup: number) => Promise<void>,
): Promise<Timed[]> {
  const { z, model, images, batchImages, labels, batchLabels, common } = u;
  const out: Timed[] = [];
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
      1,
      reps,
      z.minSeconds,
    );
    freqlens[c.name] = { success, ...(attack.whiteBox ? {} : { queries }) };
    out.push({
      record: {
        suite: "science",
        case: c.name,
        ...common,
        batch: z.batch,
        extra: {
          unit: attack.whiteBox ? "images/s" : "queries/s",
          params,
          success_rate: mean(success),
        },
      },
      items: attack.whiteBox ? z.batch : queries,
      seconds,
    });
    await after(c.name, 1);
  }

  // Occluded Frequency over all bands.
  const ofData = { data: images.dataSync() as Float32Array, shape: [z.ofImages, ...SHAPE] };
  ofData.data = ofData.data.subarray(0, z.ofImages * PER);
  const ofSeconds = await timeReps(
    async () => {
      checks.ofScores =
        (await occludedFrequency(model, ofData, labels.subarray(0, z.ofImages), { batchSize: 256 })).scores;
    },
    1,
    reps,
    z.minSeconds,
  );
  const bands = checks.ofScores.length / z.ofImages;
  out.push({
    record: {
      suite: "science",
      case: "occluded-frequency",
      ...common,
      batch: 256,
      extra: { unit: "images×bands/s", images: z.ofImages, bands },
    },
    items: z.ofImages * bands,
    seconds: ofSeconds,
  });
  await after("occluded-frequency", 1);

  // Representation inversion (robust / non-robust synthesis).
  const invData = {
    data: (images.dataSync() as Float32Array).slice(0, z.batch * PER),
    shape: [z.batch, ...SHAPE],
  };
  const invSeconds = await timeReps(
    () => {
      const r = synthesizeFromRepresentation(model, invData, batchLabels, {
        startIndices: checks.startIndices,
        iterations: z.inversionSteps,
        step: 0.1,
        batchSize: z.batch,
      });
      checks.finalLoss = mean(r.finalLoss);
    },
    0,
    reps,
    z.minSeconds,
  );
  out.push({
    record: {
      suite: "science",
      case: "representation-inversion",
      ...common,
      batch: z.batch,
      extra: { unit: "images×steps/s", steps: z.inversionSteps, final_loss: checks.finalLoss },
    },
    items: z.batch * z.inversionSteps,
    seconds: invSeconds,
  });
  await after("representation-inversion", 0);

  // 2-D DCT of many CIFAR-shaped images (typed arrays): into a new array each call, and into one reused
  // array. A new array each call is SciPy's work as timed: CPython frees the previous 123 MB result at
  // once and the next call reuses its (warm, huge) pages; V8 frees it only at its next collection, so
  // each call would fault in fresh memory, which on this project's VMs costs more than the transform
  // (see README). The call therefore starts with a full collection that releases the previous result
  // (timed with it), where Deno runs with `--v8-flags=--expose-gc` as the bench task does.
  const dctShape = [z.dctImages, ...SHAPE] as const;
  const dctCase = `dct2-${z.dctImages}`;
  const newArray = () => {
    collect?.();
    dct2(u.pixels, dctShape);
  };
  for (
    const [name, f] of [[dctCase, newArray], [
      `${dctCase}-into`,
      () => dct2Into(u.pixels, dctShape, u.dctOut),
    ]] as const
  ) {
    out.push({
      record: {
        suite: "science",
        case: name,
        backend: "typed-array",
        extra: {
          unit: "images/s",
          shape: dctShape,
          ...(name === dctCase
            ? { previous_result_collected: collect !== undefined }
            : { reference_case: dctCase }),
        },
      },
      items: z.dctImages,
      seconds: await timeReps(f, 1, reps, z.minSeconds),
    });
    await after(name, 1);
  }
  return out;
}

/** Adds one round's timings to the pooled ones (same cases, same order), keeping the latest record. */
function pool(into: Timed[], round: Timed[]): Timed[] {
  if (into.length === 0) return round;
  return round.map((t, i) => ({ ...t, seconds: [...into[i].seconds, ...t.seconds] }));
}

/** A reference figure from its pooled timings: median rate and spread; OF's scores replaced by their
 * largest difference from freqlens' (`ofScores`). */
function referenceFigure(
  t: ReferenceTimed,
  ofScores: Float32Array,
): ReferenceFigure {
  const spread = throughputSpread(t.items, t.seconds);
  const { scores, ...rest } = t as typeof t & { scores?: number[] };
  const checked = scores
    ? {
      scores_max_abs_diff: scores.reduce((m, v, i) => Math.max(m, Math.abs(v - ofScores[i])), 0),
      scores_max_abs: ofScores.reduce((m, v) => Math.max(m, Math.abs(v)), 0),
    }
    : {};
  return { ...rest, ...checked, rate: spread.median, spread };
}

/**
 * Runs the workloads in rounds: each round times every freqlens workload, each followed at once (with
 * `--reference`) by the same case in the running PyTorch / SciPy reference, so that both sides see the
 * machine in the same states — on a shared VM a figure drifts by tens of percent over minutes, and
 * measuring one side entirely before the other would put that drift into the ratio. Every figure pools
 * its timings over all rounds.
 */
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
  const pixels = new Rng(5).uniformArray(z.dctImages * PER);
  const u: Setup = {
    z,
    model,
    images,
    batchImages,
    labels,
    batchLabels: labels.slice(0, z.batch),
    common: { model: "resnet20", backend: info.name, threads: info.threads },
    pixels,
    dctOut: new Float32Array(pixels.length),
  };
  const freqlens: Record<string, Record<string, unknown>> = {};
  const checks = {
    ofScores: new Float32Array(),
    finalLoss: 0,
    startIndices: Int32Array.from({ length: z.batch }, (_, i) => (i + 1) % z.batch),
  };

  // Warm-up: kernels compiled, primitives created, and V8's optimising compiler through tfjs' hot paths
  // (single calls right after this still ran up to 1.5× slower than the steady state): one second of FGSM.
  await timeReps(
    async () =>
      (await attackByName("fgsm").run({ model, images: batchImages, labels: u.batchLabels, seed: 0 }, {
        eps: 0.01,
      })).adversarial.dispose(),
    0,
    1,
    z.minSeconds * 2,
  );

  let worker: ReferenceWorker | undefined;
  let refError: string | undefined;
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
      inversion: { steps: z.inversionSteps, step: 0.1, start_indices: Array.from(checks.startIndices) },
      dct_images: z.dctImages,
    });
    const started = await startReference(dir, navigator.hardwareConcurrency);
    if (typeof started === "string") refError = started;
    else worker = started;
  }
  const theirs: ReferenceTimings = new Map();
  const after = async (caseName: string, warmup: number) => {
    if (!worker || refError) return;
    try {
      await timeReference(worker, caseName, warmup, z, theirs);
    } catch (e) {
      refError = (e as Error).message;
    }
  };
  let timed: Timed[] = [];
  for (let round = 0; round < z.rounds; round++) {
    timed = pool(timed, await measureOnce(u, z.reps, freqlens, checks, after));
  }
  await worker?.close();
  const ref: ReferenceOutput | undefined = worker && {
    parity: worker.hello.parity as Record<string, number>,
    figures: [...theirs.values()].map((f) => referenceFigure(f, checks.ofScores)),
  };
  const records: BenchRecord[] = timed.map(({ record, items, seconds }) => {
    const spread = throughputSpread(items, seconds);
    return {
      ...record,
      images_per_s: spread.median,
      extra: { ...record.extra, spread, rounds: z.rounds, seconds },
    };
  });
  if (refError) console.error(`  ${refError}`);
  else if (ref && !parityOk(ref.parity)) {
    console.error(`  PyTorch logits differ from freqlens': ${JSON.stringify(ref.parity)}`);
  } else if (ref) records.push(...compare(records, ref, freqlens, z.batch));
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
