/**
 * The one CSV writer for what freqlens hands to pandas, arquero or a spreadsheet: the report's tables
 * (`tables/<name>.csv`), its tidy `metrics.csv`, and `cli metrics --csv`. A header row, then one row per
 * record; cells separated by commas and quoted (quotes doubled) when they hold a comma, a quote or a line
 * break; every row ends with "\n".
 */

/** One cell: text and numbers as they are, null or undefined empty, anything else as compact JSON; quoted
 * when needed. */
export function csvCell(value: unknown): string {
  const text = value == null
    ? ""
    : typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? String(value)
    : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The CSV text of `rows` (each as long as `header`) under `header`. */
export function csvText(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(",") + "\n").join("");
}
