/**
 * `deno task bench [--reference] [--quick] [--only NAME…]`: runs every suite in `bench/suites/` and writes
 * `outputs/bench/latest.json` as `{machine: {cpu, cores, deno, tfjs, backend, onednn?}, results: BenchRecord[]}`;
 * `deno run -A scripts/bench_table.ts` prints the README's tables from it.
 */
import { cpus } from "node:os";
import { Command } from "commander";
import type { BenchRecord, BenchSuite } from "./suite.ts";
import { nativeMachine } from "./machine.ts";

const program = new Command("bench")
  .option("--reference", "also run the PyTorch reference (Debian's python3-torch) where a suite has one")
  .option("--quick", "smaller sizes and fewer repetitions")
  .option("--only <names...>", "run only these suites")
  .parse(["deno", "bench", ...Deno.args]);
const opts = program.opts<{ reference?: boolean; quick?: boolean; only?: string[] }>();

const suitesDir = new URL("./suites/", import.meta.url);
const names = [...Deno.readDirSync(suitesDir)]
  .filter((e) => e.isFile && e.name.endsWith(".ts"))
  .map((e) => e.name.replace(/\.ts$/, ""))
  .filter((n) => !opts.only || opts.only.includes(n))
  .sort();

const results: BenchRecord[] = [];
for (const name of names) {
  const suite: BenchSuite = (await import(new URL(`${name}.ts`, suitesDir).href)).default;
  console.error(`bench: ${suite.name}`);
  const records = await suite.run({ reference: !!opts.reference, quick: !!opts.quick });
  for (const r of records) console.error(`  ${JSON.stringify(r)}`);
  results.push(...records);
}

const tfjsVersion = JSON.parse(
  Deno.readTextFileSync(new URL("../node_modules/@tensorflow/tfjs-core/package.json", import.meta.url)),
).version;
const outDir = new URL("../outputs/bench/", import.meta.url);
const latest = new URL("latest.json", outDir);

/** With `--only`, the other suites' earlier figures are kept rather than dropped. */
function keptResults(): BenchRecord[] {
  if (!opts.only) return [];
  try {
    const previous: { results: BenchRecord[] } = JSON.parse(Deno.readTextFileSync(latest));
    return previous.results.filter((r) => !names.includes(r.suite));
  } catch {
    return [];
  }
}

const report = {
  date: new Date().toISOString(),
  machine: {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    deno: Deno.version.deno,
    tfjs: tfjsVersion,
    ...(await nativeMachine()),
  },
  results: [...keptResults(), ...results],
};
Deno.mkdirSync(outDir, { recursive: true });
const tmp = new URL(`latest.json.${Deno.pid}.tmp`, outDir);
Deno.writeTextFileSync(tmp, JSON.stringify(report, null, 2) + "\n");
Deno.renameSync(tmp, latest);
console.error(`bench: wrote ${results.length} results to outputs/bench/latest.json`);
