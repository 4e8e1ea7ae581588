/**
 * Synthetic stage outputs in the documented formats of every stage the report reads, laid out as the
 * pipeline lays out a store (`outputs/.store/<key>/` entries, `outputs/<config>/<instance>` symlink
 * views), and a runner that calls the `report` task on them — the same code path as a pipeline run.
 */
import { join, relative } from "node:path";
import { writeNpy } from "../../lib/io/npy.ts";
import { writeJsonAtomic } from "../../lib/io/atomic.ts";
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
export function verdict(finding: string, protocol: "freqlens" | "authors", d: number) {
  const [lo, hi] = [d - 0.01, d + 0.01];
  return {
    finding,
    protocol,
    effect: 0.5 + d,
    null: 0.5,
    difference: { estimate: d, lo, hi, level: 0.95 },
    direction: "greater",
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
  const entry = async (
    alias: string,
    stage: string,
    instance: string,
    write: (dir: string) => Promise<void>,
  ) => {
    const key = `k${String(counter++).padStart(4, "0")}`;
    const dir = join(root, ".store", key);
    await Deno.mkdir(dir, { recursive: true });
    await write(dir);
    await Deno.mkdir(join(root, config), { recursive: true });
    await Deno.symlink(relative(join(root, config), dir), join(root, config, instance));
    (inputs[alias] ??= []).push({ instance, stage, dir, params: {} });
  };
  const models = ["natural", "linf-8"];

  for (const [m, model] of models.entries()) {
    await entry(
      "evaluate",
      "evaluate",
      `evaluate[model=${model}]`,
      (dir) =>
        writeJsonAtomic(join(dir, "summary.json"), {
          clean_accuracy: [0.9, 0.8][m],
          pgd_accuracy: [0.02, 0.42][m],
          images: 100,
          norm: "linf",
          eps: 0.031,
          steps: 10,
        }),
    );
  }
  const attacks = ["fgsm", "pgd", "cw", "simba"];
  for (const [a, method] of attacks.entries()) {
    // One stage per attack (attacks take different params), as configs/quick.yaml has them.
    await entry(
      `attacks_${method}`,
      `attack_${method}`,
      `attack_${method}[model=natural]`,
      (dir) =>
        writeJsonAtomic(join(dir, "summary.json"), {
          method,
          params: method === "simba" ? { eps: 0.2, maxQueries: 500 } : { eps: 0.15, norm: "linf", steps: 10 },
          images: 20,
          success_rate: 0.5 + 0.1 * a,
          l2: { median: 1 + a, mean: 1.2 + a },
          linf: { median: 0.15, mean: 0.15 },
          queries: method === "simba" ? { mean: 321 } : null,
          images_per_s: 10 * (a + 1),
        }),
    );
    await entry(`rct_${method}`, `rct_${method}`, `rct_${method}[model=natural]`, async (dir) => {
      const map = bandGrid(N, a + 1, a + 1);
      await writeNpy(join(dir, "rct_mean.npy"), { data: Float64Array.from(map.values), shape: [N, N] });
      await writeNpy(join(dir, "band_profile.npy"), { data: Float64Array.from(bandMeans(map)), shape: [B] });
      await writeJsonAtomic(join(dir, "summary.json"), {
        shares: shares(0.1, 0.3),
        nulls: {
          noise: { shares: shares(0.1, 0.35), excluded: 0, clip: true, mean_norm_ratio: 0.9 },
          shuffled: { shares: shares(0.12, 0.3), excluded: 0 },
          energy: { attack: shares(0.25, 0.5), noise: shares(0.23, 0.55) },
        },
        verdicts: [verdict(`RCT high-third share: ${method} − equal-norm noise`, "freqlens", 0.02 * (a - 1))],
      });
    });
    await entry(`prop1_${method}`, `prop1_${method}`, `prop1_${method}[model=natural]`, async (dir) => {
      const l1 = Float64Array.from({ length: 20 * 3 }, () => (a + 1) * 10 * rand());
      await writeNpy(join(dir, "l1.npy"), { data: l1, shape: [20, 3] });
      await writeNpy(join(dir, "dc_diff.npy"), { data: l1.map((v) => v * rand()), shape: [20, 3] });
      await writeJsonAtomic(join(dir, "summary.json"), {
        pairs: 20,
        channels: 3,
        perturbed: 60 - a,
        unperturbed: a,
        violations: 0,
        tightness: { mean: 0.4 },
      });
    });
  }
  for (const [m, model] of models.entries()) {
    await entry("spectra", "spectra", `spectra[model=${model}]`, async (dir) => {
      const map = bandGrid(N, 10 + m, 1 - 0.7 * m);
      await writeNpy(join(dir, "diff_map_mean.npy"), { data: Float32Array.from(map.values), shape: [N, N] });
      await writeNpy(join(dir, "band_profile.npy"), { data: Float32Array.from(bandMeans(map)), shape: [B] });
      const target = bandGrid(N, 4 + m, 1 - 0.2 * m);
      await writeNpy(join(dir, "diff_map_mean_target.npy"), {
        data: Float32Array.from(target.values),
        shape: [N, N],
      });
      await writeNpy(join(dir, "band_profile_target.npy"), {
        data: Float32Array.from(bandMeans(target)),
        shape: [B],
      });
      const start = shares(0.2 + 0.3 * m, 0.3), toTarget = shares(0.7 - 0.1 * m, 0.2);
      const difference = { estimate: 0.3, lo: 0.21, hi: 0.39, level: 0.95 };
      await writeJsonAtomic(join(dir, "summary.json"), {
        shares: start,
        spectra: { start: { shares: start }, target: { shares: toTarget }, contrast: { shares: start } },
        convergence: {
          iterations: 100,
          initial_distance: 0.8,
          final_distance: 0.05 + 0.05 * m,
          loss_curve: Array.from({ length: 11 }, (_, k) => [10 * k, 0.8 * Math.exp(-k / (3 + m))]),
        },
        contrast: m === 0 ? null : { reference: "synthesize[model=natural]" },
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
      });
    });
    await entry("occlusion", "occlusion", `occlusion[model=${model}]`, async (dir) => {
      const peak = m === 0 ? 9 : 2;
      const profiles = new Float32Array(CLASSES.length * B);
      for (let c = 0; c < CLASSES.length; c++) {
        for (let k = 0; k < B; k++) {
          profiles[c * B + k] = Math.exp(-((k - peak - c) ** 2) / 6) + 0.05 * rand();
        }
      }
      await writeNpy(join(dir, "class_profiles.npy"), { data: profiles, shape: [CLASSES.length, B] });
      const img = exampleImage(N);
      const views = new Float32Array(3 * img.length);
      views.set(img, 0);
      views.set(img.map((v) => v * 0.5), img.length);
      views.set(img.map((v) => 1 - v), 2 * img.length);
      await writeNpy(join(dir, "single_image.npy"), { data: views, shape: [3, N, N, 3] });
      await writeJsonAtomic(join(dir, "summary.json"), {
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
      });
    });
    await entry("fourier", "fourier", `fourier[model=${model}]`, async (dir) => {
      const map = bandGrid(N, 20 + m, 0.9 - 0.5 * m);
      await writeNpy(join(dir, "heatmap.npy"), { data: Float32Array.from(map.values), shape: [N, N] });
      await writeJsonAtomic(join(dir, "summary.json"), { epsilon: 4 });
    });
    await entry("filtered", "filtered", `filtered[model=${model}]`, async (dir) => {
      const rows = Array.from(
        { length: B + 1 },
        (_, k) =>
          `${k},${Math.min(1, 0.1 + k / B).toFixed(4)},${Math.max(0.1, 0.9 - (k / B) * (1 + m)).toFixed(4)}`,
      );
      await Deno.writeTextFile(
        join(dir, "curves.csv"),
        `cutoff,low_pass_accuracy,high_pass_accuracy\n${rows.join("\n")}\n`,
      );
    });
    await entry(
      "saliency",
      "saliency",
      `saliency[model=${model}]`,
      (dir) =>
        writeJsonAtomic(join(dir, "summary.json"), {
          mean_profile: Array.from({ length: B }, (_, k) => (m === 0 ? k + 1 : B - k)),
        }),
    );
  }
  // A contrast stage: only verdicts, under the authors' protocol.
  await entry("verdicts_contrast", "contrast", "contrast[model=linf-8]", async (dir) => {
    await writeJsonAtomic(join(dir, "summary.json"), {
      verdicts: [verdict("OF low-third share: linf-8 − natural", "authors", 0.15)],
    });
  });
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
