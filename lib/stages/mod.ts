/**
 * Stage contracts: each task kind's store entry — its files, their formats, a typed writer and a typed,
 * validating reader — in one module per kind, used by the task that writes it and by every consumer
 * (downstream tasks, the report, scripts). A reader throws a {@link StageFileError} naming the file when it
 * is missing, not parseable, shaped otherwise than documented or holds a non-finite number.
 */
export * from "./files.ts";
export * from "./data.ts";
export * from "./model.ts";
export * from "./selection.ts";
export * from "./evaluate.ts";
export * from "./attack.ts";
export * from "./rct.ts";
export * from "./prop1.ts";
export * from "./synthesize.ts";
export * from "./spectra.ts";
export * from "./occlusion.ts";
export * from "./contrast.ts";
export * from "./fourier.ts";
export * from "./filtered.ts";
export * from "./saliency.ts";
