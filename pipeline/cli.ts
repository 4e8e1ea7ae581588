/**
 * The freqlens command line: `deno task cli <command>` (= `deno run -A pipeline/cli.ts`).
 *
 *   run CONFIG [--only S…] [--force S…] [--dry-run] [--jobs N] [--set k=v]… [--sweep stage.k=[v…]]…
 *       [--executor slurm [--wait]]
 *   status CONFIG [--json] [--verify]
 *   metrics CONFIG [--json|--csv] [--stage S…] [--sort K] [--filter k=v]…
 *   cancel CONFIG                 (cancels the SLURM jobs the config has queued or running)
 *   dag CONFIG [--mermaid]
 *   show CONFIG STAGE
 *   gc [--dry-run] [--configs DIR]
 *   migrate CONFIG [--dry-run]    (renames views of earlier versions to the readable instance names)
 *   exec CONFIG INSTANCE          (one instance in this process; what `run` launches)
 *
 * Every command takes `--outputs DIR` (default `FREQLENS_OUTPUTS`, else the project's `outputs/`). Exit
 * codes: 0 success, 1 a stage failed (or a store problem), 2 the config is invalid.
 */
import { Command } from "commander";
import { relative } from "node:path";
import { dagMermaid, dagText } from "./dag.ts";
import { ConfigError, ConfigErrors, errorMessage } from "./errors.ts";
import { execInstance } from "./exec.ts";
import { dieWithRunner } from "./lifeline.ts";
import { collectGarbage } from "./gc.ts";
import { metricsCsv, metricsTable, metricsText } from "./metrics.ts";
import { migrateViews } from "./migrate.ts";
import { executorFor, planPipeline } from "./plan.ts";
import { printRunSummary, runPipeline } from "./scheduler.ts";
import { showText } from "./show.ts";
import { sweepOverride } from "./sweep.ts";
import { planStatus } from "./status.ts";
import { cancelCommand, jobsForStatus, jobText, slurmRunCommand, statusState } from "./slurm/commands.ts";

const collect = (v: string, prev: string[]) => [...prev, v];
const SET_HELP = "override a value: stage.param=value (YAML scalar or flow), or a top-level path (seed=3)";
const SWEEP_HELP = "fan a stage out as `sweep:` in the YAML would: stage.param=[v1,v2,…]";

interface Common {
  set: string[];
  sweep: string[];
  outputs?: string;
  executor?: string;
}
const EXECUTOR_HELP =
  "local (this machine) or slurm (one SLURM job per instance); default FREQLENS_EXECUTOR, else local";

/** `--sweep`s (as the `--set`s they are equivalent to), then `--set`s: what every command passes on. */
const overridesOf = (
  config: string,
  o: Common,
) => [...o.sweep.map((t) => sweepOverride(t, config)), ...o.set];

const program = new Command("freqlens")
  .description("freqlens pipeline: YAML-declared stages, content-hashed cache")
  .showHelpAfterError()
  .exitOverride();

program.command("run")
  .description("run the stages of CONFIG whose outputs are missing or stale")
  .argument("<config>", "pipeline config (YAML)")
  .option("--only <stages...>", "run only these stages or instances (and what they need)")
  .option("--force <stages...>", "rerun these stages or instances even when cached")
  .option("--dry-run", "print what would run and why; run nothing")
  .option("-j, --jobs <n>", "instances run at once", (v) => positiveInt(v, "--jobs"), 1)
  .option("--set <k=v>", SET_HELP, collect, [])
  .option("--sweep <k=[v…]>", SWEEP_HELP, collect, [])
  .option("--outputs <dir>", "outputs directory")
  .option("--executor <name>", EXECUTOR_HELP)
  .option("--wait", "slurm: follow the jobs until they end, with a local run's progress lines and exit code")
  .action(
    async (
      config: string,
      o: Common & { only?: string[]; force?: string[]; dryRun?: boolean; jobs: number; wait?: boolean },
    ) => {
      if (executorFor(o.executor) === "slurm") {
        const opts = { overrides: o.set, outputs: o.outputs, only: o.only, force: o.force, dryRun: o.dryRun };
        return await slurmRunCommand(config, { ...opts, wait: o.wait });
      }
      const s = await runPipeline(config, {
        overrides: overridesOf(config, o),
        outputs: o.outputs,
        only: o.only,
        force: o.force,
        dryRun: o.dryRun,
        jobs: o.jobs,
      });
      if (o.dryRun) {
        for (const w of s.wouldRun) console.log(`would run  ${w.instance}  (${w.reasons.join("; ")})`);
        console.log(`dry run: ${s.wouldRun.length} to run, ${s.cached.length} cached`);
        return;
      }
      printRunSummary(s);
    },
  );

program.command("status")
  .description("per instance: cached / stale / missing, and why")
  .argument("<config>", "pipeline config (YAML)")
  .option("--json", "print JSON")
  .option("--verify", "rehash every output file instead of trusting unchanged size and mtime")
  .option("--set <k=v>", SET_HELP, collect, [])
  .option("--sweep <k=[v…]>", SWEEP_HELP, collect, [])
  .option("--outputs <dir>", "outputs directory")
  .option("--executor <name>", EXECUTOR_HELP)
  .action(async (config: string, o: Common & { json?: boolean; verify?: boolean }) => {
    const executor = executorFor(o.executor);
    const plan = await planPipeline(config, {
      overrides: overridesOf(config, o),
      outputs: o.outputs,
      executor,
    });
    // Jobs first, the store second: a job that ends in between is seen cached, never missing.
    const jobs = await jobsForStatus(plan);
    const st = await planStatus(plan, !!o.verify);
    if (o.json) {
      const instances = st.map((s) => ({
        ...s,
        state: statusState(s, jobs.get(s.instance)),
        job: jobs.get(s.instance),
      }));
      console.log(JSON.stringify({ config: plan.config.name, instances }, null, 2));
      return;
    }
    const states = st.map((s) => statusState(s, jobs.get(s.instance)));
    st.forEach((s, i) => {
      const job = states[i] === s.state ? undefined : jobs.get(s.instance);
      const why = job ? [jobText(job)] : s.reasons;
      console.log(`${states[i].padEnd(8)} ${s.instance}${why.length ? `  (${why.join("; ")})` : ""}`);
      for (const w of s.warnings) console.log(`  warning: ${w}`);
    });
    const kinds = ["cached", "stale", "missing", "queued", "running", "failed"];
    const counts = kinds.map((k) => [k, states.filter((x) => x === k).length] as const);
    // cached, stale and missing always (what scripts read); SLURM states only when there are any
    console.log(
      counts.filter(([k, n]) => n > 0 || kinds.indexOf(k) < 3).map(([k, n]) => `${n} ${k}`).join(", "),
    );
  });

program.command("cancel")
  .description("cancel the SLURM jobs this config has queued or running")
  .argument("<config>", "pipeline config (YAML)")
  .option("--set <k=v>", SET_HELP, collect, [])
  .option("--outputs <dir>", "outputs directory")
  .action(async (config: string, o: Common) => {
    await cancelCommand(config, { overrides: o.set, outputs: o.outputs });
  });

program.command("metrics")
  .description("one row per instance: coordinates, params that differ, headline metrics (as the report)")
  .argument("<config>", "pipeline config (YAML)")
  .option("--json", "print JSON")
  .option("--csv", "print CSV (value, lo, hi columns per metric)")
  .option("--stage <stages...>", "only these stages or instances")
  .option("--sort <key>", "sort by a coordinate, param or metric id (-key: descending)")
  .option(
    "--filter <k=v>",
    "keep rows whose coordinate, param, metric, stage or state k equals v",
    collect,
    [],
  )
  .option("--set <k=v>", SET_HELP, collect, [])
  .option("--sweep <k=[v…]>", SWEEP_HELP, collect, [])
  .option("--outputs <dir>", "outputs directory")
  .action(
    async (
      config: string,
      o: Common & { json?: boolean; csv?: boolean; stage?: string[]; sort?: string; filter: string[] },
    ) => {
      const plan = await planPipeline(config, { overrides: overridesOf(config, o), outputs: o.outputs });
      const rows = await metricsTable(plan, { stages: o.stage, filters: o.filter, sort: o.sort });
      if (o.json) console.log(JSON.stringify({ config: plan.config.name, rows }, null, 2));
      else if (o.csv) Deno.stdout.writeSync(new TextEncoder().encode(metricsCsv(rows)));
      else console.log(metricsText(rows));
    },
  );

program.command("dag")
  .description("print the expanded stage graph")
  .argument("<config>", "pipeline config (YAML)")
  .option("--mermaid", "print a Mermaid flowchart")
  .option("--set <k=v>", SET_HELP, collect, [])
  .option("--sweep <k=[v…]>", SWEEP_HELP, collect, [])
  .option("--outputs <dir>", "outputs directory")
  .action(async (config: string, o: Common & { mermaid?: boolean }) => {
    const plan = await planPipeline(config, { overrides: overridesOf(config, o), outputs: o.outputs });
    console.log(o.mermaid ? dagMermaid(plan) : dagText(plan));
  });

program.command("show")
  .description("entry path, manifest summary and files of a stage's instances")
  .argument("<config>", "pipeline config (YAML)")
  .argument("<stage>", "stage or instance name")
  .option("--set <k=v>", SET_HELP, collect, [])
  .option("--sweep <k=[v…]>", SWEEP_HELP, collect, [])
  .option("--outputs <dir>", "outputs directory")
  .option("--executor <name>", EXECUTOR_HELP)
  .action(async (config: string, stage: string, o: Common) => {
    const executor = executorFor(o.executor);
    const plan = await planPipeline(config, {
      overrides: overridesOf(config, o),
      outputs: o.outputs,
      executor,
    });
    console.log(await showText(plan, stage));
  });

program.command("gc")
  .description("remove store entries that no config under --configs reaches")
  .option("--dry-run", "list what would be removed")
  .option("--configs <dir>", "directory of configs that define what is reachable", "configs")
  .option("--outputs <dir>", "outputs directory")
  .action(async (o: { dryRun?: boolean; configs: string; outputs?: string }) => {
    const r = await collectGarbage(o.configs, o.outputs ?? "", !!o.dryRun);
    for (const p of r.removed) {
      console.log(`${o.dryRun ? "would remove" : "removed"} ${relative(Deno.cwd(), p)}`);
    }
    console.log(
      `${r.configs.length} configs reach ${r.reachable} entries; ${o.dryRun ? "would free" : "freed"} ` +
        `${(r.bytes / 1024 ** 2).toFixed(1)} MiB in ${r.removed.length} paths`,
    );
  });

program.command("migrate")
  .description("rename the views earlier versions made under legacy instance names to the readable names")
  .argument("<config>", "pipeline config (YAML)")
  .option("--dry-run", "list what would be renamed")
  .option("--set <k=v>", SET_HELP, collect, [])
  .option("--sweep <k=[v…]>", SWEEP_HELP, collect, [])
  .option("--outputs <dir>", "outputs directory")
  .action(async (config: string, o: Common & { dryRun?: boolean }) => {
    const plan = await planPipeline(config, { overrides: overridesOf(config, o), outputs: o.outputs });
    const r = migrateViews(plan, !!o.dryRun);
    const dir = relative(Deno.cwd(), plan.layout.views(plan.config.name)) || ".";
    for (const [from, to] of r.renamed) {
      console.log(`${o.dryRun ? "would rename" : "renamed"} ${from} → ${to}`);
    }
    for (const v of r.removed) console.log(`${o.dryRun ? "would remove" : "removed"} ${v} (superseded)`);
    console.log(
      `${dir}: ${r.renamed.length} views ${o.dryRun ? "to rename" : "renamed"}, ${r.removed.length} ` +
        `superseded legacy views ${o.dryRun ? "to remove" : "removed"}, ${r.current} already current`,
    );
  });

program.command("exec")
  .description("run one instance in this process and write its store entry (what `run` launches)")
  .argument("<config>", "pipeline config (YAML)")
  .argument("<instance>", "instance name, e.g. 'attack[method=pgd,eps=0.03]'")
  .option("--force", "rerun even when the entry exists")
  .option("--expect-key <key>", "fail unless the instance's key is this one (set by `run`)")
  .option("--set <k=v>", SET_HELP, collect, [])
  .option("--sweep <k=[v…]>", SWEEP_HELP, collect, [])
  .option("--outputs <dir>", "outputs directory")
  .option("--executor <name>", "slurm: threads and keys as a SLURM job of `run --executor slurm` has them")
  .action(async (config: string, instance: string, o: Common & { force?: boolean; expectKey?: string }) => {
    dieWithRunner();
    const report = Deno.env.get("FREQLENS_EXEC_REPORT");
    try {
      const r = await execInstance(config, instance, {
        overrides: overridesOf(config, o),
        outputs: o.outputs,
        force: o.force,
        expectKey: o.expectKey,
        executor: executorFor(o.executor),
      });
      if (report) Deno.writeTextFileSync(report, JSON.stringify(r));
    } catch (e) {
      if (report) Deno.writeTextFileSync(report, JSON.stringify({ error: errorMessage(e) }));
      throw e;
    }
  });

function positiveInt(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} expects a positive integer, got '${v}'`);
  return n;
}

if (import.meta.main) {
  try {
    await program.parseAsync(Deno.args, { from: "user" });
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    if (err.code?.startsWith("commander.")) Deno.exit(err.exitCode ?? 2);
    console.error(`error: ${errorMessage(err)}`);
    Deno.exit(err instanceof ConfigError || err instanceof ConfigErrors ? 2 : 1);
  }
}
