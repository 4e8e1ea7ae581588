/**
 * Runs only the `occlusion` bench suite and writes its records to `outputs/bench/occlusion.json`, leaving
 * `outputs/bench/latest.json` (the whole bench's) untouched. Run: `deno run -A scripts/occlusion_bench.ts
 * [--quick]`.
 */
import { cpus } from "node:os";
import { writeJsonAtomic } from "../lib/io/mod.ts";
import suite from "../bench/suites/occlusion.ts";

const quick = Deno.args.includes("--quick");
const results = await suite.run({ reference: false, quick });
for (const r of results) console.error(JSON.stringify(r));
await Deno.mkdir("outputs/bench", { recursive: true });
await writeJsonAtomic("outputs/bench/occlusion.json", {
  date: new Date().toISOString(),
  machine: { cpu: cpus()[0]?.model ?? "unknown", cores: cpus().length, deno: Deno.version.deno },
  results,
});
