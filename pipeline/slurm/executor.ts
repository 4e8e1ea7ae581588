/**
 * `cli run --executor slurm`: hands a config's DAG to SLURM, the way Snakemake's SLURM executor does. Every
 * instance that must run is submitted as one job running `cli exec` for it, with `--dependency=afterok:` on
 * the jobs of its inputs, so the whole config is queued at once. Cached instances are not submitted;
 * instances whose job (from an earlier run) is still queued or running are not submitted again, and the
 * submit lock makes two runs at once submit each instance once. A failed job's dependents are cancelled by
 * SLURM (`--kill-on-invalid-dep`); the others go on. With `wait`, the run follows its jobs and prints the
 * progress lines and summary of a local run.
 */
import { join } from "node:path";
import { type Plan, type PlannedInstance, planPipeline } from "../plan.ts";
import type { RunOptions, RunSummary } from "../scheduler.ts";
import { selectRun } from "../scheduler.ts";
import { entryState, inputsChangedSince, updateView } from "../store.ts";
import type { OutputsLayout } from "../layout.ts";
import { onPath } from "./shell.ts";
import { checkStore } from "./fscheck.ts";
import { inspectJobs, type JobView } from "./jobs.ts";
import { jobName, jobScript, sbatchArgs } from "./jobscript.ts";
import { SlurmMarkers, type Submission } from "./markers.ts";
import { isActive, sbatch, scancel, squeue } from "./queue.ts";

/** Options of {@link runSlurm}. */
export interface SlurmRunOptions extends RunOptions {
  /** Follow the jobs until they end (progress lines, summary and exit code of a local run). */
  wait?: boolean;
  /** Milliseconds between two looks at the queue while waiting (default `FREQLENS_SLURM_POLL_MS`, else 5000). */
  pollMs?: number;
}

/** What a slurm run did: a local run's summary plus the jobs it submitted or found queued. */
export interface SlurmRunSummary extends RunSummary {
  /** Instance → job id, for jobs this run submitted. */
  submitted: Map<string, string>;
  /** Instance → job id, for jobs an earlier run submitted that are still queued or running. */
  adopted: Map<string, string>;
  /** With `dryRun`: instance → its job script and sbatch arguments. */
  scripts: Map<string, { script: string; args: string[] }>;
  /** Notes from the store check. */
  notes: string[];
}

/** Runs the config at `configPath` on SLURM; see {@link SlurmRunOptions}. */
export async function runSlurm(configPath: string, options: SlurmRunOptions = {}): Promise<SlurmRunSummary> {
  const say = options.say ?? ((line: string) => console.error(line));
  const plan = await planPipeline(configPath, { ...options, executor: "slurm" });
  const notes = options.dryRun ? [] : await checkStore(plan.layout);
  for (const n of notes) say(`note: ${n}`);
  const result: SlurmRunSummary = {
    ...emptySummary(),
    submitted: new Map(),
    adopted: new Map(),
    scripts: new Map(),
    notes,
  };
  const jobOf = new Map<string, string>();
  let todo: PlannedInstance[] = [];
  await withSubmitLock(plan, !options.dryRun, async () => {
    const sel = await selectRun(plan, options, say);
    Object.assign(result, { cached: sel.summary.cached, wouldRun: sel.summary.wouldRun });
    todo = sel.todo;
    const subs = new Map<string, Submission>();
    for (const inst of todo) {
      const s = new SlurmMarkers(plan.layout, inst.key).submission();
      if (s) subs.set(inst.name, s);
    }
    const queued = options.dryRun ? new Map() : await squeue([...subs.values()].map((s) => s.job_id));
    for (const inst of todo) {
      const sub = subs.get(inst.name);
      const q = sub ? queued.get(sub.job_id) : undefined;
      if (sub && q && q.name === sub.job_name && isActive(q)) {
        jobOf.set(inst.name, sub.job_id);
        result.adopted.set(inst.name, sub.job_id);
        say(`= ${inst.name}: already ${q.state.toLowerCase()} as job ${sub.job_id}`);
        continue;
      }
      if (sub && !sel.forced.has(inst.name) && await madeMeanwhile(plan, inst)) {
        result.cached.push(inst.name);
        updateView(plan.layout, plan.config.name, inst.name, inst.key, inst.legacyName);
        say(`= ${inst.name}: made meanwhile by job ${sub.job_id}`);
        continue;
      }
      const ups = Object.values(inst.inputs).flat();
      const bad = ups.find((u) =>
        result.failed.some((f) => f.instance === u) || result.skipped.some((k) => k.instance === u)
      );
      if (bad) {
        result.skipped.push({ instance: inst.name, because: `${bad} was not submitted` });
        continue;
      }
      const deps = ups.filter((u) => jobOf.has(u)).map((u) => jobOf.get(u)!);
      const markers = new SlurmMarkers(plan.layout, inst.key);
      const script = jobScript(plan, inst, markers, {
        overrides: options.overrides,
        force: sel.forced.has(inst.name),
      });
      const args = sbatchArgs(markers, deps);
      if (options.dryRun) {
        jobOf.set(inst.name, `<job of ${inst.name}>`);
        result.scripts.set(inst.name, { script, args });
        continue;
      }
      try {
        const id = await submit(plan, inst, markers, script, args, deps);
        jobOf.set(inst.name, id);
        result.submitted.set(inst.name, id);
        const after = deps.length ? ` (after ${deps.join(", ")})` : "";
        say(`submitted ${inst.name} as job ${id}${after} (${sel.why.get(inst.name)})`);
      } catch (e) {
        result.failed.push({ instance: inst.name, reason: `${(e as Error).message} [${asked(inst)}]` });
        say(`✗ ${inst.name}: not submitted: ${(e as Error).message}`);
      }
    }
  });
  if (options.dryRun || !options.wait || jobOf.size === 0) return result;
  await follow(plan, todo.filter((i) => jobOf.has(i.name)), result, options, say);
  return result;
}

/**
 * True when the entry of `inst` is now in the store and current: its job (submitted by another run) ended
 * between the status this run computed and its look at the queue, so it must not be submitted again.
 */
async function madeMeanwhile(plan: Plan, inst: PlannedInstance): Promise<boolean> {
  const st = await entryState(plan.layout, inst.key);
  return st.state === "valid" && inputsChangedSince(plan.layout, st.manifest).length === 0;
}

/** Writes the job script, submits it and records the submission; returns the job id. */
async function submit(
  plan: Plan,
  inst: PlannedInstance,
  markers: SlurmMarkers,
  script: string,
  args: string[],
  deps: string[],
): Promise<string> {
  Deno.mkdirSync(markers.dir, { recursive: true });
  Deno.writeTextFileSync(markers.script, script);
  const id = await sbatch(args);
  markers.record({
    format: 1,
    job_id: id,
    job_name: jobName(plan, inst),
    key: inst.key,
    instance: inst.name,
    config: plan.config.name,
    submitted: new Date().toISOString(),
    dependencies: deps,
  });
  return id;
}

/** What an instance asked for and where each value came from, for a failed submission's message. */
function asked(inst: PlannedInstance): string {
  const r = inst.resources as unknown as Record<string, unknown>;
  return "asked: " +
    Object.entries(inst.resources.from).map(([k, from]) => `${k}=${r[k]} from ${from}`).join(", ");
}

/** Cancels the queued and running jobs of the config's instances; returns instance → cancelled job id. */
export async function cancelSlurm(
  configPath: string,
  options: RunOptions = {},
): Promise<Map<string, string>> {
  const plan = await planPipeline(configPath, { ...options, executor: "slurm" });
  const views = await slurmJobs(plan);
  const active = [...views].filter(([, v]) => v.phase === "queued" || v.phase === "running");
  await scancel(active.map(([, v]) => v.job));
  return new Map(active.map(([name, v]) => [name, v.job]));
}

/** Jobs of `plan`'s instances that are not in the store: instance → what became of its last job. */
export async function slurmJobs(plan: Plan): Promise<Map<string, JobView>> {
  const subs = new Map<string, Submission>();
  for (const inst of plan.instances) {
    const s = new SlurmMarkers(plan.layout, inst.key).submission();
    if (s) subs.set(inst.name, s);
  }
  if (subs.size === 0) return new Map();
  return await inspectJobs(plan, subs, await squeue([...subs.values()].map((s) => s.job_id)));
}

/** Keys whose last SLURM job is still queued or running (read from every key's marker and one `squeue`). */
export async function activeSlurmKeys(layout: OutputsLayout): Promise<Set<string>> {
  const subs: Submission[] = [];
  for (const e of Deno.readDirSync(SlurmMarkers.root(layout))) {
    const s = e.isDirectory ? new SlurmMarkers(layout, e.name).submission() : undefined;
    if (s) subs.push(s);
  }
  if (subs.length === 0 || !onPath("squeue")) return new Set();
  const queued = await squeue(subs.map((s) => s.job_id));
  return new Set(
    subs.filter((s) => {
      const q = queued.get(s.job_id);
      return q && q.name === s.job_name && isActive(q);
    }).map((s) => s.key),
  );
}

/** Follows the jobs of `todo` until each is done, failed or skipped, saying what happens. */
async function follow(
  plan: Plan,
  todo: PlannedInstance[],
  result: SlurmRunSummary,
  options: SlurmRunOptions,
  say: (line: string) => void,
): Promise<void> {
  const pollMs = options.pollMs ?? Number(Deno.env.get("FREQLENS_SLURM_POLL_MS") ?? 5000);
  const subs = new Map<string, Submission>();
  for (const inst of todo) subs.set(inst.name, new SlurmMarkers(plan.layout, inst.key).submission()!);
  const state = new Map<string, "ran" | "cached" | "failed" | "skipped">();
  const announced = new Set<string>();
  const tails = new Map<string, number>();
  let started = 0;
  say(
    `${plan.config.name}: ${todo.length} jobs to follow, ${result.cached.length} cached (--executor slurm)`,
  );
  while (state.size < todo.length) {
    const open = new Map([...subs].filter(([n]) => !state.has(n)));
    const views = await inspectJobs(plan, open, await squeue([...open.values()].map((s) => s.job_id)));
    for (const inst of todo) {
      const v = views.get(inst.name);
      if (!v) continue;
      if ((v.phase === "running" || v.started) && !announced.has(inst.name)) {
        announced.add(inst.name);
        say(`▶ [${++started}/${todo.length}] ${inst.name} (job ${v.job}${v.node ? ` on ${v.node}` : ""})`);
      }
      if (announced.has(inst.name)) {
        tailLines(new SlurmMarkers(plan.layout, inst.key).out(v.job), inst.name, tails, say);
      }
      if (v.phase === "done") {
        state.set(inst.name, v.made ? "ran" : "cached");
        (v.made ? result.ran : result.cached).push(inst.name);
        updateView(plan.layout, plan.config.name, inst.name, inst.key, inst.legacyName);
        say(
          `✓ ${inst.name} ${
            v.made ? `${(v.seconds ?? 0).toFixed(2)} s` : "(made by another run)"
          } (job ${v.job})`,
        );
      } else if (v.phase === "failed") {
        const ups = Object.values(inst.inputs).flat();
        const bad = ups.find((u) => state.get(u) === "failed" || state.get(u) === "skipped");
        if (!v.started && bad) {
          state.set(inst.name, "skipped");
          result.skipped.push({ instance: inst.name, because: `${bad} ${state.get(bad)}` });
          say(`- ${inst.name}: skipped (${bad} ${state.get(bad)}; job ${v.job} ${v.slurmState})`);
        } else if (!v.started && ups.some((u) => subs.has(u) && !state.has(u))) {
          continue; // SLURM cancelled it for an upstream failure this loop has not seen yet
        } else {
          state.set(inst.name, "failed");
          const reason = `job ${v.job} ${v.slurmState}: ${v.why}; log ${v.log}`;
          result.failed.push({ instance: inst.name, reason });
          say(`✗ ${inst.name}: failed: ${reason}`);
        }
      }
    }
    if (state.size < todo.length) await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Prints the lines a job's output file gained since last time, prefixed with the instance name. */
function tailLines(
  path: string,
  name: string,
  offsets: Map<string, number>,
  say: (line: string) => void,
): void {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch {
    return;
  }
  const from = offsets.get(path) ?? 0;
  const text = new TextDecoder().decode(bytes.subarray(from));
  const end = text.lastIndexOf("\n");
  if (end < 0) return;
  offsets.set(path, from + new TextEncoder().encode(text.slice(0, end + 1)).length);
  const prefix = `[${name}]`;
  for (const line of text.slice(0, end).split("\n")) {
    say(line.startsWith(prefix) ? line : `${prefix} ${line}`);
  }
}

/** Runs `fn` holding `.store/.slurm/submit.lock` (when `lock`), so concurrent runs submit one at a time. */
async function withSubmitLock(plan: Plan, lock: boolean, fn: () => Promise<void>): Promise<void> {
  if (!lock) return await fn();
  const path = SlurmMarkers.submitLock(plan.layout);
  Deno.mkdirSync(join(path, ".."), { recursive: true });
  const file = await Deno.open(path, { read: true, write: true, create: true });
  try {
    await file.lock(true);
    await fn();
  } finally {
    file.close();
  }
}

function emptySummary(): RunSummary {
  return { ran: [], cached: [], failed: [], skipped: [], wouldRun: [] };
}
