/**
 * The report: tables (arquero → CSV, Markdown, HTML) and the self-contained HTML page that shows every
 * figure and table with its caption, the paper's claim, what was measured, and links to the stages it came
 * from. Pure functions; the `report` task does the reading and writing.
 */
export * from "./tables.ts";
export * from "./html.ts";
