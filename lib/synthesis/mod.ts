/** Robust / non-robust dataset synthesis (Ilyas et al. 2019) and the spectra of synthesized sets. */
export * from "./pairing.ts";
export * from "./representation_inversion.ts";
