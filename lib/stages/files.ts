/**
 * The pieces every stage contract (`lib/stages/<kind>.ts`) is built from: reading one file of a store entry
 * and checking it — present, parseable, of the documented shape, finite — or throwing a
 * {@link StageFileError} that names the file; and writing a summary only after the same check, so a stage
 * never stores what its readers would reject.
 */
import { join } from "node:path";
import { z } from "zod";
import { type NpyArray, type NpyDataOf, type NpyDtype, readNpy, writeNpy } from "../io/npy.ts";
import { writeJsonAtomic } from "../io/atomic.ts";

/** A stage entry's file that is missing, unreadable or not in its documented format; names the file. */
export class StageFileError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
    this.name = "StageFileError";
  }
}

/** True when `dir/name` exists. */
export async function hasFile(dir: string, name: string): Promise<boolean> {
  return await Deno.stat(join(dir, name)).then(() => true, () => false);
}

/** The issues of a failed parse as one line: `path: message; …`. */
function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(top level)"}: ${i.message}`)
    .join("; ");
}

/** `dir/name` parsed as JSON and checked against `schema`. */
export async function readJsonFile<T>(dir: string, name: string, schema: z.ZodType<T>): Promise<T> {
  const file = join(dir, name);
  let value: unknown;
  try {
    value = JSON.parse(await Deno.readTextFile(file));
  } catch (error) {
    throw new StageFileError(file, `cannot read JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new StageFileError(file, `not in its documented format: ${issuesText(parsed.error)}`);
  }
  return parsed.data;
}

/** Writes `value` to `dir/name` as JSON after checking it against `schema` (which names what is wrong). */
export async function writeJsonFile<T>(
  dir: string,
  name: string,
  schema: z.ZodType<T>,
  value: T,
): Promise<void> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new StageFileError(join(dir, name), `refusing to write it: ${issuesText(parsed.error)}`);
  }
  await writeJsonAtomic(join(dir, name), value);
}

/** What an array file must hold: its dtype, and its dimensions (a number fixes one, null leaves it free). */
export interface ArraySpec<D extends NpyDtype> {
  dtype: D;
  shape: readonly (number | null)[];
  /** Allow NaN / ±Infinity (default: every value must be finite). */
  nonFinite?: boolean;
}

/** `dir/name` as `.npy`, checked against `spec`; throws naming the file on any mismatch or non-finite value. */
export async function readArrayFile<D extends NpyDtype>(
  dir: string,
  name: string,
  spec: ArraySpec<D>,
): Promise<NpyArray<D>> {
  const file = join(dir, name);
  let a: NpyArray<D>;
  try {
    a = await readNpy(file, spec.dtype);
  } catch (error) {
    throw new StageFileError(file, (error as Error).message.replace(`${file}: `, ""));
  }
  const fits = a.shape.length === spec.shape.length &&
    spec.shape.every((d, i) => d === null || d === a.shape[i]);
  if (!fits) {
    const want = spec.shape.map((d) => d ?? "·").join(",");
    throw new StageFileError(file, `shape [${a.shape}], expected [${want}]`);
  }
  if (!spec.nonFinite && (spec.dtype === "float32" || spec.dtype === "float64")) {
    const at = (a.data as Float32Array | Float64Array).findIndex((v) => !Number.isFinite(v));
    if (at >= 0) throw new StageFileError(file, `value ${at} (C order) is ${a.data[at]}`);
  }
  return a;
}

/** Per-image vectors of an entry (each `[N]`): field → its file and dtype. */
export type VectorFiles = Record<string, readonly [file: string, dtype: NpyDtype]>;
/** The arrays {@link VectorFiles} describe, by field. */
export type VectorsOf<T extends VectorFiles> = { [K in keyof T]: NpyDataOf[T[K][1]] };

/** Writes each vector of `values` to its file in `dir` as `[N]`. */
export async function writeVectors<T extends VectorFiles>(
  dir: string,
  files: T,
  values: VectorsOf<T>,
): Promise<void> {
  for (const [key, [name]] of Object.entries(files)) {
    const data = values[key as keyof T];
    await writeNpy(join(dir, name), { data, shape: [data.length] });
  }
}

/** Reads the vectors `files` describes from `dir`, each checked to be `[n]` of its dtype and finite. */
export async function readVectors<T extends VectorFiles>(
  dir: string,
  files: T,
  n: number,
): Promise<VectorsOf<T>> {
  const out: Partial<Record<keyof T, unknown>> = {};
  for (const [key, [name, dtype]] of Object.entries(files)) {
    out[key as keyof T] = (await readArrayFile(dir, name, { dtype, shape: [n] })).data;
  }
  return out as VectorsOf<T>;
}

/**
 * The numeric columns of the CSV `dir/name` (header row, then one row per line); each of `columns` must be
 * there, and every cell a finite number except where `optional` allows an empty cell (read as NaN).
 */
export async function readCsvFile<C extends string>(
  dir: string,
  name: string,
  columns: readonly C[],
  optional: readonly C[] = [],
): Promise<Record<C, Float64Array>> {
  const file = join(dir, name);
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    throw new StageFileError(file, `cannot read: ${(error as Error).message}`);
  }
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0].split(",").map((h) => h.trim().replace(/^"|"$/g, ""));
  const out = {} as Record<C, Float64Array>;
  for (const col of columns) {
    const k = header.indexOf(col);
    if (k < 0) throw new StageFileError(file, `no column '${col}' (header: ${header.join(",")})`);
    out[col] = new Float64Array(lines.length - 1);
  }
  lines.slice(1).forEach((line, r) => {
    const cells = line.split(",");
    if (cells.length !== header.length) {
      throw new StageFileError(file, `line ${r + 2} has ${cells.length} cells, the header ${header.length}`);
    }
    for (const col of columns) {
      const cell = cells[header.indexOf(col)].trim();
      const empty = cell === "";
      if (empty && optional.includes(col)) {
        out[col][r] = NaN;
        continue;
      }
      const v = empty ? NaN : Number(cell);
      if (!Number.isFinite(v)) {
        throw new StageFileError(file, `line ${r + 2}, column '${col}': '${cell}' is not a finite number`);
      }
      out[col][r] = v;
    }
  });
  return out;
}

/** A finite number (what JSON summaries hold; a NaN written as JSON becomes null and is rejected). */
export const finite = z.number();

/** A fraction in [0, 1]. */
export const fraction = z.number().min(0).max(1);

/** A point estimate with its bootstrap interval. */
export const intervalSchema = z.object({ estimate: finite, lo: finite, hi: finite });

/** Low / middle / high band shares with intervals (lib/stats/shares.ts). */
export const sharesSchema = z.object({
  low: intervalSchema,
  middle: intervalSchema,
  high: intervalSchema,
});
/** Band shares as {@link sharesSchema} checks them. */
export type Shares = z.infer<typeof sharesSchema>;

/** One finding against its null, as stages write them (lib/stats/verdict.ts' `Verdict`). */
export const verdictSchema = z.object({
  finding: z.string().min(1),
  protocol: z.enum(["freqlens", "authors"]),
  /** What the statistic measures, where a stage tests several definitions (spectra). */
  definition: z.string().optional(),
  effect: finite,
  null: finite,
  difference: z.object({ estimate: finite, lo: finite, hi: finite, level: finite }),
  direction: z.enum(["greater", "less"]),
  verdict: z.enum(["reproduced", "not reproduced", "reversed"]),
});
