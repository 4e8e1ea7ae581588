/**
 * `occlusion`: Occluded Frequency attribution (the paper's Definition 1) of a model on a data split.
 *
 * Inputs: `model` (a `train` / `import` stage), `data` (a `data` stage), read with lib/stages'
 * `readModelAndImages` (and `readDataSplit` for a reference split). Sweep the model stage to compare
 * natural and adversarially trained models on the same images (the selection depends only on
 * `select_seed`, not on the model). Params: see the schema below.
 *
 * Writes (lib/stages/occlusion.ts: `writeOcclusion`, read back by `readOcclusion` /
 * `readOcclusionSummary`; N = selected images, K = bands, H×W×C the image shape):
 * - `attributions.npy` float32 [N, K]: f_c(x) − f_c(x̃_k), band k replaced by the baseline;
 * - `indices.npy` int32 [N]: split indices of the images; `labels.npy` int32 [N]; `targets.npy` int32 [N]
 *   (the explained class: the label, or the prediction with `explain_class: predicted`);
 * - `class_profiles.npy` float32 [classes, K]: mean attribution per class (Fig. 1; zeros for absent classes);
 * - `top_bands.npy` int32 [N, top_k]: each image's highest-attribution bands, best first;
 * - `cumulative.csv`: `k, mean_drop, drop_lo, drop_hi, accuracy` for k = 0..K lowest bands ablated
 *   (mean score drop with a bootstrap interval; accuracy of the ablated images against the labels);
 * - `single_image.npy` float32 [1 + 2·|single_k|, H, W, C]: image `single_image`, then for each k in
 *   `single_k` its k lowest bands ablated, then for each k its top-k bands ablated (Fig. 4; not clipped);
 * - `label_change.npy` float64 [K]: per band, the fraction of images whose predicted class changes when
 *   that band is occluded;
 * - `summary.json`: shares of (positive) attribution in the low / middle / high thirds of the bands with
 *   bootstrap intervals (`shares`), the same with band 0, the DC term, left out (`shares_without_dc`: its
 *   attribution set to 0, the thirds unchanged), `label_change_rate` [K], the mean profile, class counts,
 *   clean accuracy, and the single-image layout.
 *
 * The authors' protocol (their `vgg_attribution` code) is `band_kind: shell`, `explain_class: predicted`; their
 * loop also never occludes the highest shell, which freqlens does.
 */
import { z } from "zod";
import { BAND_KINDS } from "../lib/dct/mod.ts";
import { defineTask, oneInput } from "../pipeline/task.ts";
import { bootstrapColumnMeansCI, deriveSeed } from "../lib/stats/mod.ts";
import {
  ablateBands,
  attributionShares,
  bandLayout,
  BASELINE_KINDS,
  checkFiniteBandScores,
  classProfiles,
  coefficientStats,
  cumulativeBandAblation,
  gatherImages,
  labelChangeRates,
  occludedFrequency,
  topBands,
  withoutBand,
} from "../lib/attribution/mod.ts";
import { selectIndices } from "../lib/datasets/mod.ts";
import {
  type CumulativeRow,
  imageSelectionParams,
  MODEL_AND_DATA_INPUTS,
  readDataSplit,
  readModelAndImages,
  writeOcclusion,
} from "../lib/stages/mod.ts";

const params = z.strictObject({
  ...imageSelectionParams({ split: "test", limit: 200 }),
  /** What replaces an occluded band. */
  baseline: z.enum(BASELINE_KINDS).default("zero"),
  /** Split whose DCT statistics define the `mean` / `noise` baselines, and how many of its images. */
  reference_split: z.enum(["train", "test"]).default("train"),
  reference_limit: z.number().int().positive().nullable().default(1000),
  /** Class explained: the label or the model's prediction. */
  explain_class: z.enum(["label", "predicted"]).default("label"),
  /** Score read off the model. */
  score: z.enum(["logit", "probability"]).default("logit"),
  band_kind: z.enum(BAND_KINDS).default("diagonal"),
  /** Clip occluded images to [0, 1]. */
  clip: z.boolean().default(false),
  /** Images per forward pass (memory only). */
  batch_size: z.number().int().positive().default(256),
  top_k: z.number().int().positive().default(3),
  /** Compute the cumulative "ablate the k lowest bands" curve (bands + 1 more passes per image). */
  cumulative: z.boolean().default(true),
  /** Position (in the selection) of the image of the single-image view, and its k values. */
  single_image: z.number().int().nonnegative().default(0),
  single_k: z.array(z.number().int().positive()).default([1, 3]),
  /** Mass shares are taken of: the positive part of each image's attribution, or its absolute value. */
  share_mass: z.enum(["positive", "absolute"]).default("positive"),
  /** Bootstrap resamples of the intervals. */
  resamples: z.number().int().positive().default(1000),
  level: z.number().gt(0).lt(1).default(0.95),
});

export default defineTask({
  description: "Occluded Frequency: per-image, per-class and cumulative band attribution of a model",
  params,
  numeric: true,
  renamed: { max_batch: "batch_size", bootstrap: "resamples", target: "explain_class" },
  inputs: MODEL_AND_DATA_INPUTS,
  resources: { cpus: 4, mem: "8G", time: "12:00:00" }, // defaults for a SLURM job (pipeline/resources.ts)
  async run(ctx) {
    const p = ctx.params;
    const dataDir = oneInput(ctx.inputs, "data").dir;
    const { model, data, indices, images, labels } = await readModelAndImages(ctx.inputs, p);
    const n = indices.length;
    const [, h, w, c] = images.shape;
    let stats = undefined;
    if (p.baseline !== "zero") {
      const ref = p.reference_split === p.split ? data : await readDataSplit(dataDir, p.reference_split);
      const refIdx = selectIndices(ref.labels, model.numClasses, p.reference_limit, p.select_seed);
      const refImages = gatherImages({ data: ref.images, shape: ref.shape }, refIdx);
      stats = coefficientStats(refImages, bandLayout([h, w, c], p.band_kind));
    }
    const options = {
      baseline: p.baseline,
      stats,
      seed: deriveSeed(ctx.seed, "noise"),
      score: p.score,
      bandKind: p.band_kind,
      clip: p.clip,
      batchSize: p.batch_size,
    };
    const target = p.explain_class === "label" ? labels : "predicted" as const;

    ctx.progress.start("occlusion", n);
    const of = await occludedFrequency(model, images, target, {
      ...options,
      onProgress: (done, total) => ctx.progress.update(Math.floor((done / total) * n)),
    });
    ctx.progress.finish();
    const bands = of.shape[1];
    checkFiniteBandScores(of.scores, bands, of.clean, (i) => `${p.split} image ${indices[i]}`);
    const cleanAccuracy = of.cleanPredicted.reduce((a, y, i) => a + (y === labels[i] ? 1 : 0), 0) / n;
    ctx.log(`OF over ${n} images × ${bands} bands; clean accuracy ${cleanAccuracy.toFixed(4)}`);

    const profiles = classProfiles(of.scores, of.shape, labels, model.numClasses);
    const topK = Math.min(p.top_k, bands);
    const top = topBands(of.scores, of.shape, topK);

    let cumulative: CumulativeRow[] | null = null;
    if (p.cumulative) {
      ctx.progress.start("cumulative", n);
      const cum = await cumulativeBandAblation(model, images, of.targets, {
        ...options,
        onProgress: (done, total) => ctx.progress.update(Math.floor((done / total) * n)),
      });
      ctx.progress.finish();
      const cols = bands + 1;
      checkFiniteBandScores(
        cum.scores,
        cols,
        undefined,
        (i) => `${p.split} image ${indices[i]} (cumulative)`,
      );
      const ci = bootstrapColumnMeansCI(cum.scores, n, {
        seed: deriveSeed(ctx.seed, "cumulative"),
        resamples: p.resamples,
        level: p.level,
      });
      cumulative = ci.map((interval, k) => {
        let correct = 0;
        for (let i = 0; i < n; i++) if (cum.predicted[i * cols + k] === labels[i]) correct++;
        return {
          k,
          mean_drop: interval.estimate,
          drop_lo: interval.lo,
          drop_hi: interval.hi,
          accuracy: correct / n,
        };
      });
    }

    const single = Math.min(p.single_image, n - 1);
    const singleTop = Array.from(
      topBands(of.scores.subarray(single * bands, (single + 1) * bands), [1, bands], bands),
    );
    const ks = p.single_k.map((k) => Math.min(k, bands));
    const views: Float32Array[] = [images.data.slice(single * h * w * c, (single + 1) * h * w * c)];
    for (const k of ks) {
      views.push(ablateBands(model, images, single, Array.from({ length: k }, (_, b) => b), options));
    }
    for (const k of ks) views.push(ablateBands(model, images, single, singleTop.slice(0, k), options));
    const viewData = new Float32Array(views.length * h * w * c);
    views.forEach((v, i) => viewData.set(v, i * h * w * c));

    const shareOptions = { resamples: p.resamples, level: p.level, mass: p.share_mass };
    const shares = attributionShares(of.scores, of.shape, {
      ...shareOptions,
      seed: deriveSeed(ctx.seed, "shares"),
    });
    const sharesWithoutDc = attributionShares(withoutBand(of.scores, of.shape, 0), of.shape, {
      ...shareOptions,
      seed: deriveSeed(ctx.seed, "shares without dc"),
    });
    const labelChange = labelChangeRates(of.occludedPredicted, of.cleanPredicted, bands);
    const meanProfile = Array.from({ length: bands }, (_, k) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += of.scores[i * bands + k];
      return s / n;
    });
    const summary = {
      dataset: data.dataset,
      split: p.split,
      images: n,
      bands,
      band_kind: p.band_kind,
      baseline: p.baseline,
      explain_class: p.explain_class,
      score: p.score,
      clean_accuracy: cleanAccuracy,
      shares: shares && { mass: p.share_mass, level: p.level, ...shares },
      shares_without_dc: sharesWithoutDc && { mass: p.share_mass, level: p.level, ...sharesWithoutDc },
      label_change_rate: Array.from(labelChange),
      mean_profile: meanProfile,
      class_counts: Array.from(profiles.counts),
      class_names: data.classNames,
      single_image: {
        position: single,
        split_index: indices[single],
        label: labels[single],
        k: ks,
        top_bands: singleTop.slice(0, Math.max(...ks, 1)),
        attribution: Array.from(of.scores.subarray(single * bands, (single + 1) * bands)),
        layout: ["original", ...ks.map((k) => `lowest_${k}`), ...ks.map((k) => `top_${k}`)],
      },
    };
    await writeOcclusion(ctx.outDir, {
      attributions: of.scores,
      indices,
      labels,
      targets: of.targets,
      classProfiles: Float32Array.from(profiles.profiles),
      topBands: { data: top, topK },
      cumulative,
      singleImage: { data: viewData, shape: [views.length, h, w, c] },
      labelChange,
      summary,
    });
  },
});
