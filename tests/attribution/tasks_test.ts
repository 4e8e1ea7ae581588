/**
 * The six analysis tasks run end to end on a planted-dataset `data` entry and a trained model entry, with
 * a minimal task context. Every task draws a stratified, seeded selection of images (not 0…n−1, checked),
 * so the saved numbers are compared with what the selection's images must give: Occluded Frequency and the
 * spectra against a brute-force float64 DCT, synthesis at 0 iterations against the start images, and the
 * other arrays against the library call on images gathered here.
 */
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { StageInput, TaskContext, TaskDefinition } from "../../pipeline/task.ts";
import { readNpy } from "../../lib/io/mod.ts";
import { saveModel } from "../../lib/models/mod.ts";
import {
  attributionShares,
  filteredAccuracy,
  fourierHeatMap,
  frequencySaliency,
  type ImageArray,
  labelChangeRates,
  occludedFrequency,
  withoutBand,
} from "../../lib/attribution/mod.ts";
import { selectIndices } from "../../lib/datasets/mod.ts";
import { synthesizeFromRepresentation } from "../../lib/synthesis/mod.ts";
import { deriveSeed } from "../../lib/stats/mod.ts";
import occlusion from "../../tasks/occlusion.ts";
import contrast from "../../tasks/contrast.ts";
import synthesize from "../../tasks/synthesize.ts";
import spectra from "../../tasks/spectra.ts";
import fourier from "../../tasks/fourier.ts";
import filtered from "../../tasks/filtered.ts";
import saliency from "../../tasks/saliency.ts";
import { trainedPlantedModel } from "./planted_model.ts";
import { bruteDct, bruteIdct } from "./dct_reference.ts";
import { writeDataStage } from "../stages/helpers.ts";

await tf.setBackend("cpu");
const { data, model, classifier } = await trainedPlantedModel();
const [S, PER, BANDS] = [12, 144, 23];

const input = (
  stage: string,
  dir: string,
): StageInput[] => [{ instance: stage, stage, dir, params: {}, coords: [] }];

/** Writes the data and model entries into a fresh temporary directory, runs `fn` on it, removes it. */
async function withStages(fn: (root: string, both: Record<string, StageInput[]>) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "freqlens-attribution-tasks-" });
  try {
    const dataDir = join(root, "data");
    const modelDir = join(root, "model_stage");
    await writeDataStage(dataDir, { ...data, name: "planted" });
    await saveModel(model, join(modelDir, "model"));
    await fn(root, { model: input("model", modelDir), data: input("data", dataDir) });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function runTask<P>(
  root: string,
  task: TaskDefinition<P>,
  params: Record<string, unknown>,
  inputs: Record<string, StageInput[]>,
): Promise<string> {
  const outDir = await Deno.makeTempDir({ dir: root });
  const ctx: TaskContext<P> = {
    instance: "test",
    params: task.params.parse(params),
    inputs,
    outDir,
    seed: 7,
    backend: "cpu",
    progress: { start() {}, update() {}, finish() {} },
    log() {},
  };
  await task.run(ctx);
  return outDir;
}

const json = async (dir: string, file: string) => JSON.parse(await Deno.readTextFile(join(dir, file)));
const csv = async (dir: string, file: string) =>
  (await Deno.readTextFile(join(dir, file))).trim().split("\n");

/** Images of `split` at `indices`, gathered with a plain loop. */
function gather(split: "train" | "test", indices: ArrayLike<number>): ImageArray {
  const out = new Float32Array(indices.length * PER);
  Array.from(indices).forEach((s, i) =>
    out.set(data[split].images.subarray(s * PER, (s + 1) * PER), i * PER)
  );
  return { data: out, shape: [indices.length, S, S, 1] };
}

/** A stratified selection: distinct, in range, `per` of each of the 4 classes, and not the first n. */
function assertSelection(indices: ArrayLike<number>, split: "train" | "test", per: number) {
  const idx = Array.from(indices);
  assert.equal(new Set(idx).size, idx.length, "distinct indices");
  assert.ok(idx.some((v, i) => v !== i), `the selection ${idx} is 0…n−1`);
  for (let c = 0; c < 4; c++) assert.equal(idx.filter((s) => data[split].labels[s] === c).length, per);
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string) {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(
      Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])),
      `${what}[${i}]: ${got[i]} vs ${want[i]}`,
    );
  }
}

/** Logits of plain images through the in-memory model. */
function logits(images: Float32Array, n: number): Float32Array {
  const t = tf.tensor4d(images, [n, S, S, 1]);
  const z = classifier.logits(t);
  const out = Float32Array.from(z.dataSync());
  tf.dispose([t, z]);
  return out;
}

Deno.test("occlusion task: attributions equal a brute-force DCT occlusion of the selected images; derived files", async () => {
  await withStages(async (root, both) => {
    const out = await runTask(root, occlusion, { limit: 20, resamples: 50, single_k: [1, 2] }, both);
    const attr = await readNpy(join(out, "attributions.npy"));
    assert.deepEqual(attr.shape, [20, BANDS]);
    const idx = (await readNpy(join(out, "indices.npy"))).data as Int32Array;
    assertSelection(idx, "test", 5);
    const labels = Int32Array.from(idx, (s) => data.test.labels[s]);
    assert.deepEqual((await readNpy(join(out, "labels.npy"))).data, labels);
    assert.deepEqual((await readNpy(join(out, "targets.npy"))).data, labels);
    // f_c(x) − f_c(x̃_k), x̃_k = IDCT of DCT(x) with band k (i + j = k) zeroed, by float64 loops.
    const images = gather("test", idx);
    const occluded = new Float32Array(20 * BANDS * PER);
    for (let i = 0; i < 20; i++) {
      const coeffs = bruteDct(images.data.subarray(i * PER, (i + 1) * PER), S, S, 1);
      for (let k = 0; k < BANDS; k++) {
        const kept = coeffs.map((v, q) => (Math.floor(q / S) + (q % S) === k ? 0 : v));
        occluded.set(bruteIdct(kept, S, S, 1), (i * BANDS + k) * PER);
      }
    }
    const clean = logits(images.data, 20), cut = logits(occluded, 20 * BANDS);
    const want = Float64Array.from({ length: 20 * BANDS }, (_, q) => {
      const i = Math.floor(q / BANDS);
      return clean[i * 4 + labels[i]] - cut[q * 4 + labels[i]];
    });
    assertClose(attr.data, want, 2e-4, "attributions");
    // Class profiles are the per-class means, top bands the per-image argsort of the attributions.
    const profiles = (await readNpy(join(out, "class_profiles.npy"))).data;
    for (let c = 0; c < 4; c++) {
      const rows = [...idx.keys()].filter((i) => labels[i] === c);
      const mean = Array.from(
        { length: BANDS },
        (_, k) => rows.reduce((a, i) => a + attr.data[i * BANDS + k], 0) / 5,
      );
      assertClose(profiles.subarray(c * BANDS, (c + 1) * BANDS), mean, 1e-5, `class ${c} profile`);
    }
    const top = (await readNpy(join(out, "top_bands.npy"))).data;
    for (let i = 0; i < 20; i++) {
      const row = Array.from(attr.data.subarray(i * BANDS, (i + 1) * BANDS) as Float32Array);
      const order = row.map((_, k) => k).sort((a, b) => row[b] - row[a]);
      assert.deepEqual(Array.from(top.subarray(i * 3, i * 3 + 3)), order.slice(0, 3), `image ${i} top bands`);
    }
    assert.deepEqual((await readNpy(join(out, "single_image.npy"))).shape, [5, S, S, 1]);
    const cum = await csv(out, "cumulative.csv");
    assert.equal(cum[0], "k,mean_drop,drop_lo,drop_hi,accuracy");
    assert.equal(cum.length, 1 + 24);
    assert.ok(Math.abs(Number(cum[1].split(",")[1])) < 1e-6, "no band ablated, no drop");
    const summary = await json(out, "summary.json");
    const sh = summary.shares;
    assert.ok(Math.abs(sh.low.estimate + sh.middle.estimate + sh.high.estimate - 1) < 1e-9);
    assert.deepEqual(summary.single_image.layout, ["original", "lowest_1", "lowest_2", "top_1", "top_2"]);
    // Label-change rate per band from the library's predictions; shares without band 0 match the library's.
    const lib = await occludedFrequency(classifier, images, labels);
    const change = (await readNpy(join(out, "label_change.npy"))).data;
    assert.deepEqual(Array.from(change), summary.label_change_rate);
    const changeWant = labelChangeRates(lib.occludedPredicted, lib.cleanPredicted, BANDS);
    changeWant.forEach((r, k) => assert.ok(Math.abs(change[k] - r) < 1e-12, `band ${k}`));
    const noDc = attributionShares(withoutBand(lib.scores, [20, BANDS], 0), [20, BANDS], {
      seed: 0,
      resamples: 1,
    });
    assert.ok(Math.abs(summary.shares_without_dc.low.estimate - noDc!.low.estimate) < 1e-5);

    // The authors' protocol: shell bands (12 of them), the predicted class; contrast against itself.
    const authors = await runTask(
      root,
      occlusion,
      { limit: 20, resamples: 20, band_kind: "shell", explain_class: "predicted", cumulative: false },
      both,
    );
    assert.deepEqual((await readNpy(join(authors, "attributions.npy"))).shape, [20, 12]);
    const self = await runTask(root, contrast, { protocol: "authors", resamples: 50 }, {
      effect: input("effect", authors),
      control: input("control", authors),
    });
    const cs = await json(self, "summary.json");
    assert.deepEqual(cs.verdicts.map((v: { verdict: string }) => v.verdict), [
      "not reproduced",
      "not reproduced",
    ]);
    await assert.rejects(
      runTask(root, contrast, {}, { effect: input("effect", authors), control: input("control", out) }),
      /used band_kind shell, the protocol needs diagonal/,
    );
    await assert.rejects(
      runTask(root, contrast, {}, { effect: input("effect", out), control: input("control", authors) }),
      /control used band_kind shell/,
    );
    // The noise baseline runs too (reference statistics from the train split).
    const noisy = await runTask(root, occlusion, {
      limit: 8,
      baseline: "noise",
      cumulative: false,
      resamples: 20,
    }, both);
    assert.deepEqual((await readNpy(join(noisy, "attributions.npy"))).shape, [8, BANDS]);
  });
});

Deno.test("synthesize: 0 iterations returns the start images, 30 the library inversion; spectra equal a brute-force DCT", async () => {
  await withStages(async (root, both) => {
    // At 0 iterations each synthesized image is its start image, a different image of the selection.
    const still = await runTask(root, synthesize, { limit: 8, iterations: 0 }, both);
    const targets = (await readNpy(join(still, "target_indices.npy"))).data as Int32Array;
    const starts = (await readNpy(join(still, "start_indices.npy"))).data as Int32Array;
    assertSelection(targets, "train", 2);
    targets.forEach((t, i) => assert.ok(starts[i] !== t && targets.includes(starts[i]), `pair ${i}`));
    assert.deepEqual((await readNpy(join(still, "images.npy"))).data, gather("train", starts).data);
    assert.deepEqual(
      (await readNpy(join(still, "labels.npy"))).data,
      Int32Array.from(targets, (t) => data.train.labels[t]),
    );
    // At 30 iterations: the library inversion of the same targets from the same starts.
    const synth = await runTask(root, synthesize, { limit: 8, iterations: 30, step: 0.05 }, both);
    assert.deepEqual((await readNpy(join(synth, "start_indices.npy"))).data, starts);
    const images = await readNpy(join(synth, "images.npy"));
    const lib = synthesizeFromRepresentation(
      classifier,
      gather("train", targets),
      Int32Array.from(targets, (t) => data.train.labels[t]),
      { startIndices: Int32Array.from(starts, (s) => targets.indexOf(s)), step: 0.05, iterations: 30 },
    );
    assertClose(images.data, lib.images.data, 1e-5, "synthesized images");
    const curve = await csv(synth, "loss_curve.csv");
    assert.equal(curve.length, 1 + 31);
    const summary = await json(synth, "summary.json");
    assert.ok(summary.final_distance < summary.initial_distance);
    // Spectra: mean |DCT(x_r) − DCT(x_partner)| by float64 loops, its channel mean and diagonal-band
    // means, against the start x₀ (the paper's Fig. 3, the default files) and against the target x.
    const spec = await runTask(root, spectra, { resamples: 50 }, {
      synthesize: input("synthesize", synth),
      data: both.data,
    });
    const summarySpec = await json(spec, "summary.json");
    for (const [d, partnerIdx] of [["start", starts], ["target", targets]] as const) {
      const partners = gather("train", partnerIdx);
      const map = new Float64Array(PER);
      for (let i = 0; i < 8; i++) {
        const a = bruteDct(images.data.subarray(i * PER, (i + 1) * PER), S, S, 1);
        const b = bruteDct(partners.data.subarray(i * PER, (i + 1) * PER), S, S, 1);
        a.forEach((v, q) => (map[q] += Math.abs(v - b[q]) / 8));
      }
      const profile = Array.from({ length: BANDS }, (_, k) => {
        const qs = [...map.keys()].filter((q) => Math.floor(q / S) + (q % S) === k);
        return qs.reduce((acc, q) => acc + map[q], 0) / qs.length;
      });
      assertClose((await readNpy(join(spec, `diff_map_${d}.npy`))).data, map, 1e-5, `diff_map_${d}`);
      assertClose(
        (await readNpy(join(spec, `diff_map_mean_${d}.npy`))).data,
        map,
        1e-5,
        `diff_map_mean_${d}`,
      );
      assertClose(
        (await readNpy(join(spec, `band_profile_${d}.npy`))).data,
        profile,
        1e-5,
        `band_profile_${d}`,
      );
      if (d === "start") {
        assertClose((await readNpy(join(spec, "band_profile.npy"))).data, profile, 1e-5, "band_profile");
      }
      const shares = summarySpec.spectra[d].shares;
      const total = profile.reduce((a, v) => a + v, 0);
      const third = (lo: number, hi: number) => profile.slice(lo, hi).reduce((a, v) => a + v, 0) / total;
      assertClose(
        [shares.low.estimate, shares.middle.estimate, shares.high.estimate],
        [third(0, 8), third(8, 16), third(16, BANDS)],
        1e-5,
        `${d} spectrum shares (thirds of 23 bands: 8, 8, 7)`,
      );
    }
  });
});

Deno.test("fourier, filtered and saliency tasks: arrays equal the library on the selected images", async () => {
  await withStages(async (root, both) => {
    const testLabels = (idx: Int32Array) => Int32Array.from(idx, (s) => data.test.labels[s]);
    // ε = 6: large enough that the error rates vary over frequencies (at ε = 2 this model errs nowhere).
    const f = await runTask(root, fourier, { limit: 8, eps: 6 }, both);
    const fIdx = selectIndices(data.test.labels, 4, 8, 0);
    assertSelection(fIdx, "test", 2);
    const heat = await fourierHeatMap(classifier, gather("test", fIdx), testLabels(fIdx), {
      eps: 6,
      seed: deriveSeed(7, "signs"),
    });
    assert.ok(new Set(heat.scores).size > 3, "the heat map varies");
    assertClose((await readNpy(join(f, "heatmap.npy"))).data, heat.scores, 1e-6, "heatmap");

    const fl = await runTask(root, filtered, { limit: 40 }, both);
    const flIdx = selectIndices(data.test.labels, 4, 40, 0);
    assertSelection(flIdx, "test", 10);
    const curves = await filteredAccuracy(classifier, gather("test", flIdx), testLabels(flIdx));
    const rows = (await csv(fl, "curves.csv")).slice(1).map((r) => r.split(",").map(Number));
    assert.equal(rows.length, 24);
    assertClose(rows.map((r) => r[1]), curves.lowPass, 1e-9, "low-pass accuracy");
    assertClose(rows.map((r) => r[2]), curves.highPass, 1e-9, "high-pass accuracy");
    const all = await runTask(root, filtered, { limit: null }, both);
    assert.equal(
      (await json(all, "summary.json")).images,
      data.test.labels.length,
      "limit null: whole split",
    );

    const sal = await runTask(root, saliency, { limit: 8, resamples: 20 }, both);
    const sIdx = (await readNpy(join(sal, "indices.npy"))).data as Int32Array;
    assertSelection(sIdx, "test", 2);
    assert.deepEqual((await readNpy(join(sal, "labels.npy"))).data, testLabels(sIdx));
    const lib = await frequencySaliency(classifier, gather("test", sIdx), testLabels(sIdx));
    const got = (await readNpy(join(sal, "saliency.npy"))).data;
    assertClose(got, lib.scores, 1e-6, "saliency");
    const mean = Array.from(
      { length: BANDS },
      (_, k) => [...sIdx.keys()].reduce((a, i) => a + got[i * BANDS + k], 0) / 8,
    );
    assertClose((await json(sal, "summary.json")).mean_profile, mean, 1e-6, "mean profile");
    // Shell bands max(i, j): 12 of them on 12×12 images, in saliency and filtered accuracy alike.
    const salShell = await runTask(root, saliency, { limit: 8, resamples: 20, band_kind: "shell" }, both);
    assert.deepEqual((await readNpy(join(salShell, "saliency.npy"))).shape, [8, 12]);
    const flShell = await runTask(root, filtered, { limit: 40, band_kind: "shell" }, both);
    const shellRows = await csv(flShell, "curves.csv");
    assert.equal(shellRows.length, 1 + 13);
    assert.equal(shellRows[13].split(",")[1], shellRows[1].split(",")[2], "unfiltered at both ends");
  });
});
