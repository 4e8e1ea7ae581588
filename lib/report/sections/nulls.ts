/**
 * Nulls shown beside the results they test: the RCT band shares of each attack beside those of
 * equal-norm noise and of the shuffled perturbation, with the perturbation's own DCT-energy shares beside
 * the noise's (`rct_nulls`, in the attacks section); and each model's low-third OF share with and without
 * band 0 (DC), with the mean label-change rate per third of the bands (`of_dc_label_change`, in the
 * occlusion section).
 */
import * as aq from "arquero";
import { thirdOf } from "../../stats/mod.ts";
import type { ReportInputs } from "../records.ts";
import { type RenderedTable, renderTable, sig4 } from "../tables.ts";

const est = (s: { estimate: number } | null | undefined) => s?.estimate ?? null;

/** The `rct_nulls` table, or null when no RCT stage recorded nulls. */
export function rctNullsTable(inputs: ReportInputs): RenderedTable | null {
  const rows = inputs.rct.filter((r) => r.nulls).map((r) => ({
    attack: r.source.label,
    rct_high: est(r.shares?.high),
    noise_high: est(r.nulls!.noise?.high),
    shuffled_high: est(r.nulls!.shuffled?.high),
    rct_low: est(r.shares?.low),
    noise_low: est(r.nulls!.noise?.low),
    energy_low: est(r.nulls!.energyAttack?.low),
    energy_middle: est(r.nulls!.energyAttack?.middle),
    energy_high: est(r.nulls!.energyAttack?.high),
    noise_energy_high: est(r.nulls!.energyNoise?.high),
    noise_norm_ratio: r.nulls!.noiseNormRatio,
    stage: r.source.instance,
  }));
  if (rows.length === 0) return null;
  const columns = Object.keys(rows[0]);
  return renderTable(
    aq.from(rows).select(...columns),
    {
      name: "rct_nulls",
      title: "RCT shares beside their nulls",
      caption:
        "Share of the RCT band profile in the high (and low) third of the bands for each attack, for " +
        "Gaussian noise of each image's own l2 (clipped to [0, 1]; noise norm ratio = realised / requested " +
        "l2) and for the attack's perturbation with its pixel positions shuffled; and where the " +
        "perturbation's own DCT energy |DCT(x′ − x)|² sits, beside the noise's.",
    },
    Object.fromEntries(columns.filter((c) => c !== "attack" && c !== "stage").map((c) => [c, sig4])),
    {
      rct_high: "RCT high",
      noise_high: "noise RCT high",
      shuffled_high: "shuffled RCT high",
      rct_low: "RCT low",
      noise_low: "noise RCT low",
      energy_low: "energy low",
      energy_middle: "energy middle",
      energy_high: "energy high",
      noise_energy_high: "noise energy high",
      noise_norm_ratio: "noise norm ratio",
    },
  );
}

/** Mean of `rates` over the bands of each third `[low, middle, high]`. */
function thirdMeans(rates: number[]): [number, number, number] {
  const sum = [0, 0, 0], n = [0, 0, 0];
  rates.forEach((r, b) => {
    const t = thirdOf(b, rates.length);
    sum[t] += r;
    n[t]++;
  });
  return [0, 1, 2].map((t) => (n[t] > 0 ? sum[t] / n[t] : 0)) as [number, number, number];
}

/** The `of_dc_label_change` table, or null when no occlusion stage wrote both. */
export function ofDcTable(inputs: ReportInputs): RenderedTable | null {
  const rows = inputs.occlusion.filter((o) => o.sharesWithoutDc !== undefined && o.labelChange).map((o) => {
    const [low, middle, high] = thirdMeans(o.labelChange!);
    return {
      model: o.source.label,
      low_share: est(o.shares?.low),
      low_share_without_dc: est(o.sharesWithoutDc?.low),
      dc_share: dcShare(o.meanProfile),
      label_change_low: low,
      label_change_middle: middle,
      label_change_high: high,
      stage: o.source.instance,
    };
  });
  if (rows.length === 0) return null;
  const columns = Object.keys(rows[0]);
  return renderTable(
    aq.from(rows).select(...columns),
    {
      name: "of_dc_label_change",
      title: "OF low-third share with and without the DC term, and label changes",
      caption: "Low-third share of positive OF attribution with every band and with band 0 (DC) left out; " +
        "band 0's share of the mean profile's positive part; and the mean fraction of images whose " +
        "predicted class changes when one band of each third is occluded.",
    },
    Object.fromEntries(columns.filter((c) => c !== "model" && c !== "stage").map((c) => [c, sig4])),
    {
      low_share: "low share",
      low_share_without_dc: "low share without DC",
      dc_share: "DC share of mean profile",
      label_change_low: "label change, low",
      label_change_middle: "label change, middle",
      label_change_high: "label change, high",
    },
  );
}

/** Band 0's share of the positive part of a mean profile (null when nothing is positive). */
function dcShare(profile: ArrayLike<number>): number | null {
  let total = 0;
  for (let b = 0; b < profile.length; b++) total += Math.max(0, profile[b]);
  return total > 0 ? Math.max(0, profile[0]) / total : null;
}
