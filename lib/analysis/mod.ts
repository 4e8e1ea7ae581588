/** Frequency analyses of adversarial pairs: RCT maps with band shares, and the Proposition 1 check. */
export * from "./rct.ts";
export * from "./prop1.ts";
export * from "./pairs.ts";
