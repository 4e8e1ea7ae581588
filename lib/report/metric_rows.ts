/**
 * One row per stage instance with its sweep coordinates and headline metrics (lib/report/headline.ts):
 * what the report's trend figures group and draw, and its tidy long-format `metrics.csv` (one line per
 * instance × metric: instance, stage, one column per coordinate, metric, value, lo, hi) that pandas
 * (`pd.read_csv`) and arquero (`aq.loadCSV`) read as is.
 */
import { csvText } from "./csv.ts";
import { type Headline, headlineMetrics } from "./headline.ts";

/** A sweep coordinate as data: its key (`origin.key` when two share a key) and value. */
export interface Coordinate {
  key: string;
  value: unknown;
  /** The stage whose `sweep:` introduced it. */
  origin: string;
}

/** An instance's coordinates and headline metrics. */
export interface MetricRow {
  instance: string;
  stage: string;
  /** Task kind, e.g. `attack`. */
  kind: string;
  coords: Coordinate[];
  metrics: Headline[];
  /** Link to the instance's entry, when the report made the row. */
  href?: string;
}

/** The instance as the pipeline hands it over (`StageInput`): its name and its coordinates as data. */
export interface CoordinateSource {
  instance: string;
  coords: { origin: string; key: string; value: unknown }[];
}

/** An instance's coordinates, a key written `origin.key` where two of them share the key. */
export function coordinatesOf(input: CoordinateSource): Coordinate[] {
  return input.coords.map((c) => ({
    key: input.coords.some((o) => o !== c && o.key === c.key) ? `${c.origin}.${c.key}` : c.key,
    value: c.value,
    origin: c.origin,
  }));
}

/** The row of one instance of a `kind` stage whose entry is `dir`; null when the kind has no headline. */
export async function metricRow(
  input: CoordinateSource & { stage: string; dir: string },
  kind: string,
): Promise<MetricRow | null> {
  const metrics = await headlineMetrics(kind, input.dir);
  if (metrics === null) return null;
  return { instance: input.instance, stage: input.stage, kind, coords: coordinatesOf(input), metrics };
}

/** The tidy long-format CSV of `rows` (empty coordinate cells where an instance lacks that coordinate). */
export function tidyMetricsCsv(rows: readonly MetricRow[]): string {
  const keys = [...new Set(rows.flatMap((r) => r.coords.map((c) => c.key)))];
  const reserved = new Set(["instance", "stage", "kind", "metric", "value", "lo", "hi"]);
  const header = ["instance", "stage", "kind", ...keys.map((k) => (reserved.has(k) ? `coord_${k}` : k))];
  return csvText(
    [...header, "metric", "value", "lo", "hi"],
    rows.flatMap((r) => {
      const coords = keys.map((k) => r.coords.find((c) => c.key === k)?.value);
      return r.metrics.map((m) => [r.instance, r.stage, r.kind, ...coords, m.metric, m.value, m.lo, m.hi]);
    }),
  );
}
