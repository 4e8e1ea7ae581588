/**
 * `cli run`: plans a config, then runs every instance whose entry is missing or stale — each in its own
 * process (`cli exec`), upstream first, up to `jobs` at once. A failure stops the instances that depend on
 * it, not the others. Two runs at once are safe: `exec` takes the key's lock and finds the entry made by
 * the other run.
 */
import { join } from "node:path";
import { tmpdir } from "node:os";
import { StoreError } from "./errors.ts";
import type { ExecResult } from "./exec.ts";
import { type Plan, type PlannedInstance, type PlanOptions, planPipeline } from "./plan.ts";
import { removeOrphanRunDirs, RUN_DIR_PREFIX, RUNNER_PID_ENV } from "./lifeline.ts";
import { execCommandArgs } from "./exec_command.ts";
import { planStatus } from "./status.ts";
import { updateView } from "./store.ts";
import { didYouMean } from "./suggest.ts";
import { contendedOpenMpEnv } from "../lib/backend/native/threads.ts";

/** Options of {@link runPipeline}. */
export interface RunOptions extends PlanOptions {
  /** Run only these stages or instances and what they need. */
  only?: string[];
  /** Rerun these stages or instances even when cached. */
  force?: string[];
  /** Print what would run, run nothing. */
  dryRun?: boolean;
  /** Instances run at once (default 1). */
  jobs?: number;
  /** Where progress lines go (default stderr). */
  say?: (line: string) => void;
}

/** What a run did. */
export interface RunSummary {
  ran: string[];
  cached: string[];
  failed: { instance: string; reason: string }[];
  /** Not run because an upstream instance failed. */
  skipped: { instance: string; because: string }[];
  /** With `dryRun`: what would run, with reasons. */
  wouldRun: { instance: string; reasons: string[] }[];
}

/**
 * Prints a finished run as `cli run` shows it: the summary line (unless `headline` is false), each
 * instance that ran, failed or was skipped; sets exit code 1 when any failed or was skipped.
 */
export function printRunSummary(s: RunSummary, headline = true): void {
  if (headline) {
    console.log(
      `ran ${s.ran.length}, cached ${s.cached.length}, failed ${s.failed.length}, skipped ${s.skipped.length}`,
    );
    for (const r of s.ran) console.log(`  ran      ${r}`);
  }
  for (const f of s.failed) console.log(`  failed   ${f.instance}: ${f.reason}`);
  for (const k of s.skipped) console.log(`  skipped  ${k.instance}: ${k.because}`);
  if (s.failed.length || s.skipped.length) Deno.exitCode = 1;
}

/** Instances named by `names` (stage or instance names); throws on a name that matches nothing. */
export function selectInstances(plan: Plan, names: string[], option: string): Set<string> {
  const out = new Set<string>();
  for (const name of names) {
    const hits = plan.instances.filter((i) =>
      i.name === name || i.legacyName === name || i.stage.name === name
    );
    if (hits.length === 0) {
      const all = [...plan.config.stages.map((s) => s.name), ...plan.byName.keys()];
      throw new StoreError(`${option} ${name}: no such stage or instance${didYouMean(name, all)}`);
    }
    hits.forEach((h) => out.add(h.name));
  }
  return out;
}

/** What a run must do: the instances to run (upstream first), with why, and the cached ones. */
export interface RunSelection {
  todo: PlannedInstance[];
  /** Instance → why it runs (`--force`, or the status reasons). */
  why: Map<string, string>;
  forced: Set<string>;
  summary: RunSummary;
}

/**
 * Selects what a run of `plan` must do (`--only`, `--force`, status); points the views of cached
 * instances at their entries unless `dryRun`.
 */
export async function selectRun(
  plan: Plan,
  options: RunOptions,
  say: (line: string) => void,
): Promise<RunSelection> {
  let selected = new Set(plan.byName.keys());
  if (options.only?.length) {
    selected = selectInstances(plan, options.only, "--only");
    for (const inst of [...plan.instances].reverse()) {
      if (selected.has(inst.name)) Object.values(inst.inputs).flat().forEach((n) => selected.add(n));
    }
  }
  const forced = selectInstances(plan, options.force ?? [], "--force");
  const statuses = new Map((await planStatus(plan)).map((s) => [s.instance, s]));
  const summary: RunSummary = { ran: [], cached: [], failed: [], skipped: [], wouldRun: [] };
  const todo: PlannedInstance[] = [];
  for (const inst of plan.instances) {
    if (!selected.has(inst.name)) continue;
    const st = statuses.get(inst.name)!;
    for (const w of st.warnings) say(`warning: ${w}; it will be recomputed`);
    if (st.state === "cached" && !forced.has(inst.name)) {
      summary.cached.push(inst.name);
      if (!options.dryRun) updateView(plan.layout, plan.config.name, inst.name, inst.key, inst.legacyName);
    } else {
      todo.push(inst);
      const reasons = forced.has(inst.name) ? ["--force"] : st.reasons;
      if (options.dryRun) summary.wouldRun.push({ instance: inst.name, reasons });
    }
  }
  const why = new Map(
    todo.map((i) => [i.name, forced.has(i.name) ? "--force" : statuses.get(i.name)!.reasons.join("; ")]),
  );
  return { todo, why, forced, summary };
}

/** Runs the config at `configPath`; see {@link RunOptions}. */
export async function runPipeline(configPath: string, options: RunOptions = {}): Promise<RunSummary> {
  const say = options.say ?? ((line: string) => console.error(line));
  const plan = await planPipeline(configPath, { ...options, executor: "local" });
  const { todo, why: whyOf, forced, summary } = await selectRun(plan, options, say);
  if (options.dryRun || todo.length === 0) return summary;

  const jobs = Math.max(1, options.jobs ?? 1);
  say(`${plan.config.name}: ${todo.length} to run, ${summary.cached.length} cached (--jobs ${jobs})`);
  const state = new Map<string, "ran" | "cached" | "failed" | "skipped">();
  summary.cached.forEach((n) => state.set(n, "cached"));
  for (const line of removeOrphanRunDirs(tmpdir())) say(line);
  const reportDir = await Deno.makeTempDir({ prefix: `${RUN_DIR_PREFIX}${Deno.pid}-` });
  const children = new Set<Deno.ChildProcess>();
  const stop = stopOnSignals(children, reportDir, say);
  const running = new Map<string, Promise<void>>();
  const pending = [...todo];
  let started = 0;
  try {
    while (pending.length || running.size) {
      for (let i = 0; i < pending.length && running.size < jobs;) {
        const inst = pending[i];
        const ups = Object.values(inst.inputs).flat();
        const bad = ups.find((u) => state.get(u) === "failed" || state.get(u) === "skipped");
        if (bad) {
          pending.splice(i, 1);
          state.set(inst.name, "skipped");
          summary.skipped.push({ instance: inst.name, because: `${bad} ${state.get(bad)}` });
          say(`- ${inst.name}: skipped (${bad} ${state.get(bad)})`);
          continue;
        }
        if (!ups.every((u) => state.get(u) === "ran" || state.get(u) === "cached")) {
          i++;
          continue;
        }
        pending.splice(i, 1);
        started++;
        say(`▶ [${started}/${todo.length}] ${inst.name} (${whyOf.get(inst.name)})`);
        const p = spawnExec(plan, inst, forced.has(inst.name), jobs > 1, reportDir, options, children).then(
          (r) => {
            running.delete(inst.name);
            if ("error" in r) {
              state.set(inst.name, "failed");
              summary.failed.push({ instance: inst.name, reason: r.error });
              say(`✗ ${inst.name}: failed: ${r.error}`);
            } else {
              state.set(inst.name, r.status);
              (r.status === "ran" ? summary.ran : summary.cached).push(inst.name);
              say(
                `✓ ${inst.name} ${
                  r.status === "ran" ? `${r.seconds.toFixed(2)} s` : "(made by another run)"
                }`,
              );
            }
          },
        );
        running.set(inst.name, p);
      }
      if (running.size) await Promise.race(running.values());
      else if (pending.length) {
        // Nothing runnable and nothing running: only possible if the plan were inconsistent.
        throw new StoreError(`scheduler stuck with ${pending.map((p) => p.name).join(", ")} pending`);
      }
    }
  } finally {
    stop();
    await Deno.remove(reportDir, { recursive: true });
  }
  return summary;
}

/**
 * While stages run: on SIGINT or SIGTERM, stop every running stage process, remove the run's temporary
 * folder and exit (130 / 143). Returns the function that removes the handlers.
 */
function stopOnSignals(children: Set<Deno.ChildProcess>, reportDir: string, say: (line: string) => void) {
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  const handlers = signals.map((sig) => () => {
    say(`${sig}: stopping ${children.size} running stage process(es); nothing of theirs enters the store`);
    for (const c of children) {
      try {
        c.kill("SIGTERM");
      } catch {
        // already gone
      }
    }
    try {
      Deno.removeSync(reportDir, { recursive: true });
    } catch {
      // already gone
    }
    Deno.exit(sig === "SIGINT" ? 130 : 143);
  });
  signals.forEach((sig, i) => Deno.addSignalListener(sig, handlers[i]));
  return () => signals.forEach((sig, i) => Deno.removeSignalListener(sig, handlers[i]));
}

/** Launches `cli exec` for one instance and waits for it; side by side with others (`--jobs` > 1) its output
 * is piped with the instance's name and its OpenMP threads spin briefly (they share the cores). */
async function spawnExec(
  plan: Plan,
  inst: PlannedInstance,
  force: boolean,
  sideBySide: boolean,
  reportDir: string,
  options: RunOptions,
  children: Set<Deno.ChildProcess>,
): Promise<ExecResult | { error: string }> {
  const report = join(reportDir, `${inst.key}.json`);
  const args = execCommandArgs(plan, inst, "local", { overrides: options.overrides, force });
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env: {
      FREQLENS_EXEC_REPORT: report,
      [RUNNER_PID_ENV]: String(Deno.pid),
      // stages side by side share the cores: OpenMP threads that spin long would take them from each other
      ...(sideBySide ? contendedOpenMpEnv() : {}),
    },
    stdin: "null",
    stdout: sideBySide ? "piped" : "inherit",
    stderr: sideBySide ? "piped" : "inherit",
  }).spawn();
  children.add(child);
  const pumps = sideBySide
    ? [prefixLines(child.stdout, inst.name), prefixLines(child.stderr, inst.name)]
    : [];
  const status = await child.status;
  children.delete(child);
  await Promise.all(pumps);
  let result: ExecResult | { error: string } | undefined;
  try {
    result = JSON.parse(Deno.readTextFileSync(report));
  } catch {
    // no report: the process died before writing it
  }
  if (status.success && result && !("error" in result)) return result;
  if (result && "error" in result) return result;
  return { error: status.signal ? `killed by ${status.signal}` : `exited with code ${status.code}` };
}

async function prefixLines(stream: ReadableStream<Uint8Array>, name: string): Promise<void> {
  let buf = "";
  const prefix = `[${name}]`;
  const out = (line: string) =>
    Deno.stderr.writeSync(
      new TextEncoder().encode(`${line.startsWith(prefix) ? "" : prefix + " "}${line}\n`),
    );
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    const lines = buf.split("\n");
    buf = lines.pop()!;
    lines.forEach(out);
  }
  if (buf) out(buf);
}
