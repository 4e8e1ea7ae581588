/**
 * Frequency analyses of adversarial pairs: RCT maps with band shares (freqlens' and the authors'
 * variant), their null models (equal-norm noise, the shuffled perturbation, the perturbation's own DCT
 * energy) with verdicts, and the Proposition 1 check.
 */
export * from "./rct.ts";
export * from "./nulls.ts";
export * from "./rct_nulls.ts";
export * from "./prop1.ts";
export * from "./pairs.ts";
