/**
 * `cli metrics`: one table of every instance's coordinates, the params that differ between the instances
 * shown, and its headline metrics — read from the stage's own `summary.json` by the same function the
 * report uses (lib/report/headline.ts), so the table and the report's figures and `metrics.csv` agree
 * (DVC's `dvc exp show`). Cached instances show their entry; stale ones the entry their view still points
 * at (marked `stale`); missing ones no metrics. Nothing runs.
 */
import { parse } from "yaml";
import { canonicalJson } from "./canonical.ts";
import type { Plan, PlannedInstance } from "./plan.ts";
import { planStatus } from "./status.ts";
import { viewKey } from "./store.ts";
import { didYouMean } from "./suggest.ts";
// The two small modules only, not lib/report/mod.ts: every `cli` process (each stage's `exec`) loads this file,
// and the report's renderer (Vega, resvg) is heavy to load.
import { type Headline, HEADLINE_KINDS, headlineMetrics } from "../lib/report/headline.ts";
import { type Coordinate, coordinatesOf } from "../lib/report/metric_rows.ts";
import { csvCell, csvText } from "../lib/report/csv.ts";

/** One instance in the metrics table. */
export interface MetricsRow {
  instance: string;
  stage: string;
  kind: string;
  state: "cached" | "stale" | "missing";
  coords: Coordinate[];
  /** Params whose values differ between the rows shown (coordinates excluded). */
  params: Record<string, unknown>;
  metrics: Headline[];
}

/** What to show: stages or instances, `key=value` filters, and the sort key (`-key`: descending). */
export interface MetricsOptions {
  stages?: string[];
  filters?: string[];
  sort?: string;
}

/** A `--stage`, `--filter` or `--sort` that names nothing. */
export class MetricsQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MetricsQueryError";
  }
}

/** The rows of `plan`'s instances that have headline metrics, selected, filtered and sorted. */
export async function metricsTable(plan: Plan, options: MetricsOptions = {}): Promise<MetricsRow[]> {
  const selected = selectInstances(plan, options.stages ?? []);
  const states = new Map((await planStatus(plan)).map((s) => [s.instance, s.state]));
  const rows: MetricsRow[] = [];
  for (const inst of selected) {
    const state = states.get(inst.name)!;
    const key = state === "cached"
      ? inst.key
      : viewKey(plan.layout, plan.config.name, inst.name, inst.legacyName);
    const metrics = state === "missing" || !key
      ? []
      : (await headlineMetrics(inst.kind, plan.layout.entry(key))) ?? [];
    rows.push({
      instance: inst.name,
      stage: inst.stage.name,
      kind: inst.kind,
      state,
      coords: coordinatesOf({ instance: inst.name, coords: inst.coords }),
      params: inst.params,
      metrics,
    });
  }
  const filtered = rows.filter((r) => (options.filters ?? []).every((f) => matches(r, f)));
  const shown = filtered.map((r) => differing(filtered, r));
  filtered.forEach((r, k) => r.params = shown[k]);
  if (options.sort) sortRows(filtered, options.sort);
  return filtered;
}

function selectInstances(plan: Plan, stages: string[]): PlannedInstance[] {
  const withMetrics = plan.instances.filter((i) => HEADLINE_KINDS.includes(i.kind));
  if (stages.length === 0) return withMetrics;
  for (const s of stages) {
    if (!plan.byName.has(s) && !plan.instances.some((i) => i.stage.name === s)) {
      const names = plan.config.stages.map((st) => st.name);
      throw new MetricsQueryError(`--stage ${s}: no such stage or instance${didYouMean(s, names)}`);
    }
  }
  return withMetrics.filter((i) => stages.includes(i.stage.name) || stages.includes(i.name));
}

/**
 * The value of `key` in a row: a coordinate (bare or `origin.key`), a metric id, a param, or stage/state;
 * else, for a dotted key, a field inside one of those, as instance names write it (`adversarial.eps`,
 * `dims.0`).
 */
function valueOf(row: MetricsRow, key: string): unknown {
  const coord = row.coords.find((c) => c.key === key || c.key.endsWith(`.${key}`));
  if (coord) return coord.value;
  const metric = row.metrics.find((m) => m.metric === key);
  if (metric) return metric.value;
  if (key === "stage" || key === "state" || key === "instance" || key === "kind") return row[key];
  if (key in row.params) return row.params[key];
  const parts = key.split(".");
  for (let i = parts.length - 1; i > 0; i--) {
    let v = valueOf(row, parts.slice(0, i).join("."));
    for (const p of parts.slice(i)) {
      v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[p] : undefined;
    }
    if (v !== undefined) return v;
  }
  return undefined;
}

function matches(row: MetricsRow, filter: string): boolean {
  const eq = filter.indexOf("=");
  if (eq <= 0) throw new MetricsQueryError(`--filter expects key=value, got '${filter}'`);
  const key = filter.slice(0, eq);
  const text = filter.slice(eq + 1);
  const value = valueOf(row, key);
  if (value === undefined) return false;
  let wanted: unknown = text;
  try {
    wanted = parse(text);
  } catch {
    // not YAML: compare as text
  }
  return canon(value) === canon(wanted) || csvCell(value) === text;
}

const canon = (v: unknown) => (v === undefined ? "\u0000absent" : canonicalJson(v));

/** Params of `row` whose values are not the same in every row (and are not coordinates). */
function differing(rows: MetricsRow[], row: MetricsRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row.params)) {
    if (row.coords.some((c) => c.key === k || c.key.endsWith(`.${k}`))) continue;
    if (rows.some((r) => canon(r.params[k]) !== canon(v))) out[k] = v;
  }
  return out;
}

function sortRows(rows: MetricsRow[], sort: string): void {
  const desc = sort.startsWith("-");
  const key = desc ? sort.slice(1) : sort;
  if (!rows.some((r) => valueOf(r, key) !== undefined)) {
    const known = [...new Set(rows.flatMap((r) => [...columnsOf(r), ...r.metrics.map((m) => m.metric)]))];
    throw new MetricsQueryError(`--sort ${key}: no row has it${didYouMean(key, known)}`);
  }
  const cmp = (a: unknown, b: unknown): number => {
    if (a === undefined) return b === undefined ? 0 : 1;
    if (b === undefined) return -1;
    if (typeof a === "number" && typeof b === "number") return a - b;
    return csvCell(a).localeCompare(csvCell(b));
  };
  rows.sort((a, b) => (desc ? -1 : 1) * cmp(valueOf(a, key), valueOf(b, key)));
}

function columnsOf(row: MetricsRow): string[] {
  return [...row.coords.map((c) => c.key), ...Object.keys(row.params)];
}

/** Column names: state, instance, coordinates, differing params, then per metric id value (and lo / hi). */
function header(rows: MetricsRow[]): { columns: string[]; metrics: string[] } {
  const columns = [...new Set(rows.flatMap(columnsOf))];
  const metrics = [...new Set(rows.flatMap((r) => r.metrics.map((m) => m.metric)))];
  return { columns, metrics };
}

/** A coordinate or param column's value in a row (undefined when the row has neither). */
const columnValue = (row: MetricsRow, key: string) =>
  row.coords.find((c) => c.key === key)?.value ?? row.params[key];

/** Wide CSV: state, instance, stage, coordinate and param columns, then `<metric>`, `<metric>_lo`, `<metric>_hi`. */
export function metricsCsv(rows: MetricsRow[]): string {
  const { columns, metrics } = header(rows);
  return csvText(
    ["state", "instance", "stage", ...columns, ...metrics.flatMap((m) => [m, `${m}_lo`, `${m}_hi`])],
    rows.map((r) => [
      r.state,
      r.instance,
      r.stage,
      ...columns.map((c) => columnValue(r, c)),
      ...metrics.flatMap((id) => {
        const m = r.metrics.find((x) => x.metric === id);
        return [m?.value, m?.lo, m?.hi];
      }),
    ]),
  );
}

const short = (
  v: number,
) => (v === 0 ? "0" : Math.abs(v) >= 1000 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());

/** An aligned text table (metric cells `value [lo, hi]`), and a line per state count. */
export function metricsText(rows: MetricsRow[]): string {
  if (rows.length === 0) return "no instances with headline metrics";
  const { columns, metrics } = header(rows);
  const head = ["state", "instance", ...columns, ...metrics];
  const body = rows.map((r) => [
    r.state,
    r.instance,
    ...columns.map((c) => csvCell(columnValue(r, c))),
    ...metrics.map((id) => {
      const m = r.metrics.find((x) => x.metric === id);
      if (!m) return "-";
      return m.lo === null || m.hi === null
        ? short(m.value)
        : `${short(m.value)} [${short(m.lo)}, ${short(m.hi)}]`;
    }),
  ]);
  const widths = head.map((h, k) => Math.max(h.length, ...body.map((b) => b[k].length)));
  const line = (cells: string[]) => cells.map((c, k) => c.padEnd(widths[k])).join("  ").trimEnd();
  const count = (s: string) => rows.filter((r) => r.state === s).length;
  return [
    line(head),
    ...body.map(line),
    `${rows.length} instances: ${count("cached")} cached, ${
      count("stale")
    } stale (metrics of their last entry), ${count("missing")} missing`,
  ].join("\n");
}
