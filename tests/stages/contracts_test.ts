/**
 * Stage contracts (lib/stages): each kind's writer → reader round trip gives back what was written, and
 * every file of an entry is checked on reading — a missing or truncated file is an error naming that file,
 * as is a summary field that is missing, of the wrong type or non-finite.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { initBackend } from "../../lib/backend/mod.ts";
import { Rng } from "../../lib/stats/mod.ts";
import {
  type AttackFiles,
  type ContrastSummary,
  type EvaluateSummary,
  type FilteredFiles,
  type FourierFiles,
  loadStageClassifier,
  type OcclusionFiles,
  type Prop1Files,
  type RctFiles,
  readAttack,
  readContrast,
  readDataMeta,
  readDataSplit,
  readEvaluate,
  readFiltered,
  readFourier,
  readModelAndImages,
  readModelInfo,
  readOcclusion,
  readProp1,
  readRct,
  readSaliency,
  readSpectra,
  readSynthesis,
  readTrainHistory,
  type SaliencyFiles,
  type SpectraFiles,
  StageFileError,
  type SynthesisFiles,
  writeAttack,
  writeContrast,
  writeEvaluate,
  writeFiltered,
  writeFourier,
  writeModel,
  writeOcclusion,
  writeProp1,
  writeRct,
  writeSaliency,
  writeSpectra,
  writeSynthesis,
} from "../../lib/stages/mod.ts";
import { writeAttackStage, writeDataStage } from "./helpers.ts";

await initBackend("cpu");

const rng = new Rng(7);
const floats = (n: number) => Float32Array.from({ length: n }, () => rng.uniform());
const doubles = (n: number) => Float64Array.from({ length: n }, () => rng.uniform());
const ints = (n: number, max: number) => Int32Array.from({ length: n }, () => rng.int(max));
const shares = {
  low: { estimate: 0.5, lo: 0.4, hi: 0.6 },
  middle: { estimate: 0.3, lo: 0.2, hi: 0.4 },
  high: { estimate: 0.2, lo: 0.1, hi: 0.3 },
};
const verdict = {
  finding: "f",
  protocol: "freqlens" as const,
  effect: 0.6,
  null: 0.5,
  difference: { estimate: 0.1, lo: 0.05, hi: 0.15, level: 0.95 },
  direction: "greater" as const,
  verdict: "reproduced" as const,
};
const [N, H, W, C, B] = [5, 4, 4, 3, 7];

/** One kind's entry: how to write it, how to read it back, what the reader must return. */
interface Case {
  kind: string;
  write(dir: string): Promise<void>;
  read(dir: string): Promise<unknown>;
  expected: unknown;
  /** Files the entry may lack (read as absent, not an error). */
  optional?: string[];
}

function cases(): Case[] {
  const evaluate: EvaluateSummary = {
    images: N,
    clean_accuracy: 0.8,
    pgd_accuracy: null,
    pgd: null,
    limit: null,
    seed: 3,
    seconds: 1.5,
    backend: { name: "cpu", tfjs: "4.22.0" },
  };
  const rct: RctFiles = {
    map: { data: doubles(H * W * C), shape: [H, W, C] },
    mean: { data: doubles(H * W), shape: [H, W] },
    bandProfile: doubles(B),
    imageProfiles: doubles(N * B),
    summary: {
      protocol: "authors",
      variant: "channel_mean",
      floor: null,
      band_kind: "shell",
      subset: "all",
      pairs: N,
      attacked: N + 1,
      bands: B,
      thirds: [3, 2, 2],
      shares,
      excluded: 0,
      bootstrap: { seed: 1, resamples: 10, level: 0.95 },
      peak_band: 2,
      nulls: {
        noise: { shares, excluded: 0, clip: true, mean_norm_ratio: 0.9 },
        shuffled: { shares: null, excluded: 0 },
        energy: { attack: shares, noise: shares },
      },
      verdicts: [verdict],
    },
  };
  const prop1: Prop1Files = {
    l1: doubles(N * C),
    dcDiff: doubles(N * C),
    summary: {
      pairs: N,
      channels: C,
      perturbed: N * C,
      unperturbed: 0,
      holdsAll: true,
      violations: 0,
      minSlack: 0.01,
      tightness: { count: N * C, mean: 0.5, median: 0.5, min: 0.1, max: 0.9, p90: 0.8 },
      tolerance: 1e-6,
    },
  };
  const synthesis: SynthesisFiles = {
    images: { data: floats(N * H * W * C), shape: [N, H, W, C] },
    labels: ints(N, 3),
    targetIndices: ints(N, 50),
    startIndices: ints(N, 50),
    initialDistance: floats(N),
    finalDistance: floats(N),
    lossCurve: Float32Array.from([0.9, 0.5, 0.25]),
    summary: {
      dataset: "planted",
      split: "train",
      images: N,
      step: 0.1,
      iterations: 2,
      initial_distance: 0.9,
      final_distance: 0.25,
      distance_ratio: 0.25 / 0.9,
      label_agreement: 0.8,
    },
  };
  const spectrum = () => ({
    map: { data: floats(H * W * C), shape: [H, W, C] as [number, number, number] },
    channelMean: floats(H * W),
    bandProfile: floats(B),
    pairProfiles: floats(N * B),
  });
  const perDefinition = {
    definition: "d",
    shares: { level: 0.95, ...shares },
    band_profile: [1, 2, 3, 4, 5, 6, 7],
  };
  const spectra: SpectraFiles = {
    spectra: { start: spectrum(), target: spectrum(), contrast: spectrum() },
    summary: {
      pairs: N,
      bands: B,
      band_kind: "diagonal",
      paper_definition: "start",
      spectra: { start: perDefinition, target: perDefinition, contrast: perDefinition },
      shares: { level: 0.95, ...shares },
      band_profile: [1, 2, 3, 4, 5, 6, 7],
      convergence: {
        step: 0.1,
        iterations: 2,
        initial_distance: 0.9,
        final_distance: 0.2,
        final_distance_quantiles: { q10: 0.1, median: 0.2, q90: 0.3 },
        label_agreement: 1,
        loss_curve: [[0, 0.9], [2, 0.2]],
      },
      contrast: null,
      verdicts: [{ ...verdict, definition: "x_r − x₀" }],
    },
  };
  const occlusion: OcclusionFiles = {
    attributions: floats(N * B),
    indices: ints(N, 50),
    labels: ints(N, 3),
    targets: ints(N, 3),
    classProfiles: floats(3 * B),
    topBands: { data: ints(N * 2, B), topK: 2 },
    cumulative: Array.from({ length: B + 1 }, (_, k) => ({
      k,
      mean_drop: k / 10,
      drop_lo: k / 10 - 0.05,
      drop_hi: k / 10 + 0.05,
      accuracy: 1 - k / 10,
    })),
    singleImage: { data: floats(3 * H * W * C), shape: [3, H, W, C] },
    labelChange: doubles(B),
    summary: {
      dataset: "planted",
      split: "test",
      images: N,
      bands: B,
      band_kind: "diagonal",
      baseline: "zero",
      explain_class: "label",
      score: "logit",
      clean_accuracy: 0.6,
      shares: { mass: "positive", level: 0.95, ...shares },
      shares_without_dc: null,
      label_change_rate: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6],
      mean_profile: [1, 2, 3, 4, 5, 6, 7],
      class_counts: [2, 2, 1],
      class_names: ["a", "b", "c"],
      single_image: {
        position: 0,
        split_index: 3,
        label: 1,
        k: [1],
        top_bands: [2],
        attribution: [1, 2, 3, 4, 5, 6, 7],
        layout: ["original", "lowest_1", "top_1"],
      },
    },
  };
  const contrast: ContrastSummary = {
    protocol: "authors",
    images: N,
    bands: B,
    band_kind: "shell",
    explain_class: "predicted",
    effect: { instance: "occlusion_robust", clean_accuracy: 0.5 },
    control: { instance: "occlusion_natural", clean_accuracy: 0.9 },
    verdicts: [verdict, verdict],
  };
  const fourier: FourierFiles = {
    heatmap: { data: floats(H * W), shape: [H, W] },
    summary: {
      images: N,
      eps: 4,
      basis: "dct",
      sign: "random",
      clip: true,
      clean_error: 0.2,
      mean_error: 0.4,
      max_error: 0.9,
      max_frequency: [1, 2],
    },
  };
  const filtered: FilteredFiles = {
    curves: {
      cutoffs: Float64Array.from({ length: B + 1 }, (_, k) => k),
      lowPass: Float64Array.from({ length: B + 1 }, (_, k) => k / B),
      highPass: Float64Array.from({ length: B + 1 }, (_, k) => 1 - k / B),
    },
    summary: { images: N, bands: B, band_kind: "radial", clean_accuracy: 1, low_pass_cutoff_90: 6 },
  };
  const saliency: SaliencyFiles = {
    saliency: floats(N * B),
    indices: ints(N, 50),
    labels: ints(N, 3),
    summary: {
      images: N,
      bands: B,
      band_kind: "shell",
      reduce: "mean",
      input_times_gradient: true,
      explain_class: "predicted",
      mean_profile: [1, 2, 3, 4, 5, 6, 7],
      shares: null,
    },
  };
  const attackAdv = { data: floats(N * H * W * C), shape: [N, H, W, C] as const };
  let attack: AttackFiles | undefined;
  return [
    { kind: "evaluate", write: (d) => writeEvaluate(d, evaluate), read: readEvaluate, expected: evaluate },
    {
      kind: "attack",
      write: async (d) => {
        attack = await writeAttackStage(d, attackAdv, ints(N, 9), Uint8Array.from([1, 0, 1, 1, 0]));
        attack = { ...attack, targets: ints(N, 3), summary: { ...attack.summary, target: "random" } };
        await writeAttack(d, attack);
      },
      read: readAttack,
      get expected() {
        return attack;
      },
    },
    { kind: "rct", write: (d) => writeRct(d, rct), read: readRct, expected: rct },
    { kind: "prop1", write: (d) => writeProp1(d, prop1), read: readProp1, expected: prop1 },
    {
      kind: "synthesize",
      write: (d) => writeSynthesis(d, synthesis),
      read: readSynthesis,
      expected: synthesis,
    },
    { kind: "spectra", write: (d) => writeSpectra(d, spectra), read: readSpectra, expected: spectra },
    {
      kind: "occlusion",
      write: (d) => writeOcclusion(d, occlusion),
      read: readOcclusion,
      expected: occlusion,
      optional: ["cumulative.csv"],
    },
    { kind: "contrast", write: (d) => writeContrast(d, contrast), read: readContrast, expected: contrast },
    { kind: "fourier", write: (d) => writeFourier(d, fourier), read: readFourier, expected: fourier },
    { kind: "filtered", write: (d) => writeFiltered(d, filtered), read: readFiltered, expected: filtered },
    { kind: "saliency", write: (d) => writeSaliency(d, saliency), read: readSaliency, expected: saliency },
  ];
}

async function inTemp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "freqlens-contracts-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Asserts that `read` rejects with a StageFileError whose message names `file`. */
async function assertNames(read: () => Promise<unknown>, file: string, what: string): Promise<void> {
  await assert.rejects(read, (e: unknown) => {
    assert.ok(e instanceof StageFileError, `${what}: not a StageFileError: ${e}`);
    assert.ok(e.message.includes(file), `${what}: '${e.message}' does not name ${file}`);
    return true;
  });
}

for (const c of cases()) {
  Deno.test(`${c.kind}: write → read gives back what was written`, () =>
    inTemp(async (dir) => {
      await c.write(dir);
      assert.deepStrictEqual(await c.read(dir), c.expected);
    }));

  Deno.test(`${c.kind}: each file missing or truncated is an error naming it`, () =>
    inTemp(async (dir) => {
      await c.write(dir);
      const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assert.ok(names.length >= 1);
      for (const name of names) {
        const file = join(dir, name);
        const bytes = await Deno.readFile(file);
        await Deno.writeFile(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
        await assertNames(() => c.read(dir), file, `${c.kind}: ${name} truncated`);
        await Deno.remove(file);
        if (c.optional?.includes(name)) await c.read(dir);
        else await assertNames(() => c.read(dir), file, `${c.kind}: ${name} missing`);
        await Deno.writeFile(file, bytes);
      }
      assert.deepStrictEqual(await c.read(dir), c.expected, "restored");
    }));
}

Deno.test("a summary field that is non-finite, mistyped or missing is an error naming the file and field", () =>
  inTemp(async (dir) => {
    const good: EvaluateSummary = {
      images: 10,
      clean_accuracy: 0.5,
      pgd_accuracy: 0.1,
      pgd: { norm: "linf", eps: 0.1, steps: 3, restarts: 1 },
      limit: 10,
      seed: 0,
      seconds: 1,
      backend: { name: "cpu", tfjs: "x" },
    };
    // A NaN never reaches the store: the writer refuses it, naming the field.
    await assert.rejects(
      () => writeEvaluate(dir, { ...good, clean_accuracy: NaN }),
      (e: unknown) =>
        e instanceof StageFileError && /summary\.json: refusing.*clean_accuracy/.test(e.message),
    );
    const file = join(dir, "summary.json");
    for (
      const [patch, field] of [
        [{ clean_accuracy: null }, "clean_accuracy"], // what JSON.stringify makes of NaN
        [{ images: "10" }, "images"],
        [{ pgd: { ...good.pgd, eps: undefined } }, "pgd.eps"],
      ] as const
    ) {
      await Deno.writeTextFile(file, JSON.stringify({ ...good, ...patch }));
      await assert.rejects(() => readEvaluate(dir), (e: unknown) => {
        assert.ok(e instanceof StageFileError);
        assert.ok(e.message.startsWith(`${file}: `) && e.message.includes(`${field}:`), e.message);
        return true;
      });
    }
    await writeEvaluate(dir, good);
    assert.deepStrictEqual(await readEvaluate(dir), good);
  }));

Deno.test("data: round trip, meta checked against the arrays, labels in range, NaN pixels named", () =>
  inTemp(async (dir) => {
    const test = {
      images: floats(6 * H * W * C),
      labels: Int32Array.from([0, 1, 2, 0, 1, 2]),
      shape: [6, H, W, C] as const,
    };
    const train = {
      images: floats(4 * H * W * C),
      labels: Int32Array.from([2, 1, 0, 0]),
      shape: [4, H, W, C] as const,
    };
    await writeDataStage(dir, { train, test, classNames: ["a", "b", "c"], name: "toy" });
    assert.deepStrictEqual(await readDataMeta(dir), {
      dataset: "toy",
      classNames: ["a", "b", "c"],
      shape: [H, W, C],
      train: 4,
      test: 6,
      source: { made_by: "tests" },
    });
    const split = await readDataSplit(dir, "train");
    assert.deepStrictEqual(split, { ...train, classNames: ["a", "b", "c"], dataset: "toy" });
    const labels = await Deno.readFile(join(dir, "test_y.npy"));
    const bad = labels.slice();
    new DataView(bad.buffer).setInt32(bad.length - 4, 3, true); // last label 3 with 3 classes
    await Deno.writeFile(join(dir, "test_y.npy"), bad);
    await assertNames(() => readDataSplit(dir, "test"), join(dir, "test_y.npy"), "label out of range");
    await Deno.writeFile(join(dir, "test_y.npy"), labels);
    const pixels = await Deno.readFile(join(dir, "test_x.npy"));
    const nan = pixels.slice();
    new DataView(nan.buffer).setFloat32(nan.length - 4, NaN, true);
    await Deno.writeFile(join(dir, "test_x.npy"), nan);
    await assertNames(() => readDataSplit(dir, "test"), join(dir, "test_x.npy"), "NaN pixel");
    await Deno.writeFile(join(dir, "test_x.npy"), pixels);
    for (const name of ["meta.json", "test_x.npy", "test_y.npy"]) {
      const bytes = await Deno.readFile(join(dir, name));
      await Deno.writeFile(join(dir, name), bytes.subarray(0, bytes.length >> 1));
      await assertNames(() => readDataSplit(dir, "test"), join(dir, name), `${name} truncated`);
      await Deno.writeFile(join(dir, name), bytes);
    }
  }));

Deno.test("model: writeModel → loadStageClassifier gives the same logits; info and history round trip", () =>
  inTemp(async (dir) => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.flatten({ inputShape: [H, W, C] }),
        tfl.layers.dense({ units: 4, name: "features", kernelInitializer: "glorotNormal" }),
        tfl.layers.dense({ units: 3 }),
      ],
    });
    const info = {
      kind: "train" as const,
      arch: "small_cnn",
      name: "toy",
      params: { epochs: 2 },
      seed: 1,
      parameters: 10,
      inputShape: [H, W, C],
      numClasses: 3,
      classNames: ["a", "b", "c"],
      dataset: "toy",
      normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
      test_accuracy: 0.5,
      train_images: 4,
      epochs_run: 2,
      kept_epoch: 2,
      stopped_early: false,
      seconds: 1,
      backend: { name: "cpu", tfjs: "x" },
    };
    const history = [1, 2].map((epoch) => ({
      epoch,
      lr: 0.1,
      loss: 1 / epoch,
      acc: 0.5,
      test_acc: 0.4,
      heldout_pgd_acc: epoch === 1 ? NaN : 0.3,
      img_per_s: 100,
      seconds: epoch,
    }));
    await writeModel(dir, model, info, history);
    assert.deepStrictEqual(await readModelInfo(dir), info);
    assert.deepStrictEqual(await readTrainHistory(dir), history);
    const x = tf.randomUniform([2, H, W, C], 0, 1, "float32", 3) as tf.Tensor4D;
    const loaded = await loadStageClassifier(dir);
    const want = (model.predict(x) as tf.Tensor).dataSync();
    assert.deepStrictEqual(loaded.logits(x).dataSync(), want);

    // readModelAndImages: the first `limit` images without a select_seed, a stratified choice with one.
    const data = join(dir, "data");
    const test = {
      images: floats(6 * H * W * C),
      labels: Int32Array.from([0, 1, 2, 0, 1, 2]),
      shape: [6, H, W, C] as const,
    };
    await writeDataStage(data, { test, classNames: ["a", "b", "c"] });
    const first = await readModelAndImages({ model: [{ dir }], data: [{ dir: data }] }, {
      split: "test",
      limit: 4,
    });
    assert.deepStrictEqual(Array.from(first.indices), [0, 1, 2, 3]);
    assert.deepStrictEqual(first.images.data, test.images.subarray(0, 4 * H * W * C));
    const strat = await readModelAndImages({ model: [{ dir }], data: [{ dir: data }] }, {
      split: "test",
      limit: 3,
      select_seed: 0,
    });
    assert.deepStrictEqual([...strat.labels].sort(), [0, 1, 2]);
    assert.deepStrictEqual(Array.from(strat.labels), Array.from(strat.indices, (i) => test.labels[i]));
    const all = await readModelAndImages({ model: [{ dir }], data: [{ dir: data }] }, {
      split: "test",
      limit: null,
      select_seed: 5,
    });
    assert.equal(all.indices.length, 6);

    const csv = await Deno.readTextFile(join(dir, "history.csv"));
    await Deno.writeTextFile(join(dir, "history.csv"), csv.replace(",0.4,", ",,"));
    await assertNames(() => readTrainHistory(dir), join(dir, "history.csv"), "empty test_acc");
    await Deno.remove(join(dir, "model_info.json"));
    await assertNames(() => readModelInfo(dir), join(dir, "model_info.json"), "missing model_info.json");
    model.dispose();
  }));
