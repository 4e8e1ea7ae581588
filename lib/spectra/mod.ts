/** Spectra of image pairs: mean |ΔDCT| maps, band profiles and band shares (the paper's Fig. 3), and the
 * paired contrast of two synthesized sets made from the same pairs. */
export * from "./difference_spectrum.ts";
export * from "./contrast.ts";
