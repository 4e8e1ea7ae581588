/**
 * `spectra`: the spectra of a synthesized set (the paper's Fig. 3). For each pair, the change
 * Δ = x_r − x₀ the optimisation made to its start image x₀ — what the paper's caption plots ("the
 * difference between robust/non-robust images and the starting images") — and, beside it, the distance
 * Δ = x_r − x to the target x it imitates (what freqlens showed before) and the unoptimised contrast
 * x − x₀: the mean |DCT(Δ)| map, its band profile, and the low / middle / high shares of the profile with
 * bootstrap intervals over pairs.
 *
 * With a `reference` input (the natural model's `synthesize` stage, same pairs), the stage also tests the
 * figure's finding against its null: the low-third share of the subject's x_r − x₀ (a robust model's set)
 * minus the reference's on the same (start, target) pairs, with a paired bootstrap interval, and the
 * verdict (`reproduced` only when the interval excludes 0 upward); likewise for x_r − x. The pairs must be
 * identical (same split, targets and starts, in order), else the stage fails naming the first difference.
 *
 * Inputs: `synthesize` (a `synthesize` stage, read with lib/stages' `readSynthesis`), `data` (the `data`
 * stage it read: `readDataSplit`), optional `reference` (`readSynthesis`). Params: `band_kind`,
 * `resamples` (bootstrap, default 1000), `level` (default 0.95).
 *
 * Writes (lib/stages/spectra.ts: `writeSpectra`, read back by `readSpectra`; H×W×C the image shape, K bands, N pairs; `<d>` is `start` for x_r − x₀, `target` for x_r − x,
 * `contrast` for x − x₀):
 * - `diff_map_<d>.npy` float32 [H, W, C]: mean |DCT(Δ)| per coefficient and channel;
 * - `diff_map_mean_<d>.npy` float32 [H, W]: the same, averaged over channels;
 * - `band_profile_<d>.npy` float32 [K]: mean of the map per band;
 * - `pair_profiles_<d>.npy` float32 [N, K]: the band profile of each pair;
 * - `diff_map_mean.npy`, `band_profile.npy`: copies of the `start` ones (the paper's definition), for
 *   readers of one spectrum per stage;
 * - `summary.json`: `pairs`, `bands`, `band_kind`, `paper_definition: "start"`, `spectra: {start, target,
 *   contrast}` (each `{definition, shares (with intervals; null when Δ ≡ 0), band_profile}`), `shares` (=
 *   `spectra.start.shares`), `convergence` (the synthesize stage's step, iterations, mean initial and final
 *   representation distance, quantiles of the final distance, the loss curve at ≤ 101 iterations),
 *   `contrast` (null without `reference`: else `{reference, pairs, start, target}` each `{effect, null,
 *   difference: {estimate, lo, hi, level}}`) and `verdicts` (empty without `reference`).
 */
import { z } from "zod";
import { BAND_KINDS, type BandKind } from "../lib/dct/mod.ts";
import { defineTask, oneInput, type StageInput } from "../pipeline/task.ts";
import { deriveSeed, quantileSorted, verdictOf } from "../lib/stats/mod.ts";
import { gatherImages } from "../lib/attribution/mod.ts";
import {
  assertSamePairs,
  type DifferenceSpectrum,
  differenceSpectrum,
  pairedShareContrast,
} from "../lib/spectra/mod.ts";
import {
  readDataSplit,
  readSynthesis,
  type SpectraSummary,
  type SpectrumArrays,
  type SynthesisFiles,
  writeSpectra,
} from "../lib/stages/mod.ts";

const params = z.strictObject({
  band_kind: z.enum(BAND_KINDS).default("diagonal"),
  resamples: z.number().int().positive().default(1000),
  level: z.number().gt(0).lt(1).default(0.95),
});

/** What each spectrum compares, by its file suffix. */
const DEFINITIONS = {
  start: "x_r − x₀ (change from the start image; the paper's caption)",
  target: "x_r − x (distance to the target imitated)",
  contrast: "x − x₀ (target against start: the unoptimised contrast)",
} as const;
type Definition = keyof typeof DEFINITIONS;

const FINDING = "Fig. 3: a robust model's synthesized changes sit lower in frequency than a natural " +
  "model's (low-third share of mean |DCT(Δ)|, same (start, target) pairs)";

export default defineTask({
  description: "Fig. 3 spectra of a synthesized set (x_r − x₀, x_r − x, x − x₀) and its paired contrast",
  params,
  numeric: false,
  renamed: { bootstrap: "resamples" },
  inputs: {
    synthesize: { doc: "the synthesized set (images.npy, target/start indices, distances, loss curve)" },
    data: { doc: "the data stage the synthesize stage read (the start and target images)" },
    reference: {
      doc: "the natural model's synthesize stage on the same pairs, the null of the contrast",
      optional: true,
    },
  },
  async run(ctx) {
    const p = ctx.params;
    const subjectInput = oneInput(ctx.inputs, "synthesize");
    const subject = await readSynthesis(subjectInput.dir);
    const data = await readDataSplit(oneInput(ctx.inputs, "data").dir, subject.summary.split);
    const split = { data: data.images, shape: data.shape };
    const starts = gatherImages(split, subject.startIndices);
    const targets = gatherImages(split, subject.targetIndices);
    const options = (label: string) => ({
      seed: deriveSeed(ctx.seed, "bootstrap", label),
      resamples: p.resamples,
      level: p.level,
      bandKind: p.band_kind,
    });
    const spectra: Record<Definition, DifferenceSpectrum> = {
      start: differenceSpectrum(subject.images, starts, options("start")),
      target: differenceSpectrum(subject.images, targets, options("target")),
      contrast: differenceSpectrum(targets, starts, options("contrast")),
    };

    const referenceInput = ctx.inputs.reference?.length ? oneInput(ctx.inputs, "reference") : null;
    const contrast = referenceInput
      ? await pairedContrast(subject, subjectInput, referenceInput, starts, targets, spectra, options)
      : null;
    const verdicts = contrast
      ? (["start", "target"] as const).map((d) => ({
        finding: FINDING,
        protocol: d === "start" ? "authors" as const : "freqlens" as const,
        definition: DEFINITIONS[d],
        effect: contrast[d].effect,
        null: contrast[d].null,
        difference: contrast[d].difference,
        direction: "greater" as const,
        verdict: verdictOf(contrast[d].difference.lo, contrast[d].difference.hi, "greater"),
      }))
      : [];
    for (const v of verdicts) {
      const [d, f] = [v.difference, (x: number) => x.toFixed(3)];
      const interval = `${f(d.estimate)} [${f(d.lo)}, ${f(d.hi)}]`;
      ctx.log(
        `${v.protocol} (${v.definition}): low-third share ${f(v.effect)} vs reference ${f(v.null)}, ` +
          `difference ${interval} → ${v.verdict}`,
      );
    }
    const n = subject.labels.length;
    const summary: SpectraSummary = {
      pairs: n,
      bands: spectra.start.bandProfile.length,
      band_kind: p.band_kind,
      paper_definition: "start",
      spectra: {
        start: spectrumSummary("start", spectra.start, p.level),
        target: spectrumSummary("target", spectra.target, p.level),
        contrast: spectrumSummary("contrast", spectra.contrast, p.level),
      },
      shares: spectra.start.shares && { level: p.level, ...spectra.start.shares },
      band_profile: Array.from(spectra.start.bandProfile),
      convergence: convergenceOf(subject),
      contrast,
      verdicts,
    };
    await writeSpectra(ctx.outDir, {
      spectra: {
        start: arraysOf(spectra.start),
        target: arraysOf(spectra.target),
        contrast: arraysOf(spectra.contrast),
      },
      summary,
    });
  },
});

/** A spectrum's entry in `summary.spectra`. */
function spectrumSummary(d: Definition, s: DifferenceSpectrum, level: number) {
  return {
    definition: DEFINITIONS[d],
    shares: s.shares && { level, ...s.shares },
    band_profile: Array.from(s.bandProfile),
  };
}

/** A spectrum's arrays as the stage files hold them (float32). */
function arraysOf(s: DifferenceSpectrum): SpectrumArrays {
  const [h, w, c] = s.shape;
  return {
    map: { data: Float32Array.from(s.map), shape: [h, w, c] },
    channelMean: Float32Array.from(s.channelMean),
    bandProfile: Float32Array.from(s.bandProfile),
    pairProfiles: Float32Array.from(s.pairProfiles),
  };
}

/** The reference set's spectra on the subject's pairs and the paired low-third contrasts. */
async function pairedContrast(
  subject: SynthesisFiles,
  subjectInput: StageInput,
  referenceInput: StageInput,
  starts: ReturnType<typeof gatherImages>,
  targets: ReturnType<typeof gatherImages>,
  spectra: Record<Definition, DifferenceSpectrum>,
  options: (
    label: string,
  ) => { seed: number; resamples: number; level: number; bandKind: BandKind },
) {
  const reference = await readSynthesis(referenceInput.dir);
  const pairsOf = (s: SynthesisFiles) => ({
    split: s.summary.split,
    targets: s.targetIndices,
    starts: s.startIndices,
  });
  assertSamePairs(pairsOf(reference), pairsOf(subject), [referenceInput.instance, subjectInput.instance]);
  const n = subject.labels.length;
  const ref = {
    start: differenceSpectrum(reference.images, starts, options("reference start")),
    target: differenceSpectrum(reference.images, targets, options("reference target")),
  };
  const contrastOf = (d: "start" | "target") =>
    pairedShareContrast(ref[d].pairProfiles, spectra[d].pairProfiles, n, { ...options(`contrast ${d}`) });
  return {
    reference: referenceInput.instance,
    pairs: n,
    start: contrastOf("start"),
    target: contrastOf("target"),
  };
}

/** The synthesize stage's convergence: mean distances, final-distance quantiles, a thinned loss curve. */
function convergenceOf(s: SynthesisFiles) {
  const sorted = Float64Array.from(s.finalDistance).sort();
  const last = s.lossCurve.length - 1;
  const every = Math.max(1, Math.ceil(last / 100));
  const curve: [number, number][] = [];
  for (let it = 0; it <= last; it += every) curve.push([it, s.lossCurve[it]]);
  if (curve[curve.length - 1][0] !== last) curve.push([last, s.lossCurve[last]]);
  const mean = (v: Float32Array) => v.reduce((a, b) => a + b, 0) / v.length;
  return {
    step: s.summary.step,
    iterations: s.summary.iterations,
    initial_distance: mean(s.initialDistance),
    final_distance: mean(s.finalDistance),
    final_distance_quantiles: {
      q10: quantileSorted(sorted, 0.1),
      median: quantileSorted(sorted, 0.5),
      q90: quantileSorted(sorted, 0.9),
    },
    label_agreement: s.summary.label_agreement,
    loss_curve: curve,
  };
}
