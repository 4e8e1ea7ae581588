/**
 * Adversarial attacks over the {@link ImageClassifier} interface: FGSM, PGD (l∞, l2), Carlini–Wagner l2,
 * SimBA (pixel and DCT bases) and low-frequency PGD, with their shared threat models and loop.
 */
export * from "./types.ts";
export * from "./threat.ts";
export * from "./loop.ts";
export * from "./fgsm.ts";
export * from "./pgd.ts";
export * from "./cw.ts";
export * from "./simba.ts";
export * from "./lowfreq.ts";
export * from "./registry.ts";
