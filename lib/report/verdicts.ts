/**
 * Reading the `verdicts` array any stage's `summary.json` may hold (the {@link Verdict} shape of
 * lib/stats/verdict.ts: a finding, its protocol, effect, null, the paired difference with its interval,
 * the paper's direction and the verdict), checked field by field so a malformed summary names itself.
 */
import { join } from "node:path";
import type { Verdict } from "../stats/mod.ts";
import { ReportInputError } from "./collect.ts";
import type { Source, VerdictRecord } from "./records.ts";

const PROTOCOLS = ["freqlens", "authors"];
const DIRECTIONS = ["greater", "less"];
const KINDS = ["reproduced", "not reproduced", "reversed"];

/** Parses one entry of a `verdicts` array; `where` names it in errors. */
export function parseVerdict(v: unknown, where: string): Verdict {
  const o = (v ?? {}) as Record<string, unknown>;
  const d = (o.difference ?? {}) as Record<string, unknown>;
  const isNum = (x: unknown) => typeof x === "number" && Number.isFinite(x);
  const bad = (what: string) => new ReportInputError(where, `${what} (got ${JSON.stringify(v)})`);
  if (typeof o.finding !== "string" || o.finding === "") throw bad("verdict needs a finding");
  if (!PROTOCOLS.includes(o.protocol as string)) throw bad(`protocol must be one of ${PROTOCOLS.join(", ")}`);
  if (!DIRECTIONS.includes(o.direction as string)) {
    throw bad(`direction must be one of ${DIRECTIONS.join(", ")}`);
  }
  if (!KINDS.includes(o.verdict as string)) throw bad(`verdict must be one of ${KINDS.join(", ")}`);
  for (
    const [k, x] of [
      ["effect", o.effect],
      ["null", o.null],
      ...["estimate", "lo", "hi", "level"].map((f) => [
        `difference.${f}`,
        d[f],
      ]),
    ]
  ) {
    if (!isNum(x)) throw bad(`${k} must be a finite number`);
  }
  return {
    finding: o.finding,
    protocol: o.protocol as Verdict["protocol"],
    effect: o.effect as number,
    null: o.null as number,
    difference: {
      estimate: d.estimate as number,
      lo: d.lo as number,
      hi: d.hi as number,
      level: d.level as number,
    },
    direction: o.direction as Verdict["direction"],
    verdict: o.verdict as Verdict["verdict"],
  };
}

/** The verdicts in `dir/summary.json` (none when the file or the array is absent). */
export async function readVerdicts(dir: string, source: Source): Promise<VerdictRecord[]> {
  const file = join(dir, "summary.json");
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch {
    return [];
  }
  let summary: { verdicts?: unknown };
  try {
    summary = JSON.parse(text);
  } catch (error) {
    throw new ReportInputError(file, `cannot read JSON: ${(error as Error).message}`);
  }
  if (summary.verdicts === undefined) return [];
  if (!Array.isArray(summary.verdicts)) throw new ReportInputError(file, "verdicts must be an array");
  return summary.verdicts.map((v, k) => ({ source, verdict: parseVerdict(v, `${file}: verdicts[${k}]`) }));
}
