/**
 * `prop1`: checks Proposition 1 on every (x, x′) pair of an attack: ‖x − x′‖₁ ≥ |X₀ − X′₀| per channel
 * (X the unnormalised DFT, X₀ = Σ pixels), and how tight it is (lib/analysis/prop1.ts).
 *
 * Inputs: `attack` (an `attack` stage) and `data` (its `data` stage, whose test split the attack's
 * `indices.npy` index), read as pairs by lib/analysis' `loadAttackPairs` (lib/stages' `readAttack`,
 * `readDataSplit`). No params.
 *
 * Writes (lib/stages/prop1.ts: `writeProp1`, read back by `readProp1`): `l1.npy`, `dc_diff.npy` float64
 * [N,C] (both sides per pair and channel); `summary.json`
 * `{pairs, channels, perturbed, unperturbed, holdsAll, violations, minSlack, tightness: {count, mean,
 * median, min, max, p90} | null, tolerance}`: only the perturbed (pair, channel) entries (‖x − x′‖₁ > 0)
 * are checks — `violations` and the tightness |X₀ − X′₀| / ‖x − x′‖₁ are over them — and `unperturbed`
 * counts the entries the attack left unchanged (SimBA changes one channel at a time, for instance).
 */
import { z } from "zod";
import { defineTask, oneInput } from "../pipeline/task.ts";
import { writeProp1 } from "../lib/stages/mod.ts";
import { loadAttackPairs, PROP1_TOLERANCE, prop1Check, prop1Summary } from "../lib/analysis/mod.ts";

export default defineTask({
  description: "Proposition 1 on every attack pair: l1 norm ≥ change of the DFT's DC term, and its tightness",
  params: z.strictObject({}),
  numeric: false,
  inputs: {
    attack: { doc: "an attack stage (adv_x.npy, indices.npy, success.npy)" },
    data: { doc: "the data stage (train/test .npy arrays, meta.json)" },
  },
  async run(ctx) {
    const pairs = await loadAttackPairs(oneInput(ctx.inputs, "attack").dir, oneInput(ctx.inputs, "data").dir);
    const [n, , , c] = pairs.shape;
    const check = prop1Check(pairs);
    const summary = prop1Summary(check, n, c);
    await writeProp1(ctx.outDir, {
      l1: check.l1,
      dcDiff: check.dcDiff,
      summary: { ...summary, tolerance: PROP1_TOLERANCE },
    });
    ctx.log(
      `Proposition 1 ${summary.holdsAll ? "holds" : `fails ${summary.violations} times`} on ` +
        `${summary.perturbed} perturbed (pair, channel) entries of ${n} pairs (${summary.unperturbed} unperturbed)`,
    );
  },
});
