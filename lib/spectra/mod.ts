/** Spectra of image pairs: mean |ΔDCT| maps, band profiles and band shares (the paper's Fig. 3). */
export * from "./difference_spectrum.ts";
