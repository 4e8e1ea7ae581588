/**
 * What became of an instance's SLURM job, from the executor's own markers (start, exit, exec report), the
 * store and `squeue` (falling back on `scontrol show job`): queued, running, done, or failed with the SLURM
 * state, SLURM's reason and a sentence on why. This is what `status` prints and what `run --wait` follows.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Plan, PlannedInstance } from "../plan.ts";
import { entryState } from "../store.ts";
import type { Submission } from "./markers.ts";
import { SlurmMarkers } from "./markers.ts";
import { isActive, type QueuedJob, scontrolJob } from "./queue.ts";

/** An instance's job, as far as the executor can tell. */
export interface JobView {
  instance: string;
  job: string;
  phase: "queued" | "running" | "done" | "failed";
  /** SLURM's state (PENDING, RUNNING, COMPLETED, CANCELLED, TIMEOUT…) or `unknown` once SLURM forgot it. */
  slurmState: string;
  /** SLURM's reason (Dependency, Resources, DependencyNeverSatisfied, None…). */
  reason: string;
  /** With `failed`: what happened, in words. */
  why?: string;
  /** The job began running (its start marker exists). */
  started: boolean;
  node?: string;
  /** Where to read what it printed: its stage log, else the job's output file (`none` if it never ran). */
  log: string;
  /** With `done`: seconds the stage ran, and whether this job made the entry or found it made. */
  seconds?: number;
  made?: boolean;
}

/**
 * Views of the jobs of `subs` (instance → its submission). `queued` comes from one `squeue` call over all
 * of them; a job SLURM reports under another name is a reused id, i.e. ours is long gone.
 */
export async function inspectJobs(
  plan: Plan,
  subs: Map<string, Submission>,
  queued: Map<string, QueuedJob>,
): Promise<Map<string, JobView>> {
  const out = new Map<string, JobView>();
  for (const [name, sub] of subs) {
    out.set(name, await inspectJob(plan, plan.byName.get(name)!, sub, queued.get(sub.job_id)));
  }
  return out;
}

async function inspectJob(
  plan: Plan,
  inst: PlannedInstance,
  sub: Submission,
  q: QueuedJob | undefined,
): Promise<JobView> {
  const m = new SlurmMarkers(plan.layout, inst.key);
  const job = sub.job_id;
  if (q && q.name !== sub.job_name) q = undefined;
  const start = m.started(job);
  const exit = m.exited(job);
  const failedLog = join(plan.layout.failed, inst.key, "log.txt");
  const base = {
    instance: inst.name,
    job,
    slurmState: q?.state ?? "unknown",
    reason: q?.reason ?? "",
    started: !!start,
    node: start?.node ?? (q?.nodes || undefined),
    log: m.out(job),
  };
  if (!exit && q && isActive(q)) {
    return { ...base, phase: q.state === "PENDING" || q.state === "CONFIGURING" ? "queued" : "running" };
  }
  const entry = await entryState(plan.layout, inst.key);
  if (exit?.rc === 0 && entry.state === "valid") {
    const report = readReport(m.report(job));
    return {
      ...base,
      phase: "done",
      log: join(plan.layout.entry(inst.key), "log.txt"),
      seconds: report?.seconds ?? entry.manifest.duration_s,
      made: report?.status !== "cached",
    };
  }
  if (!q && !exit) {
    // SLURM forgot the job (MinJobAge) or we asked too early: scontrol may still know it.
    const info = await scontrolJob(job);
    if (info && info.JobName === sub.job_name) {
      base.slurmState = info.JobState ?? base.slurmState;
      base.reason = info.Reason ?? "";
      if (isActive({ ...base, id: job, state: base.slurmState, name: "", nodes: "" })) {
        return { ...base, phase: base.slurmState === "PENDING" ? "queued" : "running" };
      }
    }
  }
  let why: string;
  if (exit?.rc !== undefined) {
    why = m.execError(job) ?? `cli exec exited with code ${exit.rc}`;
    if (exit.rc === 0) why = "the job ended but its entry is not in the store";
  } else if (exit?.signal) {
    why = `stopped by SIG${exit.signal} while running (scancel, time limit or node failure)`;
  } else if (start) {
    why =
      "ended while running without reaching its exit marker (killed: scancel, time limit, memory or node)";
  } else {
    why = base.reason === "DependencyNeverSatisfied" ? "never ran: an input's job failed" : "never ran";
  }
  // The exit marker can land before SLURM settles (COMPLETING) or after it forgot the job: a non-zero
  // exit code is what SLURM records as FAILED.
  if (exit?.rc && (base.slurmState === "unknown" || (q && isActive(q)))) base.slurmState = "FAILED";
  const log = existsSync(failedLog) ? failedLog : existsSync(m.out(job)) ? m.out(job) : "none";
  return { ...base, phase: "failed", why, log };
}

function readReport(path: string): { status?: string; seconds?: number } | undefined {
  try {
    return JSON.parse(Deno.readTextFileSync(path));
  } catch {
    return undefined;
  }
}
