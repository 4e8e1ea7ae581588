/**
 * Pipeline engine overhead: wall time of `cli status` and of a fully cached `cli run` on a generated
 * 50-stage config of toy tasks, beyond Deno's own start-up (`deno run` of an empty file), and how those
 * times grow when the store holds 50, 500 and 5000 unrelated entries (they should not: status only looks
 * up the keys the config needs). Also: status with a cold engine cache (`outputs/.cache` removed) and
 * after editing one source file, which costs one `deno info` for the tasks that import it.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchOptions, BenchRecord, BenchSuite } from "../suite.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = join(ROOT, "pipeline", "cli.ts");
const FIXTURES = join(ROOT, "tests", "fixtures", "pipeline");

/** A 50-stage config: 10 independent `emit` stages and 40 `total` stages, each reading two earlier ones. */
function config50(tasksDir: string): string {
  const lines = [`name: bench50`, `seed: 1`, `tasks_dir: ${JSON.stringify(tasksDir)}`, `stages:`];
  for (let i = 0; i < 10; i++) lines.push(`  e${i}:`, `    task: emit`, `    params: {value: ${i}}`);
  for (let i = 0; i < 40; i++) {
    const a = i < 10 ? `e${i}` : `t${i - 10}`;
    const b = i < 9 ? `e${i + 1}` : `t${i - 9}`;
    lines.push(`  t${i}:`, `    task: total`, `    inputs:`, `      parts: {stage: ${a}, gather: true}`);
    lines.push(`      more: ${b}`);
  }
  return lines.join("\n") + "\n";
}

async function wall(args: string[], env: Record<string, string> = {}): Promise<number> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), { args, env, stdout: "null", stderr: "piped" })
    .output();
  const t = (performance.now() - t0) / 1000;
  if (!out.success) throw new Error(`${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  return t;
}

/** Median and minimum of `reps` timings (the minimum is the better estimate on a loaded machine). */
async function timings(reps: number, f: () => Promise<number>): Promise<{ median: number; min: number }> {
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) ts.push(await f());
  ts.sort((a, b) => a - b);
  return { median: ts[Math.floor(ts.length / 2)], min: ts[0] };
}

/** Adds `n` fake entries (copies of one real entry's manifest under random keys) to the store. */
function padStore(outputs: string, n: number): void {
  const store = join(outputs, ".store");
  const real = [...Deno.readDirSync(store)].find((e) => e.isDirectory && !e.name.startsWith("."))!.name;
  const manifest = Deno.readTextFileSync(join(store, real, "manifest.json"));
  for (let i = 0; i < n; i++) {
    const key = crypto.randomUUID().replaceAll("-", "");
    Deno.mkdirSync(join(store, key));
    Deno.writeTextFileSync(join(store, key, "manifest.json"), manifest.replace(real, key));
    Deno.writeTextFileSync(join(store, key, "value.json"), "{}");
  }
}

const suite: BenchSuite = {
  name: "pipeline",
  async run(options: BenchOptions): Promise<BenchRecord[]> {
    const reps = options.quick ? 3 : 5;
    const dir = await Deno.makeTempDir({ prefix: "freqlens-bench-" });
    const records: BenchRecord[] = [];
    try {
      // Private copy of the toy tasks, so the "edit one source file" case does not touch the repo.
      const taskUrl = new URL("../../pipeline/task.ts", import.meta.url).href;
      Deno.mkdirSync(join(dir, "tasks"));
      Deno.mkdirSync(join(dir, "lib"));
      for (const name of ["emit", "total"]) {
        const src = Deno.readTextFileSync(join(FIXTURES, "tasks", `${name}.ts`));
        Deno.writeTextFileSync(
          join(dir, "tasks", `${name}.ts`),
          src.replace("../../../../pipeline/task.ts", taskUrl),
        );
      }
      Deno.copyFileSync(join(FIXTURES, "lib", "arith.ts"), join(dir, "lib", "arith.ts"));
      const cfg = join(dir, "bench50.yaml");
      Deno.writeTextFileSync(cfg, config50(join(dir, "tasks")));
      const outputs = join(dir, "outputs");
      const cli = (
        cmd: string,
      ) => ["run", "-A", "--config", join(ROOT, "deno.json"), CLI, cmd, cfg, "--outputs", outputs];
      const empty = join(dir, "empty.ts");
      Deno.writeTextFileSync(empty, "");
      const startup = (await timings(reps, () => wall(["run", "-A", empty]))).min;
      const cliLoad = (await timings(reps, () => wall(["run", "-A", CLI, "--help"]))).min;
      const t0 = performance.now();
      await wall([...cli("run"), "--jobs", "2"]);
      const firstRun = (performance.now() - t0) / 1000;
      records.push({
        suite: "pipeline",
        case: "first run, 50 toy stages (--jobs 2)",
        seconds: firstRun,
        extra: { per_stage_s: firstRun / 50 },
      });
      const record = (
        caseName: string,
        t: { median: number; min: number },
        extra: Record<string, unknown> = {},
      ) =>
        records.push({
          suite: "pipeline",
          case: caseName,
          seconds: t.median,
          extra: {
            beyond_deno_startup_s: t.median - startup,
            min_s: t.min,
            min_beyond_deno_startup_s: t.min - startup,
            deno_startup_s: startup,
            cli_load_s: cliLoad,
            stages: 50,
            ...extra,
          },
        });
      for (const entries of options.quick ? [50, 500] : [50, 500, 5000]) {
        const have = [...Deno.readDirSync(join(outputs, ".store"))].filter((e) =>
          !e.name.startsWith(".")
        ).length;
        if (entries > have) padStore(outputs, entries - have);
        record(
          `status, 50 stages, ${entries} store entries`,
          await timings(reps, () => wall(cli("status"))),
          {
            store_entries: entries,
          },
        );
        record(
          `cached run, 50 stages, ${entries} store entries`,
          await timings(reps, () => wall(cli("run"))),
          {
            store_entries: entries,
          },
        );
      }
      record(
        "status, cold engine cache (outputs/.cache removed)",
        await timings(reps, async () => {
          Deno.removeSync(join(outputs, ".cache"), { recursive: true });
          return await wall(cli("status"));
        }),
      );
      const arith = join(dir, "lib", "arith.ts");
      record(
        "status after editing one imported source file",
        await timings(reps, async () => {
          Deno.writeTextFileSync(arith, "// edit\n", { append: true });
          return await wall(cli("status"));
        }),
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
    return records;
  },
};

export default suite;
