/**
 * The report: stage records (what each upstream stage measured), the figures and tables built from them
 * with captions, the paper's claims and what was measured, their CSV/Markdown/HTML renderings, and the
 * self-contained HTML page that links each figure to the stages it came from.
 */
export * from "./records.ts";
export * from "./labels.ts";
export * from "./tables.ts";
export * from "./html.ts";
export * from "./build.ts";
export * from "./write.ts";
export * from "./collect.ts";
export * from "./headline.ts";
export * from "./metric_rows.ts";
export * from "./trends.ts";
