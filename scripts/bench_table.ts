/**
 * Prints the README's speed tables (markdown) from bench results: the machine, the backend figures of
 * the models against PyTorch per layout, and the science workloads against PyTorch / SciPy with the
 * same-work checks. Each freqlens / reference figure is the median of its repetitions, with min–max.
 *
 *     deno run -A scripts/bench_table.ts [outputs/bench/latest.json …]
 *     deno run -A scripts/bench_table.ts --ratios run1.json run2.json …   (ratio per run, and their median)
 */
import type { BenchRecord } from "../bench/suite.ts";

interface BenchReport {
  date: string;
  machine: Record<string, unknown> & { onednn?: Record<string, string> };
  results: BenchRecord[];
}

const int = (v: number) => v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toPrecision(3);

/** `median (min–max)` of a record, or its single figure. */
function figure(r: BenchRecord | undefined): string {
  if (!r?.images_per_s) return "–";
  const s = r.extra?.spread as { min: number; max: number; reps: number } | undefined;
  return s && s.reps > 1 ? `${int(r.images_per_s)} (${int(s.min)}–${int(s.max)})` : int(r.images_per_s);
}

function machineLine(report: BenchReport): string {
  const m = report.machine;
  const dnn = m.onednn
    ? `; oneDNN ${m.onednn.version}, ISA cap ${m.onednn.max_cpu_isa}, 3×3 conv kernel \`${m.onednn.conv3x3_implementation}\`${
      m.onednn.openmp_wait ? `, OpenMP ${m.onednn.openmp_wait}` : ""
    }`
    : "";
  return `Machine: ${m.cpu}, ${m.cores} cores; Deno ${m.deno}, tfjs ${m.tfjs}; backend \`${
    m.backend ?? "?"
  }\` ` +
    `(${m.threads ?? "?"} threads)${dnn}; run ${report.date}.`;
}

function backendTable(results: BenchRecord[]): string[] {
  const mine = results.filter((r) => r.suite === "backend" && r.ratio_to_pytorch !== undefined);
  if (mine.length === 0) return [];
  const lines = [
    "| model | case | freqlens | PyTorch NCHW | PyTorch channels_last | ratio to PyTorch's best |",
    "| ----- | ---- | -------- | ------------ | --------------------- | ----------------------- |",
  ];
  for (const r of mine) {
    const torch = (layout: string) =>
      results.find((t) =>
        t.suite === "backend" && t.backend === `pytorch-${layout}` && t.model === r.model &&
        t.case === r.case
      );
    lines.push(
      `| ${r.model} | ${r.case.replaceAll("_", " ")} | ${figure(r)} | ${figure(torch("nchw"))} | ` +
        `${figure(torch("channels_last"))} | ${r.ratio_to_pytorch!.toFixed(2)}× |`,
    );
  }
  return lines;
}

function scienceTable(results: BenchRecord[]): string[] {
  const mine = results.filter((r) =>
    r.suite === "science" && !r.backend?.startsWith("pytorch") && !r.backend?.startsWith("scipy")
  );
  if (mine.length === 0) return [];
  const lines = [
    "| workload | unit | freqlens | reference (best layout) | other layout | ratio | same work |",
    "| -------- | ---- | -------- | ----------------------- | ------------ | ----- | --------- |",
  ];
  for (const r of mine) {
    const refCase = (r.extra?.reference_case as string | undefined) ?? r.case;
    const refs = results.filter((t) =>
      t.suite === "science" && t.case === refCase && t !== r &&
      (t.backend?.startsWith("pytorch") || t.backend?.startsWith("scipy"))
    ).sort((a, b) => b.images_per_s! - a.images_per_s!);
    const check = r.extra?.success_check as
      | { freqlens: number; pytorch: number; agree: boolean; per_image_agreement: number }
      | undefined;
    const ofDiff = refs[0]?.extra?.scores_max_abs_diff as number | undefined;
    const same = check
      ? `success ${(100 * check.freqlens).toFixed(0)} % vs ${(100 * check.pytorch).toFixed(0)} % ` +
        `(${check.agree ? "agree" : "DIFFER"}; ${
          (100 * check.per_image_agreement).toFixed(0)
        } % of images alike)`
      : ofDiff !== undefined
      ? `scores max diff ${ofDiff.toExponential(1)}`
      : refs[0]?.extra?.final_loss !== undefined
      ? `final loss ${(r.extra!.final_loss as number).toFixed(4)} vs ${
        (refs[0].extra!.final_loss as number).toFixed(4)
      }`
      : "";
    lines.push(
      `| ${r.case} | ${r.extra?.unit ?? "images/s"} | ${figure(r)} | ` +
        `${refs[0] ? `${figure(refs[0])} (${refs[0].backend})` : "–"} | ${
          refs[1] ? figure(refs[1]) : "–"
        } | ` +
        `${r.ratio_to_pytorch !== undefined ? `${r.ratio_to_pytorch.toFixed(2)}×` : "–"} | ${same} |`,
    );
  }
  return lines;
}

/** One row per figure with a ratio to PyTorch / SciPy: the ratio in each run and the median over runs, to
 * show how far a ratio moves between runs of the same code on the same machine. */
function ratiosTable(reports: BenchReport[]): string[] {
  const label = (r: BenchRecord) =>
    r.suite === "backend" ? `${r.model} ${r.case.replaceAll("_", " ")}` : r.case;
  const rows = new Map<string, (number | undefined)[]>();
  reports.forEach((report, i) => {
    for (const r of report.results) {
      if (r.ratio_to_pytorch === undefined) continue;
      const row = rows.get(label(r)) ?? new Array(reports.length).fill(undefined);
      row[i] = r.ratio_to_pytorch;
      rows.set(label(r), row);
    }
  });
  const runs = reports.map((r) => r.date.slice(11, 16));
  const lines = [
    `| figure | ${runs.map((t) => `run ${t}`).join(" | ")} | median |`,
    `| ------ | ${runs.map(() => "---").join(" | ")} | ------ |`,
  ];
  for (const [name, ratios] of rows) {
    const known = ratios.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
    const mid = known.length % 2
      ? known[(known.length - 1) / 2]
      : (known[known.length / 2 - 1] + known[known.length / 2]) / 2;
    const cell = (v: number | undefined) => v === undefined ? "–" : `${v.toFixed(2)}×`;
    lines.push(`| ${name} | ${ratios.map(cell).join(" | ")} | ${cell(mid)} |`);
  }
  return lines;
}

const ratios = Deno.args[0] === "--ratios";
const paths = Deno.args.filter((a) => a !== "--ratios");
const reports: BenchReport[] = (paths.length ? paths : ["outputs/bench/latest.json"]).map((path) =>
  JSON.parse(Deno.readTextFileSync(path))
);
if (ratios) console.log(ratiosTable(reports).join("\n") + "\n");
else {
  for (const report of reports) {
    const blocks = [[machineLine(report)], backendTable(report.results), scienceTable(report.results)];
    console.log(blocks.filter((b) => b.length).map((b) => b.join("\n")).join("\n\n") + "\n");
  }
}
