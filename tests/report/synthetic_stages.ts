/**
 * Synthetic stage outputs of every stage the report reads, written through the stage contracts
 * (lib/stages), laid out as the pipeline lays out a store (`outputs/.store/<key>/` entries, `outputs/<config>/<instance>` symlink
 * views), and a runner that calls the `report` task on them — the same code path as a pipeline run.
 */
import { join, relative } from "node:path";
import {
  writeAttack,
  writeContrast,
  writeEvaluate,
  writeFiltered,
  writeFourier,
  writeOcclusion,
  writeProp1,
  writeRct,
  writeSaliency,
  writeSpectra,
} from "../../lib/stages/mod.ts";
import { writeAttackStage } from "../stages/helpers.ts";
import type { Verdict } from "../../lib/stats/mod.ts";
import type { GatheredInput } from "../../lib/report/mod.ts";
import type { StageInput } from "../../pipeline/task.ts";
import report from "../../tasks/report.ts";
import { bandGrid, bandMeans, exampleImage, lcg } from "../plots/examples.ts";

const N = 8; // image side
const B = 2 * N - 1;
const CLASSES = ["circle", "stripe", "checker"];
const shares = (low: number, middle: number) => ({
  low: { estimate: low, lo: low - 0.05, hi: low + 0.05 },
  middle: { estimate: middle, lo: middle - 0.05, hi: middle + 0.05 },
  high: { estimate: 1 - low - middle, lo: 1 - low - middle - 0.05, hi: 1 - low - middle + 0.05 },
});

/** A verdict of `effect − null = d` with a ±0.01 interval (lib/stats/verdict.ts' shape and rule). */
export function verdict(finding: string, protocol: "freqlens" | "authors", d: number): Verdict {
  const [lo, hi] = [d - 0.01, d + 0.01];
  return {
    finding,
    protocol,
    effect: 0.5 + d,
    null: 0.5,
    difference: { estimate: d, lo, hi, level: 0.95 },
    direction: "greater" as const,
    verdict: lo > 0 ? "reproduced" : hi < 0 ? "reversed" : "not reproduced",
  };
}

/** A store under `root` with one entry per synthetic instance; returns the gathered inputs by alias. */
export async function makeSyntheticStore(
  root: string,
  config = "quick",
): Promise<Record<string, GatheredInput[]>> {
  const rand = lcg(3);
  let counter = 0;
  const inputs: Record<string, GatheredInput[]> = {};
  // Every instance is one of a `model` sweep; its name (shown and linked only) is written as the pipeline does.
  const entry = async (
    alias: string,
    stage: string,
    model: string,
    write: (dir: string) => Promise<void>,
  ) => {
    const instance = `${stage}[model=${model}]`;
    const key = `k${String(counter++).padStart(4, "0")}`;
    const dir = join(root, ".store", key);
    await Deno.mkdir(dir, { recursive: true });
    await write(dir);
    await Deno.mkdir(join(root, config), { recursive: true });
    await Deno.symlink(relative(join(root, config), dir), join(root, config, instance));
    (inputs[alias] ??= []).push({
      instance,
      stage,
      dir,
      params: {},
      coords: [{ origin: "models", key: "model", value: model }],
    });
  };
  const models = ["natural", "linf-8"];
  const backend = { name: "cpu", tfjs: "4.22.0" };

  for (const [m, model] of models.entries()) {
    await entry("evaluate", "evaluate", model, (dir) =>
      writeEvaluate(dir, {
        images: 100,
        clean_accuracy: [0.9, 0.8][m],
        pgd_accuracy: [0.02, 0.42][m],
        pgd: { norm: "linf", eps: 0.031, steps: 10, restarts: 1 },
        limit: null,
        seed: 0,
        seconds: 1,
        backend,
      }));
  }
  const attacks = ["fgsm", "pgd", "cw", "simba"];
  for (const [a, method] of attacks.entries()) {
    // One stage per attack (attacks take different params), as configs/quick.yaml has them.
    await entry(`attacks_${method}`, `attack_${method}`, "natural", async (dir) => {
      const n = 20;
      const success = Uint8Array.from({ length: n }, (_, i) => (i < n * (0.5 + 0.1 * a) ? 1 : 0));
      const files = await writeAttackStage(
        dir,
        { data: Float32Array.from({ length: n * N * N * 3 }, () => rand()), shape: [n, N, N, 3] },
        Int32Array.from({ length: n }, (_, i) => i),
        success,
      );
      await writeAttack(dir, {
        ...files,
        summary: {
          ...files.summary,
          method,
          params: method === "simba" ? { eps: 0.2, maxQueries: 500 } : { eps: 0.15, norm: "linf", steps: 10 },
          l2: { median: 1 + a, mean: 1.2 + a },
          linf: { median: 0.15, mean: 0.15 },
          queries: method === "simba" ? { mean: 321, mean_successful: 300, median_successful: 290 } : null,
          images_per_s: 10 * (a + 1),
        },
      });
    });
    await entry(`rct_${method}`, `rct_${method}`, "natural", async (dir) => {
      const map = bandGrid(N, a + 1, a + 1);
      const values = Float64Array.from(map.values);
      await writeRct(dir, {
        map: { data: values, shape: [N, N, 1] },
        mean: { data: values, shape: [N, N] },
        bandProfile: Float64Array.from(bandMeans(map)),
        imageProfiles: Float64Array.from({ length: 10 * B }, () => rand()),
        summary: {
          protocol: "freqlens",
          variant: "per_channel",
          floor: 0.01,
          band_kind: "diagonal",
          subset: "successful",
          pairs: 10,
          attacked: 20,
          bands: B,
          thirds: [5, 5, 5],
          shares: shares(0.1, 0.3),
          excluded: 0,
          bootstrap: { seed: 0, resamples: 100, level: 0.95 },
          peak_band: a + 1,
          nulls: {
            noise: { shares: shares(0.1, 0.35), excluded: 0, clip: true, mean_norm_ratio: 0.9 },
            shuffled: { shares: shares(0.12, 0.3), excluded: 0 },
            energy: { attack: shares(0.25, 0.5), noise: shares(0.23, 0.55) },
          },
          verdicts: [
            verdict(`RCT high-third share: ${method} − equal-norm noise`, "freqlens", 0.02 * (a - 1)),
          ],
        },
      });
    });
    await entry(`prop1_${method}`, `prop1_${method}`, "natural", async (dir) => {
      const l1 = Float64Array.from({ length: 20 * 3 }, () => (a + 1) * 10 * rand());
      await writeProp1(dir, {
        l1,
        dcDiff: l1.map((v) => v * rand()),
        summary: {
          pairs: 20,
          channels: 3,
          perturbed: 60 - a,
          unperturbed: a,
          holdsAll: true,
          violations: 0,
          minSlack: 0.1,
          tightness: { count: 60 - a, mean: 0.4, median: 0.4, min: 0.1, max: 0.9, p90: 0.8 },
          tolerance: 1e-5,
        },
      });
    });
  }
  for (const [m, model] of models.entries()) {
    await entry("spectra", "spectra", model, async (dir) => {
      const grids = { start: bandGrid(N, 10 + m, 1 - 0.7 * m), target: bandGrid(N, 4 + m, 1 - 0.2 * m) };
      const arrays = (g: ReturnType<typeof bandGrid>) => ({
        map: { data: Float32Array.from(g.values), shape: [N, N, 1] as [number, number, number] },
        channelMean: Float32Array.from(g.values),
        bandProfile: Float32Array.from(bandMeans(g)),
        pairProfiles: Float32Array.from({ length: 4 * B }, () => rand()),
      });
      const start = shares(0.2 + 0.3 * m, 0.3), toTarget = shares(0.7 - 0.1 * m, 0.2);
      const difference = { estimate: 0.3, lo: 0.21, hi: 0.39, level: 0.95 };
      const spectrum = (sh: ReturnType<typeof shares>, g: ReturnType<typeof bandGrid>) => ({
        definition: "Δ",
        shares: { level: 0.95, ...sh },
        band_profile: bandMeans(g),
      });
      await writeSpectra(dir, {
        spectra: { start: arrays(grids.start), target: arrays(grids.target), contrast: arrays(grids.start) },
        summary: {
          pairs: 4,
          bands: B,
          band_kind: "diagonal",
          paper_definition: "start",
          spectra: {
            start: spectrum(start, grids.start),
            target: spectrum(toTarget, grids.target),
            contrast: spectrum(start, grids.start),
          },
          shares: { level: 0.95, ...start },
          band_profile: bandMeans(grids.start),
          convergence: {
            step: 0.1,
            iterations: 100,
            initial_distance: 0.8,
            final_distance: 0.05 + 0.05 * m,
            final_distance_quantiles: { q10: 0.04, median: 0.05, q90: 0.1 },
            label_agreement: 1,
            loss_curve: Array.from({ length: 11 }, (_, k) => [10 * k, 0.8 * Math.exp(-k / (3 + m))]),
          },
          contrast: m === 0 ? null : {
            reference: "synthesize[model=natural]",
            pairs: 4,
            start: { effect: 0.5, null: 0.2, difference },
            target: {
              effect: 0.6,
              null: 0.7,
              difference: { estimate: -0.1, lo: -0.15, hi: -0.05, level: 0.95 },
            },
          },
          verdicts: m === 0 ? [] : [
            {
              finding: "Fig. 3",
              protocol: "authors",
              definition: "x_r − x₀",
              effect: 0.5,
              null: 0.2,
              difference,
              direction: "greater",
              verdict: "reproduced",
            },
            {
              finding: "Fig. 3",
              protocol: "freqlens",
              definition: "x_r − x",
              effect: 0.6,
              null: 0.7,
              difference: { estimate: -0.1, lo: -0.15, hi: -0.05, level: 0.95 },
              direction: "greater",
              verdict: "reversed",
            },
          ],
        },
      });
    });
    await entry("occlusion", "occlusion", model, async (dir) => {
      const peak = m === 0 ? 9 : 2;
      const profiles = new Float32Array(CLASSES.length * B);
      for (let c = 0; c < CLASSES.length; c++) {
        for (let k = 0; k < B; k++) {
          profiles[c * B + k] = Math.exp(-((k - peak - c) ** 2) / 6) + 0.05 * rand();
        }
      }
      const img = exampleImage(N);
      const views = new Float32Array(3 * img.length);
      views.set(img, 0);
      views.set(img.map((v) => v * 0.5), img.length);
      views.set(img.map((v) => 1 - v), 2 * img.length);
      const n = 12;
      const labels = Int32Array.from({ length: n }, (_, i) => i % CLASSES.length);
      await writeOcclusion(dir, {
        attributions: Float32Array.from({ length: n * B }, (_, t) => Math.exp(-((t % B - peak) ** 2) / 6)),
        indices: Int32Array.from({ length: n }, (_, i) => 2 * i),
        labels,
        targets: labels,
        classProfiles: profiles,
        topBands: { data: Int32Array.from({ length: n }, () => peak), topK: 1 },
        cumulative: null,
        singleImage: { data: views, shape: [3, N, N, 3] },
        labelChange: Float64Array.from({ length: B }, (_, k) => k / B),
        summary: {
          dataset: "synthetic",
          split: "test",
          images: n,
          bands: B,
          band_kind: "diagonal",
          baseline: "zero",
          explain_class: "label",
          score: "logit",
          clean_accuracy: 0.9,
          shares: { mass: "positive", level: 0.95, ...shares(0.2 + 0.4 * m, 0.4) },
          shares_without_dc: { mass: "positive", level: 0.95, ...shares(0.1 + 0.2 * m, 0.5) },
          // Occluding band k changes k / B of the labels: thirds of 15 bands average 2/15, 7/15, 12/15.
          label_change_rate: Array.from({ length: B }, (_, k) => k / B),
          mean_profile: Array.from({ length: B }, (_, k) => Math.exp(-((k - peak) ** 2) / 6)),
          class_counts: [4, 4, 4],
          class_names: CLASSES,
          single_image: {
            position: 0,
            split_index: 17,
            label: 1,
            k: [3],
            top_bands: [peak, peak + 1, peak - 1],
            attribution: Array.from({ length: B }, (_, k) => Math.exp(-((k - peak) ** 2) / 6) - 0.1),
            layout: ["original", "lowest_3", "top_3"],
          },
        },
      });
    });
    await entry("fourier", "fourier", model, async (dir) => {
      const map = bandGrid(N, 20 + m, 0.9 - 0.5 * m);
      const values = Float32Array.from(map.values, (v) => Math.min(1, Math.abs(v)));
      await writeFourier(dir, {
        heatmap: { data: values, shape: [N, N] },
        summary: {
          images: 10,
          eps: 4,
          basis: "dct",
          sign: "random",
          clip: true,
          clean_error: 0.1,
          mean_error: values.reduce((x, y) => x + y, 0) / values.length,
          max_error: Math.max(...values),
          max_frequency: [0, 0],
        },
      });
    });
    await entry("filtered", "filtered", model, async (dir) => {
      const k = Float64Array.from({ length: B + 1 }, (_, i) => i);
      await writeFiltered(dir, {
        curves: {
          cutoffs: k,
          lowPass: k.map((c) => Number(Math.min(1, 0.1 + c / B).toFixed(4))),
          highPass: k.map((c) => Number(Math.max(0.1, 0.9 - (c / B) * (1 + m)).toFixed(4))),
        },
        summary: { images: 40, bands: B, band_kind: "diagonal", clean_accuracy: 1, low_pass_cutoff_90: B },
      });
    });
    await entry("saliency", "saliency", model, async (dir) => {
      const profile = Array.from({ length: B }, (_, k) => (m === 0 ? k + 1 : B - k));
      await writeSaliency(dir, {
        saliency: Float32Array.from({ length: 4 * B }, (_, t) => profile[t % B]),
        indices: Int32Array.from([0, 1, 2, 3]),
        labels: Int32Array.from([0, 1, 2, 0]),
        summary: {
          images: 4,
          bands: B,
          band_kind: "diagonal",
          reduce: "sum",
          input_times_gradient: false,
          explain_class: "label",
          mean_profile: profile,
          shares: null,
        },
      });
    });
  }
  // A contrast stage: its verdicts, under the authors' protocol.
  await entry("verdicts_contrast", "contrast", "linf-8", (dir) =>
    writeContrast(dir, {
      protocol: "authors",
      images: 12,
      bands: B,
      band_kind: "shell",
      explain_class: "predicted",
      effect: { instance: "occlusion[model=linf-8]", clean_accuracy: 0.8 },
      control: { instance: "occlusion[model=natural]", clean_accuracy: 0.9 },
      verdicts: [verdict("OF low-third share: linf-8 − natural", "authors", 0.15)],
    }));
  return inputs;
}

/** Runs the `report` task on `inputs`, writing its entry to `<root>/.store/report` with a readable view. */
export async function runReportTask(
  root: string,
  inputs: Record<string, GatheredInput[]>,
  config = "quick",
): Promise<string> {
  const outDir = join(root, ".store", "report");
  await Deno.mkdir(outDir, { recursive: true });
  const logs: string[] = [];
  await report.run({
    instance: "report",
    params: report.params.parse({ scale: 1 }),
    // These synthetic inputs carry no coordinates yet (the report reads them back from the names).
    inputs: inputs as Record<string, StageInput[]>,
    outDir,
    seed: 0,
    backend: "cpu",
    progress: { start() {}, update() {}, finish() {} },
    log: (m) => logs.push(m),
  });
  await Deno.mkdir(join(root, config), { recursive: true });
  await Deno.symlink(relative(join(root, config), outDir), join(root, config, "report"));
  return join(root, config, "report");
}
